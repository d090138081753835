package uploads

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
)

// The admin console's uploads page: every upload, filtered and paged, with its
// thumbnail, room and uploader; a preview; deletion; the storage the files use.
//
// Rocket.Chat has no such page: its nearest is the room's Files list, whose delete
// calls deleteFileMessage(fileID) (apps/meteor/server/methods/deleteFileMessage.ts):
// the message whose file._id is the file (Messages.getMessageByFileId) is deleted with
// deleteMessageValidatingPermission, whose canDeleteMessage needs access to the room
// and force-delete-message, or delete-message with Message_AllowDeleting and the time
// limit; without a message the upload alone is removed (Rocket.Chat checks nothing
// then; Outpost asks force-delete-message or delete-message in the room).

// PermAdmin is the permission that shows the uploads page (the console puts it after
// Rooms, whose permission it is).
const PermAdmin = "view-room-administration"

// AdminStore is what the uploads page reads; docdb.UploadsStore implements it.
type AdminStore interface {
	// AdminUploads lists uploads, newest first: thumbnails never; those waiting for
	// their confirmation when pending, else the confirmed ones; of rooms whose name
	// or fname contains roomText (any case), of the user named username (any case),
	// of typeGroup ("image", "video", "audio", "other" or "" for all); and counts all
	// that match.
	AdminUploads(ctx context.Context, roomText, username, typeGroup string, pending bool, offset, limit int) ([]Upload, int64, error)
	// UploadThumbs lists the thumbnails of these uploads.
	UploadThumbs(ctx context.Context, originals []string) ([]Upload, error)
	// UploadNames returns rooms (_id, t, name, fname, usernames) and usernames by id.
	UploadNames(ctx context.Context, rids, uids []string) (map[string]model.Room, map[string]string, error)
	// UploadTotals counts and sums every upload document.
	UploadTotals(ctx context.Context) (files, bytes, thumbs, thumbBytes, pending int64, err error)
	// TopUploads calls fn with the limit heaviest users ("userId") or rooms ("rid").
	TopUploads(ctx context.Context, by string, limit int, fn func(id string, files, bytes int64)) error
	// FileMessageID is the message of room rid that posted the file, or "".
	FileMessageID(ctx context.Context, rid, fileID string) (string, error)
}

// Deleter deletes messages with their permission checks; messaging.Service
// satisfies it.
type Deleter interface {
	Delete(ctx context.Context, actor model.Actor, in messaging.DeleteInput) (model.Message, error)
}

// Permissions is the check the admin side asks; authz.Service satisfies it.
type Permissions interface {
	Can(ctx context.Context, actor model.Actor, permission, scope string) bool
}

// AdminDeps wire the admin side (SetAdmin). DiskUsage, when set, measures the blob
// store on disk (storage/files.Store.Size).
type AdminDeps struct {
	Store     AdminStore
	Messages  Deleter
	Perms     Permissions
	DiskUsage func(ctx context.Context) (int64, error)
}

// admin is the admin side's state.
type admin struct {
	AdminDeps
	mu       sync.Mutex
	disk     int64
	diskAt   time.Time
	diskOK   bool
	diskBusy bool
	usage    *Usage // the last figures, kept usageEvery
	usageTop int    // the top asked for them
}

// usageEvery is how long Usage's figures are reused: summing every upload costs some
// milliseconds per thousand files, too much for each page view. A deletion from the
// console drops them.
const usageEvery = 30 * time.Second

// diskEvery is how long a measure of the blob store on disk is reused.
const diskEvery = time.Minute

// SetAdmin wires the admin side; until then its methods are Internal errors.
func (s *Service) SetAdmin(d AdminDeps) { s.admin = &admin{AdminDeps: d} }

// AdminQuery selects uploads for the console (AdminStore.AdminUploads); Count is at
// most MaxAdminPage.
type AdminQuery struct {
	Room, User, Type string
	Pending          bool
	Offset, Count    int
}

// MaxAdminPage bounds a page of the console's listing.
const MaxAdminPage = 100

// AdminFile is an upload as the console shows it: its thumbnail when it has one, its
// room's label and type, its uploader's username ("" when unknown).
type AdminFile struct {
	Upload
	Thumb    *Upload
	Room     string
	RoomType string
	Username string
}

// AdminPage is a page of the listing and how many uploads match.
type AdminPage struct {
	Files []AdminFile
	Total int64
}

// UsageRow is a user or room with the number and bytes of its uploads.
type UsageRow struct {
	ID, Name     string
	Files, Bytes int64
}

// Usage is the storage the uploads use: Files and Bytes count every upload document
// (originals, thumbnails and unconfirmed uploads), Thumbs and ThumbBytes the
// thumbnails' share, Pending the unconfirmed. DiskBytes is what the blob store (avatars
// included) holds on disk, measured at DiskAt (DiskKnown false when it could not be).
type Usage struct {
	Files, Bytes       int64
	Thumbs, ThumbBytes int64
	Pending            int64
	DiskBytes          int64
	DiskAt             time.Time
	DiskKnown          bool
	TopUsers, TopRooms []UsageRow
	At                 time.Time // when the figures were taken
}

// adminCheck returns the admin side when the actor holds PermAdmin.
func (s *Service) adminCheck(ctx context.Context, actor model.Actor) (*admin, error) {
	if s.admin == nil {
		return nil, model.Internal(errors.New("uploads: the admin side is not wired"))
	}
	if actor.IsAnonymous() || !s.admin.Perms.Can(ctx, actor, PermAdmin, "") {
		return nil, model.Forbidden("error-not-allowed")
	}
	return s.admin, nil
}

// AdminFiles lists uploads for the console (needs PermAdmin).
func (s *Service) AdminFiles(ctx context.Context, actor model.Actor, q AdminQuery) (AdminPage, error) {
	a, err := s.adminCheck(ctx, actor)
	if err != nil {
		return AdminPage{}, err
	}
	q.Room, q.User = strings.TrimSpace(q.Room), strings.TrimPrefix(strings.TrimSpace(q.User), "@")
	switch {
	case q.Offset < 0 || q.Count < 0:
		return AdminPage{}, model.Invalid("invalid-params", "offset and count must be non-negative integers")
	case len(q.Room) > 100 || len(q.User) > 100:
		return AdminPage{}, model.Invalid("invalid-params", "The search text is too long.")
	case !slices.Contains([]string{"", "image", "video", "audio", "other"}, q.Type):
		return AdminPage{}, model.Invalid("invalid-params", "Unknown file type: choose image, video, audio or other.")
	}
	if q.Count == 0 || q.Count > MaxAdminPage {
		q.Count = MaxAdminPage
	}
	list, total, err := a.Store.AdminUploads(ctx, q.Room, q.User, q.Type, q.Pending, q.Offset, q.Count)
	if err != nil {
		return AdminPage{}, model.Internal(err)
	}
	files, err := s.describe(ctx, a, list)
	return AdminPage{Files: files, Total: total}, err
}

// describe adds the thumbnails, room labels and usernames to uploads.
func (s *Service) describe(ctx context.Context, a *admin, list []Upload) ([]AdminFile, error) {
	if len(list) == 0 {
		return nil, nil
	}
	ids, rids, uids := make([]string, len(list)), []string{}, []string{}
	for i, u := range list {
		ids[i] = u.ID
		if !slices.Contains(rids, u.RID) {
			rids = append(rids, u.RID)
		}
		if !slices.Contains(uids, u.UserID) {
			uids = append(uids, u.UserID)
		}
	}
	thumbs, err := a.Store.UploadThumbs(ctx, ids)
	if err != nil {
		return nil, model.Internal(err)
	}
	rooms, users, err := a.Store.UploadNames(ctx, rids, uids)
	if err != nil {
		return nil, model.Internal(err)
	}
	out := make([]AdminFile, len(list))
	for i, u := range list {
		f := AdminFile{Upload: u, Username: users[u.UserID]}
		if r, ok := rooms[u.RID]; ok {
			f.Room, f.RoomType = roomLabel(r), r.T
		}
		for j := range thumbs {
			if thumbs[j].OriginalFileID == u.ID {
				f.Thumb = &thumbs[j]
				break
			}
		}
		out[i] = f
	}
	return out, nil
}

// roomLabel names a room: its name (fname when set), or a direct message's members.
func roomLabel(r model.Room) string {
	switch {
	case r.FName != "":
		return r.FName
	case r.Name != "":
		return r.Name
	case len(r.Usernames) > 0:
		return strings.Join(r.Usernames, ", ")
	}
	return r.ID
}

// AdminFile returns one upload for the console (needs PermAdmin); a thumbnail is
// NotFound (it is shown with its original).
func (s *Service) AdminFile(ctx context.Context, actor model.Actor, id string) (AdminFile, error) {
	a, err := s.adminCheck(ctx, actor)
	if err != nil {
		return AdminFile{}, err
	}
	u, err := s.adminUpload(ctx, id)
	if err != nil {
		return AdminFile{}, err
	}
	files, err := s.describe(ctx, a, []Upload{u})
	if err != nil {
		return AdminFile{}, err
	}
	return files[0], nil
}

// errNoFile404 is the console's answer for an unknown upload.
var errNoFile404 = model.NotFound("", "There is no such file.")

// adminUpload loads an upload that is not a thumbnail.
func (s *Service) adminUpload(ctx context.Context, id string) (Upload, error) {
	if !validID(id) {
		return Upload{}, errNoFile404
	}
	u, err := s.store.Upload(ctx, id)
	if errors.Is(err, model.ErrNotFound) || err == nil && u.TypeGroup == "thumb" {
		return Upload{}, errNoFile404
	} else if err != nil {
		return Upload{}, model.Internal(err)
	}
	return u, nil
}

// Previewable reports whether the console shows the file as a picture: an image a
// browser shows inline (not SVG) that is not end-to-end encrypted.
func Previewable(u Upload) bool {
	return u.TypeGroup == "image" && Inline(u.Type) && strings.HasPrefix(baseType(u.Type), "image/") && u.Content == nil
}

// AdminPreview opens the picture of an image upload for the console (needs
// PermAdmin): its thumbnail when it has one and full is false, else the image. A file
// that is not Previewable is NotFound.
func (s *Service) AdminPreview(ctx context.Context, actor model.Actor, id string, full bool) (Download, error) {
	f, err := s.AdminFile(ctx, actor, id)
	if err != nil {
		return Download{}, err
	}
	if !Previewable(f.Upload) {
		return Download{}, errNoFile404
	}
	u := f.Upload
	if f.Thumb != nil && !full {
		u = *f.Thumb
	}
	b, mod, err := s.blobs.Open(u.ID)
	if errors.Is(err, model.ErrNotFound) {
		return Download{}, errNoFile404
	} else if err != nil {
		return Download{}, model.Internal(err)
	}
	return Download{Upload: u, Blob: b, ModTime: mod}, nil
}

// Deleted says what AdminDelete removed: the file and, when it had one, the message
// that posted it.
type Deleted struct {
	File      AdminFile
	MessageID string
}

// AdminDelete deletes an upload from the console (needs PermAdmin), as Rocket.Chat's
// deleteFileMessage does: through the message that posted it when there is one
// (messaging's Delete, with its permission checks; the message's files, the
// thumbnail included, go with it), else the upload, its thumbnails and their blobs
// directly, for holders of force-delete-message or delete-message in its room.
func (s *Service) AdminDelete(ctx context.Context, actor model.Actor, id string) (Deleted, error) {
	f, err := s.AdminFile(ctx, actor, id)
	if err != nil {
		return Deleted{}, err
	}
	a := s.admin
	mid, err := a.Store.FileMessageID(ctx, f.RID, f.ID)
	if err != nil {
		return Deleted{}, model.Internal(err)
	}
	if mid != "" {
		if _, err := a.Messages.Delete(ctx, actor, messaging.DeleteInput{ID: mid, RID: f.RID}); err != nil {
			e := model.AsError(err)
			if e.Kind == model.KindForbidden || e.Kind == model.KindNotFound {
				return Deleted{}, model.Errorf(model.KindForbidden, "error-not-allowed",
					"You may not delete messages in this room: only those who may read it (its members; anyone, in a public channel) and hold force-delete-message or delete-message can.")
			}
			return Deleted{}, err
		}
		a.forgetDisk()
		return Deleted{File: f, MessageID: mid}, nil
	}
	if !a.Perms.Can(ctx, actor, "force-delete-message", f.RID) && !a.Perms.Can(ctx, actor, "delete-message", f.RID) {
		return Deleted{}, model.Errorf(model.KindForbidden, "error-not-allowed", "Deleting a file needs force-delete-message or delete-message in its room.")
	}
	ids := []string{f.ID}
	if f.Thumb != nil {
		ids = append(ids, f.Thumb.ID)
	}
	if err := s.remove(ctx, ids); err != nil {
		return Deleted{}, err
	}
	a.forgetDisk()
	return Deleted{File: f}, nil
}

// Usage returns the storage the uploads use and the top users and rooms by bytes
// (needs PermAdmin), as taken at most usageEvery ago.
func (s *Service) Usage(ctx context.Context, actor model.Actor, top int) (Usage, error) {
	a, err := s.adminCheck(ctx, actor)
	if err != nil {
		return Usage{}, err
	}
	now := s.now()
	a.mu.Lock()
	if c := a.usage; c != nil && now.Sub(c.At) < usageEvery && a.usageTop == top {
		a.mu.Unlock()
		return *c, nil
	}
	a.mu.Unlock()
	u := Usage{At: now}
	if u.Files, u.Bytes, u.Thumbs, u.ThumbBytes, u.Pending, err = a.Store.UploadTotals(ctx); err != nil {
		return Usage{}, model.Internal(err)
	}
	var uids, rids []string
	if err := a.Store.TopUploads(ctx, "userId", top, func(id string, n, b int64) {
		u.TopUsers = append(u.TopUsers, UsageRow{ID: id, Files: n, Bytes: b})
		uids = append(uids, id)
	}); err != nil {
		return Usage{}, model.Internal(err)
	}
	if err := a.Store.TopUploads(ctx, "rid", top, func(id string, n, b int64) {
		u.TopRooms = append(u.TopRooms, UsageRow{ID: id, Files: n, Bytes: b})
		rids = append(rids, id)
	}); err != nil {
		return Usage{}, model.Internal(err)
	}
	rooms, users, err := a.Store.UploadNames(ctx, rids, uids)
	if err != nil {
		return Usage{}, model.Internal(err)
	}
	for i, r := range u.TopUsers {
		u.TopUsers[i].Name = users[r.ID]
	}
	for i, r := range u.TopRooms {
		if room, ok := rooms[r.ID]; ok {
			u.TopRooms[i].Name = roomLabel(room)
		}
	}
	u.DiskBytes, u.DiskAt, u.DiskKnown = a.diskUsage(ctx, now)
	a.mu.Lock()
	a.usage, a.usageTop = &u, top
	a.mu.Unlock()
	return u, nil
}

// diskUsage is the blob store's size on disk, measured at most once a diskEvery; a
// page view never waits for a measure another one is taking.
func (a *admin) diskUsage(ctx context.Context, now time.Time) (int64, time.Time, bool) {
	if a.DiskUsage == nil {
		return 0, time.Time{}, false
	}
	a.mu.Lock()
	if a.diskBusy || a.diskOK && now.Sub(a.diskAt) < diskEvery {
		defer a.mu.Unlock()
		return a.disk, a.diskAt, a.diskOK
	}
	a.diskBusy = true
	a.mu.Unlock()
	n, err := a.DiskUsage(ctx)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.diskBusy = false
	if err == nil {
		a.disk, a.diskAt, a.diskOK = n, now, true
	}
	return a.disk, a.diskAt, a.diskOK
}

// forgetDisk makes the next Usage sum the files and measure the disk again (after a
// deletion).
func (a *admin) forgetDisk() {
	a.mu.Lock()
	a.diskAt, a.usage = time.Time{}, nil
	a.mu.Unlock()
}

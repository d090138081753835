package avatars

import (
	"bytes"
	"container/list"
	"context"
	"image"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/uploads/imaging"
)

// Avatar is what the /avatar routes show for a user or a room: its stored picture
// when ETag is set, else the initials of Name.
type Avatar struct {
	Name string // the username or room name the placeholder shows
	ETag string // the avatarETag; "" when there is no picture
	blob string
}

// HasPicture reports whether a picture is stored for the avatar.
func (a Avatar) HasPicture() bool { return a.blob != "" }

// User returns the avatar of the user with this username (ignoring case). An unknown
// user gets the placeholder of the name asked, as Rocket.Chat answers /avatar/<name>.
func (s *Service) User(ctx context.Context, username string) (Avatar, error) {
	u, err := s.users.ByUsername(ctx, username)
	if isNotFound(err) {
		return Avatar{Name: username}, nil
	} else if err != nil {
		return Avatar{}, err
	}
	return userAvatar(u), nil
}

// UserByID returns the avatar of the user with this id (/avatar/uid/<id>);
// model.ErrNotFound when there is none, as Rocket.Chat answers 404.
func (s *Service) UserByID(ctx context.Context, uid string) (Avatar, error) {
	u, err := s.users.ByID(ctx, uid)
	if err != nil {
		return Avatar{}, err
	}
	return userAvatar(u), nil
}

func userAvatar(u model.User) Avatar {
	a := Avatar{Name: u.Username}
	if validETag(u.AvatarETag) {
		a.ETag, a.blob = u.AvatarETag, blobID("user", u.ID, u.AvatarETag)
	}
	return a
}

// Room returns the avatar of the room rid; model.ErrNotFound when there is none, as
// Rocket.Chat answers 404. As Rocket.Chat's /avatar/room route: a discussion without a
// picture of its own shows its parent room's avatar (picture, else the parent's
// placeholder); the placeholder shows the room's name, and for a direct message the
// name viewer's subscription has (the other members' usernames; viewer is a user id,
// "" when unknown: then as the first member sees it). A 1:1 direct message thus shows
// the other member's initial: Rocket.Chat's clients ask /avatar/<username> for the
// other member's picture themselves.
func (s *Service) Room(ctx context.Context, rid, viewer string) (Avatar, error) {
	room, err := s.rooms.Room(ctx, rid)
	if err != nil {
		return Avatar{}, err
	}
	for depth := 0; room.Prid != "" && depth < maxDiscussionDepth && !s.hasRoomPicture(room); depth++ {
		parent, err := s.rooms.Room(ctx, room.Prid)
		if err != nil {
			break
		}
		room = parent
	}
	a := Avatar{Name: s.roomName(ctx, room, viewer)}
	if validETag(room.AvatarETag) {
		a.ETag, a.blob = room.AvatarETag, blobID("room", room.ID, room.AvatarETag)
	}
	return a, nil
}

// maxDiscussionDepth bounds the walk from a discussion up to the room with its picture.
const maxDiscussionDepth = 8

// hasRoomPicture reports whether a picture is stored for r (a reset room keeps an
// avatarETag, a timestamp, without one).
func (s *Service) hasRoomPicture(r model.Room) bool {
	if !validETag(r.AvatarETag) {
		return false
	}
	b, _, err := s.blobs.Open(blobID("room", r.ID, r.AvatarETag))
	if err != nil {
		return false
	}
	_ = b.Close()
	return true
}

// roomName is the name a room's placeholder shows.
func (s *Service) roomName(ctx context.Context, r model.Room, viewer string) string {
	if r.T == model.RoomDirect && r.FName == "" && r.Name == "" {
		// Rocket.Chat: the viewer's subscription name, the others' usernames. UIDs and
		// Usernames are not in the same order, so the viewer's username is looked up.
		if viewer == "" || !slices.Contains(r.UIDs, viewer) {
			viewer = ""
			if len(r.UIDs) > 0 {
				viewer = r.UIDs[0]
			}
		}
		self := ""
		if u, err := s.users.ByID(ctx, viewer); err == nil {
			self = u.Username
		}
		var others []string
		for _, n := range r.Usernames {
			if n != self {
				others = append(others, n)
			}
		}
		if len(others) > 0 {
			return strings.Join(others, ", ")
		}
		if len(r.Usernames) > 0 { // a direct message with oneself
			return r.Usernames[0]
		}
	}
	for _, n := range []string{r.FName, r.Name} {
		if n != "" {
			return n
		}
	}
	return "Room"
}

// Picture is an avatar's image to serve. Close it when done.
type Picture struct {
	Body    io.ReadSeeker
	Type    string // the content type; "" to let the server sniff it
	ModTime time.Time
	close   func() error
}

// Close releases the picture.
func (p Picture) Close() error {
	if p.close == nil {
		return nil
	}
	return p.close()
}

// Picture opens the stored picture of a (model.ErrNotFound without one), scaled down
// to fit size × size when size > 0 and the picture is larger, and converted to format
// (FormatPNG, FormatJPEG) when it is asked and the picture is in another. Rocket.Chat
// serves a stored picture as it is whatever the format; a client asking for PNG gets
// PNG here. Scaled and converted pictures are kept in a bounded memory cache.
func (s *Service) Picture(_ context.Context, a Avatar, size int, format string) (Picture, error) {
	if a.blob == "" {
		return Picture{}, model.ErrNotFound
	}
	if size > 0 {
		size = min(max(size, 16), maxSize)
	}
	if size > 0 || format != FormatSVG {
		key := variantKey{a.blob, size, format}
		if v, ok := s.cache.get(key); ok {
			return Picture{Body: bytes.NewReader(v.data), Type: v.typ, ModTime: v.mod}, nil
		}
		v, ok, err := s.variant(a.blob, size, format)
		if err != nil {
			return Picture{}, err
		}
		if ok {
			s.cache.put(key, v)
			return Picture{Body: bytes.NewReader(v.data), Type: v.typ, ModTime: v.mod}, nil
		}
	}
	b, mod, err := s.blobs.Open(a.blob)
	if err != nil {
		return Picture{}, err
	}
	return Picture{Body: b, ModTime: mod, close: b.Close}, nil
}

// variant makes the picture of blob fit size × size (size 0: any) in format (""
// for the stored one's); ok is false when the stored picture already is that.
func (s *Service) variant(blob string, size int, format string) (variant, bool, error) {
	b, mod, err := s.blobs.Open(blob)
	if err != nil {
		return variant{}, false, err
	}
	defer b.Close()
	info, err := imaging.Decoder{}.Identify(b)
	if err != nil {
		return variant{}, false, model.Internal(err)
	}
	w, h := info.Dimensions()
	scale := size > 0 && (w > size || h > size)
	convert := format != FormatSVG && info.ContentType() != ContentType(format)
	if !scale && !convert {
		return variant{}, false, nil
	}
	if _, err := b.Seek(0, io.SeekStart); err != nil {
		return variant{}, false, model.Internal(err)
	}
	var img image.Image
	if scale {
		img, _, err = imaging.Thumbnail(b, size, size)
	} else {
		img, _, err = imaging.Decode(b)
	}
	if err != nil {
		return variant{}, false, model.Internal(err)
	}
	var buf bytes.Buffer
	typ := ContentType(format)
	switch format {
	case FormatPNG:
		err = imaging.EncodePNG(&buf, img)
	case FormatJPEG:
		err = imaging.EncodeJPEG(&buf, img, imaging.DefaultQuality)
	default:
		typ, err = imaging.Encode(&buf, img, imaging.DefaultQuality)
	}
	if err != nil {
		return variant{}, false, model.Internal(err)
	}
	return variant{data: buf.Bytes(), typ: typ, mod: mod}, true, nil
}

// variantCacheBytes bounds the memory the scaled pictures take.
const variantCacheBytes = 8 << 20

type variantKey struct {
	blob   string
	size   int
	format string
}

type variant struct {
	data []byte
	typ  string
	mod  time.Time
}

// variantCache is a least-recently-used cache of scaled pictures, bounded in bytes.
// Blob ids hold the etag, so a new picture never meets a stale entry.
type variantCache struct {
	mu    sync.Mutex
	limit int
	used  int
	order *list.List // of *cacheEntry, most recent first
	byKey map[variantKey]*list.Element
}

type cacheEntry struct {
	key variantKey
	v   variant
}

func newVariantCache(limit int) *variantCache {
	return &variantCache{limit: limit, order: list.New(), byKey: map[variantKey]*list.Element{}}
}

func (c *variantCache) get(k variantKey) (variant, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[k]
	if !ok {
		return variant{}, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cacheEntry).v, true
}

func (c *variantCache) put(k variantKey, v variant) {
	if len(v.data) > c.limit/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[k]; ok {
		return
	}
	c.byKey[k] = c.order.PushFront(&cacheEntry{k, v})
	c.used += len(v.data)
	for c.used > c.limit {
		last := c.order.Back()
		ent := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.byKey, ent.key)
		c.used -= len(ent.v.data)
	}
}

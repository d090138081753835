package docdb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/docdb"
)

// adminUpload is the part of app/uploads' Upload the admin listing reads.
type adminUpload struct {
	ID             string     `json:"_id"`
	Name           string     `json:"name"`
	Size           int64      `json:"size"`
	RID            string     `json:"rid"`
	UserID         string     `json:"userId"`
	TypeGroup      string     `json:"typeGroup"`
	UploadedAt     time.Time  `json:"uploadedAt"`
	ExpiresAt      *time.Time `json:"expiresAt,omitempty"`
	OriginalFileID string     `json:"originalFileId,omitempty"`
}

func TestUploadsAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	st := docdb.NewUploadsStore[adminUpload](s.Docs)
	rooms, users, msgs := s.Docs.Collection(docdb.Rooms), s.Docs.Collection(docdb.Users), s.Docs.Collection(docdb.Messages)
	mustNoErr(t, rooms.Insert(ctx, model.Room{ID: "roomAAAAAAAAAAAAA", T: "c", Name: "Design-Team"}))
	mustNoErr(t, rooms.Insert(ctx, model.Room{ID: "roomBBBBBBBBBBBBB", T: "p", Name: "ops"}))
	mustNoErr(t, rooms.Insert(ctx, model.Room{ID: "roomDDDDDDDDDDDDD", T: "d", Usernames: []string{"ann", "bob"}}))
	mustNoErr(t, users.Insert(ctx, model.User{ID: "userAnnAAAAAAAAAA", Username: "Ann"}))
	mustNoErr(t, users.Insert(ctx, model.User{ID: "userBobBBBBBBBBBB", Username: "bob"}))
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	later := base.Add(24 * time.Hour)
	docs := []adminUpload{
		{ID: "up1AAAAAAAAAAAAAA", Name: "a.png", Size: 1000, RID: "roomAAAAAAAAAAAAA", UserID: "userAnnAAAAAAAAAA", TypeGroup: "image", UploadedAt: base},
		{ID: "up1thumbAAAAAAAAA", Name: "thumb-a.png", Size: 100, RID: "roomAAAAAAAAAAAAA", UserID: "userAnnAAAAAAAAAA", TypeGroup: "thumb", UploadedAt: base.Add(time.Second), OriginalFileID: "up1AAAAAAAAAAAAAA"},
		{ID: "up2AAAAAAAAAAAAAA", Name: "b.mp4", Size: 5000, RID: "roomBBBBBBBBBBBBB", UserID: "userBobBBBBBBBBBB", TypeGroup: "video", UploadedAt: base.Add(time.Minute)},
		{ID: "up3AAAAAAAAAAAAAA", Name: "c.pdf", Size: 300, RID: "roomDDDDDDDDDDDDD", UserID: "userBobBBBBBBBBBB", TypeGroup: "application", UploadedAt: base.Add(2 * time.Minute)},
		{ID: "up4AAAAAAAAAAAAAA", Name: "d.ogg", Size: 50, RID: "roomAAAAAAAAAAAAA", UserID: "userBobBBBBBBBBBB", TypeGroup: "audio", UploadedAt: base.Add(3 * time.Minute), ExpiresAt: &later},
	}
	for _, d := range docs {
		mustNoErr(t, st.InsertUpload(ctx, d))
	}
	mustNoErr(t, msgs.Insert(ctx, docdb.Doc{{Key: "_id", Value: "msg1AAAAAAAAAAAAA"}, {Key: "rid", Value: "roomAAAAAAAAAAAAA"},
		{Key: "ts", Value: base}, {Key: "file", Value: docdb.Doc{{Key: "_id", Value: "up1AAAAAAAAAAAAAA"}}}}))

	ids := func(list []adminUpload) string {
		var out []string
		for _, u := range list {
			out = append(out, u.ID[:3])
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct {
		name            string
		room, user, typ string
		pending         bool
		offset, limit   int
		want            string
		total           int64
	}{
		{"all, newest first, no thumbnails", "", "", "", false, 0, 10, "up3,up2,up1", 3},
		{"paged", "", "", "", false, 1, 1, "up2", 3},
		{"room by part of its name, any case", "design", "", "", false, 0, 10, "up1", 1},
		{"user by name, any case", "", "ann", "", false, 0, 10, "up1", 1},
		{"user and type", "", "BOB", "video", false, 0, 10, "up2", 1},
		{"other types", "", "", "other", false, 0, 10, "up3", 1},
		{"pending", "", "", "", true, 0, 10, "up4", 1},
		{"unknown user", "", "nobody", "", false, 0, 10, "", 0},
		{"unknown room", "zzz", "", "", false, 0, 10, "", 0},
	} {
		got, total, err := st.AdminUploads(ctx, c.room, c.user, c.typ, c.pending, c.offset, c.limit)
		mustNoErr(t, err)
		if ids(got) != c.want || total != c.total {
			t.Errorf("%s: %s (%d), want %s (%d)", c.name, ids(got), total, c.want, c.total)
		}
	}

	thumbs, err := st.UploadThumbs(ctx, []string{"up1AAAAAAAAAAAAAA", "up2AAAAAAAAAAAAAA"})
	mustNoErr(t, err)
	if len(thumbs) != 1 || thumbs[0].ID != "up1thumbAAAAAAAAA" {
		t.Fatalf("thumbs %+v", thumbs)
	}

	rm, um, err := st.UploadNames(ctx, []string{"roomAAAAAAAAAAAAA", "roomDDDDDDDDDDDDD", "roomZZZZZZZZZZZZZ"}, []string{"userAnnAAAAAAAAAA", "userZZZZZZZZZZZZZ"})
	mustNoErr(t, err)
	if len(rm) != 2 || rm["roomAAAAAAAAAAAAA"].Name != "Design-Team" || !slices.Equal(rm["roomDDDDDDDDDDDDD"].Usernames, []string{"ann", "bob"}) ||
		len(um) != 1 || um["userAnnAAAAAAAAAA"] != "Ann" {
		t.Fatalf("names %+v %+v", rm, um)
	}

	files, bytes, nThumbs, thumbBytes, pending, err := st.UploadTotals(ctx)
	mustNoErr(t, err)
	if files != 5 || bytes != 6450 || nThumbs != 1 || thumbBytes != 100 || pending != 1 {
		t.Fatalf("totals %d %d %d %d %d", files, bytes, nThumbs, thumbBytes, pending)
	}
	var top []string
	mustNoErr(t, st.TopUploads(ctx, "userId", 10, func(id string, n, b int64) { top = append(top, fmt.Sprintf("%s:%d:%d", id[4:7], n, b)) }))
	if strings.Join(top, " ") != "Bob:3:5350 Ann:2:1100" {
		t.Fatalf("top users %v", top)
	}
	top = nil
	mustNoErr(t, st.TopUploads(ctx, "rid", 1, func(id string, n, b int64) { top = append(top, fmt.Sprintf("%s:%d:%d", id, n, b)) }))
	if strings.Join(top, " ") != "roomBBBBBBBBBBBBB:1:5000" {
		t.Fatalf("top rooms %v", top)
	}
	if err := st.TopUploads(ctx, "name", 1, func(string, int64, int64) {}); err == nil {
		t.Fatal("TopUploads by name")
	}

	mid, err := st.FileMessageID(ctx, "roomAAAAAAAAAAAAA", "up1AAAAAAAAAAAAAA")
	mustNoErr(t, err)
	if mid != "msg1AAAAAAAAAAAAA" {
		t.Fatalf("file message %q", mid)
	}
	if mid, err := st.FileMessageID(ctx, "roomBBBBBBBBBBBBB", "up1AAAAAAAAAAAAAA"); err != nil || mid != "" {
		t.Fatalf("file message in another room: %q %v", mid, err)
	}
}

// TestUploadsAdminPlans: the admin listing reads outpost_uploads_uploaded in order
// (no sort), counts and sums on it alone (a range over all of it, whose fields SQLite
// reads from the index: no document is parsed),
// a user filter searches outpost_uploads_user_uploaded, a room filter a (rid, …)
// index for each room whose name matches (sorting only those files), thumbnails
// outpost_uploads_original, the file's message the room-history index.
func TestUploadsAdminPlans(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	db := rawDB(t, s)
	table := tableOf(t, db, docdb.Uploads)
	roomsT, usersT, msgsT := tableOf(t, db, docdb.Rooms), tableOf(t, db, docdb.Users), tableOf(t, db, docdb.Messages)
	q := func(f docdb.UploadFilter) docdb.Query { return docdb.AdminUploadsQuery(roomsT, usersT, f, 25, 25) }
	count := func(q docdb.Query) string { return docdb.CountSQL(q, table) }
	for _, c := range []struct {
		name  string
		sql   string
		args  []any
		index string
	}{
		{"newest first", docdb.SelectSQL(q(docdb.UploadFilter{}), table), nil, "outpost_uploads_uploaded"},
		{"newest images", docdb.SelectSQL(q(docdb.UploadFilter{TypeGroup: "image"}), table), []any{"image"}, "outpost_uploads_uploaded"},
		{"count", count(q(docdb.UploadFilter{})), nil, "outpost_uploads_uploaded"},
		{"count of a type", count(q(docdb.UploadFilter{TypeGroup: "other"})), nil, "outpost_uploads_uploaded"},
		{"totals", docdb.UploadTotalsSQL(table), nil, "outpost_uploads_uploaded"},
		{"top users", docdb.TopUploadsSQL(table, "userId"), []any{10}, "outpost_uploads_uploaded"},
		{"a user's", docdb.SelectSQL(q(docdb.UploadFilter{Username: "ann"}), table), []any{"ann"}, "outpost_uploads_"},
		{"a room's", docdb.SelectSQL(q(docdb.UploadFilter{RoomText: "ops"}), table), []any{`"ops"`, "ops", "ops"}, "outpost_uploads_uploaded"},
		{"a room's count", count(docdb.AdminUploadsCountQuery(roomsT, usersT, docdb.UploadFilter{RoomText: "ops"})), []any{`"ops"`, "ops", "ops"}, "outpost_uploads_"},
		{"a room's (short text)", docdb.SelectSQL(q(docdb.UploadFilter{RoomText: "op"}), table), []any{"op", "op"}, "outpost_uploads_uploaded"},
		{"thumbnails", docdb.SelectSQL(docdb.UploadThumbsQuery([]string{"a", "b"}), table), []any{"a", "b"}, "outpost_uploads_original"},
	} {
		lines := explain(t, db, c.sql, c.args...)
		t.Logf("%s: %s\n  → %s", c.name, c.sql, strings.Join(lines, " | "))
		ok := false
		for _, l := range lines {
			if strings.HasPrefix(l, "SCAN "+table) && !strings.Contains(l, "INDEX") {
				t.Errorf("%s: reads the whole table: %s", c.name, l)
			}
			if strings.Contains(l, table) && strings.Contains(l, c.index) && strings.HasPrefix(l, "SEARCH ") {
				ok = true
			}
			if strings.Contains(l, "TEMP B-TREE FOR ORDER BY") && !strings.HasPrefix(c.name, "top") {
				t.Errorf("%s: sorts: %s", c.name, l)
			}
		}
		if !ok {
			t.Errorf("%s: not on %s: %q", c.name, c.index, lines)
		}
	}
	fm := docdb.FileMessageQuery("r", "f")
	for _, p := range planProblems(explain(t, db, docdb.SelectSQL(fm, msgsT), fm.Args...), msgsT, "outpost_message_rid_") {
		t.Error("file message: " + p)
	}
}

package messaging_test

import (
	"fmt"
	"testing"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/docdb"
)

func TestFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann := e.user("ann")
	out := e.user("out")
	grp := e.room("grp", model.RoomPrivate, nil, ann)
	empty, err := e.svc.Files(e.ctx, ann, grp.ID, nil, 0, 0)
	if err != nil || len(empty.Items) != 0 || empty.Total != 0 || empty.Items == nil {
		t.Fatalf("no uploads: %+v, %v", empty, err)
	}
	for i, name := range []string{"c.png", "a.png", "b.png", "thumb.png"} {
		d := docdb.Doc{{Key: "_id", Value: fmt.Sprintf("f%d", i)}, {Key: "rid", Value: grp.ID}, {Key: "name", Value: name}, {Key: "userId", Value: ann.UserID}}
		if name == "thumb.png" {
			d = append(d, docdb.Field{Key: "typeGroup", Value: "thumb"})
		}
		if err := e.db.Collection(docdb.Uploads).Insert(e.ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	p, err := e.svc.Files(e.ctx, ann, grp.ID, nil, 1, 5)
	if err != nil || p.Total != 3 || len(p.Items) != 2 || p.Items[0]["name"] != "b.png" {
		t.Fatalf("page: %+v, %v", p, err)
	}
	if u, _ := p.Items[0]["user"].(map[string]any); u["username"] != "ann" {
		t.Errorf("user of file: %v", p.Items[0]["user"])
	}
	p, _ = e.svc.Files(e.ctx, ann, grp.ID, []model.SortField{{Field: "name", Desc: true}}, 0, 1)
	if len(p.Items) != 1 || p.Items[0]["name"] != "c.png" {
		t.Errorf("sorted desc: %+v", p.Items)
	}
	if _, err := e.svc.Files(e.ctx, out, grp.ID, nil, 0, 10); code(err) != "error-not-allowed" {
		t.Errorf("non-member: %v", err)
	}
	if _, err := e.svc.Files(e.ctx, ann, "nope", nil, 0, 10); code(err) != "error-invalid-room" {
		t.Errorf("unknown room: %v", err)
	}
}

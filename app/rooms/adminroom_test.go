package rooms_test

import (
	"context"
	"testing"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
)

// TestAdminRoomReads: an administrator reads any room, its members and its role
// holders without a subscription; others may not; an unknown room is not found.
func TestAdminRoomReads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	boss, ann := e.users["boss"], e.users["ann"]
	r, err := e.rooms.Create(ctx, ann, rooms.NewRoom{Type: model.RoomPrivate, Name: "secret", Members: []string{"bob"}, ExcludeSelf: false})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.rooms.AdminRoom(ctx, boss, r.ID)
	if err != nil || got.Name != "secret" || got.JoinCode != "" {
		t.Fatalf("AdminRoom: %+v %v", got, err)
	}
	if _, err := e.rooms.AdminRoom(ctx, boss, "nope"); model.AsError(err).Kind != model.KindNotFound {
		t.Fatalf("unknown room: %v", err)
	}
	if _, err := e.rooms.AdminRoom(ctx, boss, ""); model.AsError(err).Kind != model.KindNotFound {
		t.Fatalf("empty id: %v", err)
	}
	for _, err := range []error{
		func() error { _, err := e.rooms.AdminRoom(ctx, ann, r.ID); return err }(),
		func() error { _, err := e.rooms.AdminMembers(ctx, ann, r.ID, "", 0, 10); return err }(),
		func() error { _, err := e.rooms.AdminRoleHolders(ctx, ann, r.ID); return err }(),
	} {
		if model.AsError(err).Kind != model.KindForbidden {
			t.Fatalf("a non-admin: %v", err)
		}
	}

	p, err := e.rooms.AdminMembers(ctx, boss, r.ID, "", 0, 10)
	if err != nil || p.Total != 2 || len(p.Items) != 2 || p.Items[0].Username != "ann" || p.Items[1].Username != "bob" {
		t.Fatalf("members %+v %v", p, err)
	}
	if len(p.Items[0].Roles) != 1 || p.Items[0].Roles[0] != "owner" || len(p.Items[1].Roles) != 0 {
		t.Fatalf("roles %+v", p.Items)
	}
	if p, err := e.rooms.AdminMembers(ctx, boss, r.ID, "BO", 0, 10); err != nil || p.Total != 1 || p.Items[0].Username != "bob" {
		t.Fatalf("search %+v %v", p, err)
	}
	if p, err := e.rooms.AdminMembers(ctx, boss, r.ID, "", 1, 1); err != nil || p.Total != 2 || len(p.Items) != 1 || p.Items[0].Username != "bob" {
		t.Fatalf("page %+v %v", p, err)
	}

	// Make bob owner as an admin who is no member (addRoomOwner with set-owner).
	if err := e.rooms.SetRoomRole(ctx, boss, r.ID, p.Items[1].ID, "owner", true); err != nil {
		t.Fatal(err)
	}
	holders, err := e.rooms.AdminRoleHolders(ctx, boss, r.ID)
	if err != nil || len(holders) != 2 || holders[0].U.Username != "ann" || holders[1].U.Username != "bob" {
		t.Fatalf("holders %+v %v", holders, err)
	}
}

package accounts_test

import (
	"context"
	"errors"
	"testing"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
)

// TestOnUserDeleted: the hook runs once the deletion committed, with the user as it
// was, and only then; its failure leaves the user deleted.
func TestOnUserDeleted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var got []model.User
	e.svc.SetOnUserDeleted(func(hctx context.Context, u model.User) error {
		if _, err := e.users.ByID(hctx, u.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("hook ran before the delete committed: %v", err)
		}
		got = append(got, u)
		return errors.New("rooms on fire")
	})
	if err := e.svc.DeleteUser(ctx, e.joe, accounts.UserRef{ID: e.boss.UserID}); err == nil {
		t.Fatal("joe deleted boss")
	}
	if len(got) != 0 {
		t.Fatalf("hook ran for a refused delete: %v", got)
	}
	if err := e.svc.DeleteUser(ctx, e.boss, accounts.UserRef{Username: "joe"}); err != nil {
		t.Fatalf("a failing hook fails the delete: %v", err)
	}
	if len(got) != 1 || got[0].ID != e.joe.UserID || got[0].Username != "joe" {
		t.Fatalf("hook got %+v", got)
	}
	if _, err := e.users.ByID(ctx, e.joe.UserID); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("joe is back: %v", err)
	}
}

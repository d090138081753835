package uploads_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/app/uploads"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// TestQuotaChecks: the quota setting is registered off; CheckUpload refuses from the
// least size before any byte is read (and still answers the room's own errors
// first); Receive stops a file at what is left and keeps the quota's error apart from
// FileUpload_MaxFileSize's.
func TestQuotaChecks(t *testing.T) {
	t.Parallel()
	a := wiretest.Open(t)
	ctx := context.Background()
	if v := a.Settings.Int(uploads.QuotaSettingID); v != 0 {
		t.Fatalf("%s defaults to %d, want 0", uploads.QuotaSettingID, v)
	}
	ann := wiretest.Actor(t, a, "ann")
	out := wiretest.Actor(t, a, "out")
	room, err := a.Rooms.Create(ctx, ann, rooms.NewRoom{Type: model.RoomPrivate, Name: "q"})
	if err != nil {
		t.Fatal(err)
	}
	wiretest.Set(t, a, uploads.QuotaSettingID, 1)
	code := func(err error) string {
		if err == nil {
			return ""
		}
		return model.AsError(err).Code
	}
	for _, c := range []struct {
		name    string
		actor   model.Actor
		minSize int64
		want    string
	}{
		{"unknown size", ann, -1, ""},
		{"fits", ann, 1 << 20, ""},
		{"one byte over", ann, 1<<20 + 1, "error-quota-exceeded"},
		{"non-member", out, -1, "error-not-allowed"},
	} {
		if _, err := a.Uploads.CheckUpload(ctx, c.actor, room.ID, c.minSize); code(err) != c.want {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}

	receive := func(n int) error {
		_, err := a.Uploads.Receive(ctx, ann, uploads.ReceiveInput{RID: room.ID, Name: "f.bin", Sniffed: "application/octet-stream",
			Body: bytes.NewReader(make([]byte, n))})
		return err
	}
	// The smaller limit names the error.
	wiretest.Set(t, a, "FileUpload_MaxFileSize", 1000)
	if err := receive(2000); code(err) != "error-file-too-large" {
		t.Errorf("over the size limit: %v", err)
	}
	wiretest.Set(t, a, "FileUpload_MaxFileSize", -1)
	if err := receive(1<<20 - 10); err != nil {
		t.Fatalf("within the quota: %v", err)
	}
	if err := receive(11); code(err) != "error-quota-exceeded" {
		t.Errorf("11 bytes over: %v", err)
	}
	if err := receive(10); err != nil {
		t.Errorf("exactly the rest: %v", err)
	}
	for _, n := range []int{0, 1} {
		if err := receive(n); code(err) != "error-quota-exceeded" {
			t.Errorf("%d bytes with the quota used up: %v", n, err)
		}
	}
	if _, err := a.Uploads.CheckUpload(ctx, ann, room.ID, -1); code(err) != "error-quota-exceeded" {
		t.Errorf("CheckUpload with the quota used up: %v", err)
	}
}

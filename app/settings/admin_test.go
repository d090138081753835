package settings_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/app/streamhub"
)

func TestSaveAndReset(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, store, hub := newService(t)
	if err := svc.Register(ctx, settings.Core("UNIQUE")...); err != nil {
		t.Fatal(err)
	}
	sub := hub.Subscribe(8, streamhub.TopicSettings)
	defer sub.Close()
	next := func() streamhub.SettingChanged {
		t.Helper()
		select {
		case ev := <-sub.C():
			return ev.(streamhub.SettingChanged)
		default:
			t.Fatal("no SettingChanged")
		}
		return streamhub.SettingChanged{}
	}

	// Save skips the role check (the caller checked the permission) but not the type.
	if err := svc.Save(ctx, "Message_MaxAllowedSize", "many"); model.AsError(err).Kind != model.KindInvalid {
		t.Fatalf("Save of a string into an int: %v", err)
	}
	if err := svc.Save(ctx, "Message_MaxAllowedSize", 9000); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.ID != "Message_MaxAllowedSize" || ev.Value != int64(9000) {
		t.Fatalf("event %+v", ev)
	}
	st, _ := svc.Get("Message_MaxAllowedSize")
	if settings.IsDefault(st) || st.ValueSource != settings.SourceCustomer {
		t.Fatalf("after save: %+v", st)
	}

	if err := svc.Reset(ctx, "Message_MaxAllowedSize"); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.Value != int64(5000) || !ev.Public {
		t.Fatalf("reset event %+v", ev)
	}
	st, _ = svc.Get("Message_MaxAllowedSize")
	if !settings.IsDefault(st) || st.ValueSource != settings.SourcePackage {
		t.Fatalf("after reset: %+v", st)
	}
	// Already at its default: nothing stored, nothing announced.
	if err := svc.Reset(ctx, "Message_MaxAllowedSize"); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-sub.C():
		t.Fatalf("a reset to the same value announced %+v", ev)
	default:
	}
	// The reset survives a restart, and a reset setting follows a new package value.
	reloaded := settings.New(store, streamhub.New(nil), slog.New(slog.DiscardHandler))
	if err := reloaded.Load(ctx); err != nil {
		t.Fatal(err)
	}
	defs := settings.Core("UNIQUE")
	for i := range defs {
		if defs[i].ID == "Message_MaxAllowedSize" {
			defs[i].PackageValue = 6000
		}
	}
	if err := reloaded.Register(ctx, defs...); err != nil {
		t.Fatal(err)
	}
	if got := reloaded.Int("Message_MaxAllowedSize"); got != 6000 {
		t.Fatalf("after a new default: %d", got)
	}

	for _, c := range []struct {
		id   string
		kind model.Kind
	}{{"uniqueID", model.KindInvalid}, {"Nope", model.KindNotFound}} {
		if err := svc.Reset(ctx, c.id); model.AsError(err).Kind != c.kind {
			t.Errorf("Reset(%s) = %v", c.id, err)
		}
	}
}

func TestIsDefaultMultiSelect(t *testing.T) {
	t.Parallel()
	st := model.Setting{Type: model.SettingMultiSelect, Value: []any{"a", "b"}, PackageValue: []string{"a", "b"}}
	if !settings.IsDefault(st) {
		t.Fatal("the same keys differ")
	}
	st.Value = []string{"b"}
	if settings.IsDefault(st) {
		t.Fatal("other keys are the default")
	}
}

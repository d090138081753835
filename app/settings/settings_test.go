package settings_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/storage/docdb"
	"github.com/outpostchat/outpost/storage/storetest"
)

var _ settings.Store = (*docdb.SettingsStore)(nil)

var admin = model.Actor{UserID: "u1", Username: "boss", Roles: []string{"admin"}}

func newService(t *testing.T) (*settings.Service, *docdb.SettingsStore, *streamhub.Hub) {
	t.Helper()
	s := storetest.Open(t)
	hub := streamhub.New(nil)
	t.Cleanup(hub.Close)
	store := docdb.NewSettingsStore(s.Docs)
	svc := settings.New(store, hub, slog.New(slog.DiscardHandler))
	if err := svc.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc, store, hub
}

func TestRegisterIsIdempotentAndKeepsAdminValues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, store, _ := newService(t)
	core := settings.Core("UNIQUE")
	for range 2 {
		if err := svc.Register(ctx, core...); err != nil {
			t.Fatal(err)
		}
	}
	all, err := store.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(core) {
		t.Fatalf("stored %d settings, want %d", len(all), len(core))
	}
	if got := svc.Int("Message_MaxAllowedSize"); got != 5000 {
		t.Fatalf("Message_MaxAllowedSize = %d", got)
	}
	if err := svc.Set(ctx, admin, "Site_Name", "Field Camp"); err != nil {
		t.Fatal(err)
	}
	// A new release changes the package value: the admin's value stays, the untouched
	// setting follows.
	changed := settings.Core("UNIQUE")
	for i := range changed {
		switch changed[i].ID {
		case "Site_Name":
			changed[i].PackageValue = "New Default"
		case "Message_MaxAllowedSize":
			changed[i].PackageValue = 8000
		}
	}
	if err := svc.Register(ctx, changed...); err != nil {
		t.Fatal(err)
	}
	// A fresh service over the same store sees the same values.
	reloaded := settings.New(store, streamhub.New(nil), slog.New(slog.DiscardHandler))
	if err := reloaded.Load(ctx); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*settings.Service{svc, reloaded} {
		if got := s.String("Site_Name"); got != "Field Camp" {
			t.Errorf("Site_Name = %q, want the admin's value", got)
		}
		if got := s.Int("Message_MaxAllowedSize"); got != 8000 {
			t.Errorf("Message_MaxAllowedSize = %d, want the new package value", got)
		}
		st, _ := s.Get("Site_Name")
		if st.PackageValue != "New Default" || st.ValueSource != settings.SourceCustomer {
			t.Errorf("Site_Name definition = %+v", st)
		}
	}
}

func TestSetValidatesAndPublishes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _, hub := newService(t)
	if err := svc.Register(ctx, settings.Core("UNIQUE")...); err != nil {
		t.Fatal(err)
	}
	sub := hub.Subscribe(8, streamhub.TopicSettings)
	defer sub.Close()

	cases := []struct {
		id    string
		value any
		actor model.Actor
		kind  model.Kind
	}{
		{"Site_Name", 42, admin, model.KindInvalid},
		{"API_Use_REST_For_DDP_Calls", "yes", admin, model.KindInvalid},
		{"Message_MaxAllowedSize", 12.5, admin, model.KindInvalid},
		{"Language", "xx", admin, model.KindInvalid},
		{"uniqueID", "other", admin, model.KindInvalid},
		{"No_Such_Setting", true, admin, model.KindNotFound},
		{"Site_Name", "x", model.Actor{UserID: "u2", Roles: []string{"user"}}, model.KindForbidden},
	}
	for _, c := range cases {
		err := svc.Set(ctx, c.actor, c.id, c.value)
		var me *model.Error
		if !errors.As(err, &me) || me.Kind != c.kind {
			t.Errorf("Set(%s, %v) = %v, want kind %v", c.id, c.value, err, c.kind)
		}
	}
	// JSON numbers arrive as float64 and are stored as integers.
	if err := svc.Set(ctx, admin, "Message_MaxAllowedSize", float64(7000)); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-sub.C():
		sc := ev.(streamhub.SettingChanged)
		if sc.ID != "Message_MaxAllowedSize" || sc.Value != int64(7000) || !sc.Public {
			t.Fatalf("event = %+v", sc)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no SettingChanged event")
	}
	select {
	case ev := <-sub.C():
		t.Fatalf("rejected changes published %+v", ev)
	default:
	}
}

func TestPublicIsSortedAndHidesPrivate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _, _ := newService(t)
	defs := append(settings.Core("UNIQUE"),
		model.Setting{ID: "A_Private", Type: model.SettingString, PackageValue: "secret"},
		model.Setting{ID: "B_Hidden", Type: model.SettingString, PackageValue: "h", Public: true, Hidden: true})
	if err := svc.Register(ctx, defs...); err != nil {
		t.Fatal(err)
	}
	pub := svc.Public()
	for i, s := range pub {
		if s.ID == "A_Private" || s.ID == "B_Hidden" {
			t.Errorf("%s is in Public()", s.ID)
		}
		if i > 0 && pub[i-1].ID >= s.ID {
			t.Errorf("Public() not sorted at %s", s.ID)
		}
	}
	want := 0
	for _, s := range settings.Core("x") {
		if s.Public {
			want++
		}
	}
	if len(pub) != want {
		t.Errorf("Public() has %d settings, want %d", len(pub), want)
	}
}

// TestSetMultiSelect: a multiSelect value is a list of distinct known keys, stored as
// strings; anything else is refused.
func TestSetMultiSelect(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _, _ := newService(t)
	hide := model.Setting{ID: "Hide_System_Messages", Type: model.SettingMultiSelect, PackageValue: []string{}, Public: true,
		Values: []model.SettingOption{{Key: "uj"}, {Key: "ul"}, {Key: "au"}}}
	if err := svc.Register(ctx, hide); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []any{"uj", []any{"uj", 3}, []any{"xx"}, []any{"uj", "uj"}, true} {
		if err := svc.Set(ctx, admin, "Hide_System_Messages", bad); model.AsError(err).Kind != model.KindInvalid {
			t.Errorf("Set(%v) = %v, want invalid", bad, err)
		}
	}
	if err := svc.Set(ctx, admin, "Hide_System_Messages", []any{"ul", "uj"}); err != nil {
		t.Fatal(err)
	}
	got, _ := svc.Get("Hide_System_Messages")
	if v, ok := got.Value.([]string); !ok || !slices.Equal(v, []string{"ul", "uj"}) {
		t.Fatalf("value = %#v", got.Value)
	}
	if err := svc.Set(ctx, admin, "Hide_System_Messages", []any{}); err != nil {
		t.Fatalf("an empty list is a value: %v", err)
	}
}

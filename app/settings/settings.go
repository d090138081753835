// Package settings is Rocket.Chat's settings model: every run-time option lives in
// rocketchat_settings, services register their defaults at start, reads come from an
// in-memory cache, and each change is announced on the hub after it is stored.
package settings

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// Store keeps settings documents.
type Store interface {
	All(ctx context.Context) ([]model.Setting, error)
	Insert(ctx context.Context, s model.Setting) error
	// UpdateDefinition stores everything about s except its value, valueSource and
	// createdAt.
	UpdateDefinition(ctx context.Context, s model.Setting) error
	SetValue(ctx context.Context, id string, value any, source string, at time.Time) error
}

// Value sources, as Rocket.Chat records them.
const (
	SourcePackage  = "packageValue"
	SourceCustomer = "customerValue"
)

// Service caches and changes settings.
type Service struct {
	store Store
	hub   *streamhub.Hub
	log   *slog.Logger
	now   func() time.Time

	mu     sync.RWMutex
	byID   map[string]model.Setting
	public []model.Setting // sorted by _id
}

// New returns a service over store; call Load before use.
func New(store Store, hub *streamhub.Hub, log *slog.Logger) *Service {
	return &Service{store: store, hub: hub, log: log, now: time.Now, byID: map[string]model.Setting{}}
}

// Load fills the cache from the store.
func (s *Service) Load(ctx context.Context) error {
	all, err := s.store.All(ctx)
	if err != nil {
		return fmt.Errorf("settings: load: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID = make(map[string]model.Setting, len(all))
	for _, st := range all {
		st.Value = normalize(st.Type, st.Value)
		st.PackageValue = normalize(st.Type, st.PackageValue)
		s.byID[st.ID] = st
	}
	s.rebuildPublic()
	return nil
}

func (s *Service) rebuildPublic() {
	s.public = s.public[:0]
	for _, st := range s.byID {
		if st.Public && !st.Hidden {
			s.public = append(s.public, st)
		}
	}
	slices.SortFunc(s.public, func(a, b model.Setting) int { return strings.Compare(a.ID, b.ID) })
}

// Register makes sure each definition exists. A new setting starts at its package value;
// an existing one keeps the value an admin gave it, but takes the new definition, and
// follows a changed package value when nobody has changed it. Idempotent.
func (s *Service) Register(ctx context.Context, defs ...model.Setting) error {
	now := s.now().UTC().Truncate(time.Millisecond) // what the store keeps
	for _, def := range defs {
		def.PackageValue = normalize(def.Type, def.PackageValue)
		s.mu.RLock()
		cur, ok := s.byID[def.ID]
		s.mu.RUnlock()
		if !ok {
			def.Value = def.PackageValue
			def.ValueSource = SourcePackage
			def.Ts, def.CreatedAt, def.UpdatedAt = now, now, now
			if err := s.store.Insert(ctx, def); err != nil {
				return fmt.Errorf("settings: register %s: %w", def.ID, err)
			}
			s.put(def)
			continue
		}
		def.Value, def.ValueSource, def.CreatedAt, def.Ts = cur.Value, cur.ValueSource, cur.CreatedAt, cur.Ts
		def.UpdatedAt = cur.UpdatedAt
		if sameDefinition(cur, def) {
			continue
		}
		def.UpdatedAt = now
		if err := s.store.UpdateDefinition(ctx, def); err != nil {
			return fmt.Errorf("settings: register %s: %w", def.ID, err)
		}
		if cur.ValueSource != SourceCustomer && !equalValues(cur.Value, def.PackageValue) {
			if err := s.store.SetValue(ctx, def.ID, def.PackageValue, SourcePackage, now); err != nil {
				return fmt.Errorf("settings: register %s: %w", def.ID, err)
			}
			def.Value = def.PackageValue
		}
		s.put(def)
	}
	return nil
}

func sameDefinition(a, b model.Setting) bool {
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	return a.Type == b.Type && equalValues(a.PackageValue, b.PackageValue) && a.Public == b.Public &&
		a.Blocked == b.Blocked && a.Hidden == b.Hidden && a.Group == b.Group && a.Section == b.Section &&
		a.I18nLabel == b.I18nLabel && a.I18nDescription == b.I18nDescription && a.Sorter == b.Sorter &&
		slices.Equal(a.Values, b.Values) && a.Enterprise == b.Enterprise && a.RequiredOnWizard == b.RequiredOnWizard
}

func equalValues(a, b any) bool {
	return fmt.Sprint(a) == fmt.Sprint(b) && fmt.Sprintf("%T", a) == fmt.Sprintf("%T", b)
}

func (s *Service) put(st model.Setting) {
	s.mu.Lock()
	s.byID[st.ID] = st
	s.rebuildPublic()
	s.mu.Unlock()
}

// Get returns the setting with the given id.
func (s *Service) Get(id string) (model.Setting, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st, ok := s.byID[id]
	return st, ok
}

// All returns every setting, sorted by _id.
func (s *Service) All() []model.Setting {
	s.mu.RLock()
	out := make([]model.Setting, 0, len(s.byID))
	for _, st := range s.byID {
		out = append(out, st)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b model.Setting) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Public returns the settings anyone may read, sorted by _id. The slice is shared:
// callers must not change it.
func (s *Service) Public() []model.Setting {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.public
}

// Bool returns a boolean setting's value, false when unset.
func (s *Service) Bool(id string) bool {
	st, _ := s.Get(id)
	b, _ := st.Value.(bool)
	return b
}

// String returns a string setting's value, "" when unset.
func (s *Service) String(id string) string {
	st, _ := s.Get(id)
	str, _ := st.Value.(string)
	return str
}

// Int returns an int setting's value, 0 when unset.
func (s *Service) Int(id string) int64 {
	st, _ := s.Get(id)
	n, _ := st.Value.(int64)
	return n
}

// Set changes a setting's value. Only admins (and the server itself) may; the value must
// fit the setting's type.
func (s *Service) Set(ctx context.Context, actor model.Actor, id string, value any) error {
	if !actor.HasRole("admin") {
		return model.Forbidden("error-action-not-allowed")
	}
	return s.Save(ctx, id, value)
}

// Save is Set for a caller that has checked the permission itself (see admin.go).
func (s *Service) Save(ctx context.Context, id string, value any) error {
	cur, ok := s.Get(id)
	if !ok {
		return model.NotFound("error-setting-not-found", "Setting not found")
	}
	if cur.Blocked {
		return model.Invalid("error-setting-blocked", "This setting is blocked")
	}
	v, err := check(cur, value)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond) // what the store keeps
	if err := s.store.SetValue(ctx, id, v, SourceCustomer, now); err != nil {
		return model.Internal(err)
	}
	cur.Value, cur.ValueSource, cur.UpdatedAt = v, SourceCustomer, now
	s.put(cur)
	s.hub.Publish(streamhub.SettingChanged{ID: id, Value: v, Public: cur.Public})
	return nil
}

// check validates value against the setting's type and returns it in canonical form.
func check(st model.Setting, value any) (any, error) {
	bad := func() error {
		return model.Invalid("invalid-setting-value", fmt.Sprintf("Invalid value for setting %s", st.ID))
	}
	switch st.Type {
	case model.SettingBoolean:
		if _, ok := value.(bool); !ok {
			return nil, bad()
		}
		return value, nil
	case model.SettingInt:
		v := normalize(st.Type, value)
		if _, ok := v.(int64); !ok {
			return nil, bad()
		}
		return v, nil
	case model.SettingSelect:
		str, ok := value.(string)
		if !ok {
			return nil, bad()
		}
		for _, o := range st.Values {
			if o.Key == str {
				return str, nil
			}
		}
		return nil, bad()
	case model.SettingMultiSelect:
		return checkMultiSelect(st, value, bad)
	case model.SettingAction:
		return nil, bad()
	}
	if _, ok := value.(string); !ok {
		return nil, bad()
	}
	return value, nil
}

// checkMultiSelect accepts a list of distinct keys of the setting's values (JSON
// decodes it as []any) and stores it as []string.
func checkMultiSelect(st model.Setting, value any, bad func() error) (any, error) {
	var in []string
	switch v := value.(type) {
	case []string:
		in = v
	case []any:
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, bad()
			}
			in = append(in, s)
		}
	default:
		return nil, bad()
	}
	out := make([]string, 0, len(in))
	for _, k := range in {
		known := slices.ContainsFunc(st.Values, func(o model.SettingOption) bool { return o.Key == k })
		if !known || slices.Contains(out, k) {
			return nil, bad()
		}
		out = append(out, k)
	}
	return out, nil
}

// normalize gives numbers of int settings one Go type, int64, whatever they were
// decoded as; other values pass through.
func normalize(typ string, v any) any {
	if typ != model.SettingInt {
		return v
	}
	switch n := v.(type) {
	case int:
		return int64(n)
	case int32:
		return int64(n)
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n)
		}
	}
	return v
}

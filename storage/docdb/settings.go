package docdb

import (
	"context"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// SettingsStore keeps rocketchat_settings.
type SettingsStore struct{ c *Collection }

// NewSettingsStore returns the settings store of db.
func NewSettingsStore(db *DB) *SettingsStore { return &SettingsStore{db.Collection(Settings)} }

// All returns every setting.
func (s *SettingsStore) All(ctx context.Context) ([]model.Setting, error) {
	var out []model.Setting
	err := s.c.Find(ctx, Query{}, &out)
	return out, err
}

// Insert stores a new setting.
func (s *SettingsStore) Insert(ctx context.Context, st model.Setting) error {
	return s.c.Insert(ctx, st)
}

// UpdateDefinition stores everything about st but its value, valueSource and createdAt.
func (s *SettingsStore) UpdateDefinition(ctx context.Context, st model.Setting) error {
	u := U().Set("type", st.Type).Set("packageValue", st.PackageValue).Set("public", st.Public).
		Set("blocked", st.Blocked).Set("hidden", st.Hidden).Set("group", st.Group).Set("section", st.Section).
		Set("i18nLabel", st.I18nLabel).Set("i18nDescription", st.I18nDescription).Set("sorter", st.Sorter).
		Set("enterprise", st.Enterprise).Set("requiredOnWizard", st.RequiredOnWizard).Set("_updatedAt", st.UpdatedAt)
	if len(st.Values) > 0 {
		u.Set("values", st.Values)
	} else {
		u.Unset("values")
	}
	return s.c.UpdateOne(ctx, st.ID, u, nil)
}

// SetValue changes a setting's value.
func (s *SettingsStore) SetValue(ctx context.Context, id string, value any, source string, at time.Time) error {
	return s.c.UpdateOne(ctx, id, U().Set("value", value).Set("valueSource", source).Set("_updatedAt", at), nil)
}

package settings

import (
	"context"
	"fmt"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// Permission rules of the settings administration, as Rocket.Chat applies them
// (apps/meteor/app/lib/server/functions/saveSettingsBulk.ts and the private-settings/get
// method): holders of view-privileged-setting or edit-privileged-setting see every
// setting that is not hidden, holders of manage-selected-settings only those whose
// permission change-setting-<id> they hold; edit-privileged-setting changes any setting,
// manage-selected-settings those of its change-setting-<id>. Save and Reset leave these
// checks to their caller (the admin console); Set keeps its admin-role guard for the
// REST route.
const (
	PermView           = "view-privileged-setting"
	PermEdit           = "edit-privileged-setting"
	PermManageSelected = "manage-selected-settings"
)

// ChangePermission is the per-setting permission manage-selected-settings works with:
// change-setting-<id> (Rocket.Chat's getSettingPermissionId).
func ChangePermission(id string) string { return "change-setting-" + id }

// Reset gives a setting back its package value, marked as such, so a later release's
// new default reaches it again. Like Save it leaves the permission check to its caller;
// a blocked or unknown setting is refused. A setting already at its default is left as
// it is and nothing is announced.
func (s *Service) Reset(ctx context.Context, id string) error {
	cur, ok := s.Get(id)
	if !ok {
		return model.NotFound("error-setting-not-found", "Setting not found")
	}
	if cur.Blocked {
		return model.Invalid("error-setting-blocked", "This setting is blocked")
	}
	if cur.Type == model.SettingAction || cur.Type == model.SettingAsset {
		return model.Invalid("invalid-setting-value", "This setting has no value to reset")
	}
	if cur.ValueSource == SourcePackage && IsDefault(cur) {
		return nil
	}
	now := s.now().UTC().Truncate(time.Millisecond) // what the store keeps
	if err := s.store.SetValue(ctx, id, cur.PackageValue, SourcePackage, now); err != nil {
		return model.Internal(err)
	}
	cur.Value, cur.ValueSource, cur.UpdatedAt = cur.PackageValue, SourcePackage, now
	s.put(cur)
	s.hub.Publish(streamhub.SettingChanged{ID: id, Value: cur.Value, Public: cur.Public})
	return nil
}

// IsDefault reports whether a setting holds its package value. A multiSelect's lists
// compare by their keys, whether they were decoded as []any or []string.
func IsDefault(st model.Setting) bool {
	if st.Type == model.SettingMultiSelect {
		return fmt.Sprint(st.Value) == fmt.Sprint(st.PackageValue)
	}
	return equalValues(st.Value, st.PackageValue)
}

package authz_test

import "testing"

func TestPermissionExists(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for id, want := range map[string]bool{"edit-privileged-setting": true, "change-setting-Site_Name": false, "": false} {
		if got := e.svc.PermissionExists(id); got != want {
			t.Errorf("PermissionExists(%q) = %v", id, got)
		}
	}
}

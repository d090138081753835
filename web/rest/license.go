package rest

import "net/http"

// LicenseModules are the modules Outpost reports as active. It has no Rocket.Chat
// licence; the mobile app shows its omnichannel screens only when these are listed
// (PROTOCOL.md §0 item 10). DDP's license:getModules answers the same list.
var LicenseModules = []string{"livechat-enterprise", "omnichannel-mobile-enterprise"}

// licensesInfo serves GET /api/v1/licenses.info: an unlicensed workspace with the
// modules above active and no limits.
func (a *api) licensesInfo(w http.ResponseWriter, r *http.Request) error {
	return WriteSuccess(w, map[string]any{"license": map[string]any{
		"activeModules":    LicenseModules,
		"preventedActions": map[string]bool{},
		"limits":           map[string]any{},
		"tags":             []any{},
		"trial":            false,
	}})
}

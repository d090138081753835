package rest

import "net/http"

// settingsOAuth serves GET /api/v1/settings.oauth (no auth): the OAuth services the
// login screen offers. Outpost has none: it works offline, where no OAuth provider
// can be reached.
func (a *api) settingsOAuth(w http.ResponseWriter, r *http.Request) error {
	return WriteSuccess(w, map[string]any{"services": []any{}})
}

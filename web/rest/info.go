package rest

import (
	"net/http"
	"strings"
)

// RocketChatVersion is the Rocket.Chat release Outpost answers as, in /api/info.
//
// The mobile app matches the MAJOR.MINOR of this version against Rocket.Chat's signed
// list of currently supported releases and refuses to connect to a server whose release
// is not on it (PROTOCOL.md §4.5), and clients switch API shapes on it (for example
// settings.public's _id filter from 7.0). So it names a current 8.x release, whose REST
// and DDP shapes are the ones Outpost implements, not Outpost's own version.
const RocketChatVersion = "8.0.0"

// minimumClientVersions are the oldest desktop and mobile apps Rocket.Chat 8.0 declares
// it works with; clients only show them.
var minimumClientVersions = clientVersions{Desktop: "3.9.6", Mobile: "4.39.0"}

type clientVersions struct {
	Desktop string `json:"desktop"`
	Mobile  string `json:"mobile"`
}

// serverInfo is /api/info's body, fields in Rocket.Chat's order.
type serverInfo struct {
	Version               string             `json:"version"`
	MinimumClientVersions clientVersions     `json:"minimumClientVersions"`
	SupportedVersions     *supportedVersions `json:"supportedVersions,omitempty"`
	// Info (the full build info) goes only to admins with view-statistics; they also
	// get the full version rather than MAJOR.MINOR. Not served yet.
}

// supportedVersions relays Rocket.Chat's signed list of supported releases.
type supportedVersions struct {
	Signed string `json:"signed"`
}

// SupportedVersionsSetting holds the signed list of supported Rocket.Chat releases (a
// JWT only Rocket.Chat Cloud can sign). The mobile app refuses a server whose release is
// not on a list it trusts (PROTOCOL.md §4.5) and, offline, cannot fetch one: an admin
// pastes a genuine token here and /api/info relays it as supportedVersions.signed.
const SupportedVersionsSetting = "Cloud_Workspace_Supported_Versions_Token"

// info serves GET /api/info (no auth). Like Rocket.Chat, it shows anonymous callers the
// version without its patch number ("8.0").
func (a *api) info(w http.ResponseWriter, r *http.Request) error {
	out := serverInfo{
		Version:               withoutPatch(RocketChatVersion),
		MinimumClientVersions: minimumClientVersions,
	}
	if a.SettingsAdmin != nil {
		if st, ok := a.SettingsAdmin.Get(SupportedVersionsSetting); ok {
			if token, _ := st.Value.(string); token != "" {
				out.SupportedVersions = &supportedVersions{Signed: token}
			}
		}
	}
	return WriteSuccess(w, out)
}

// withoutPatch keeps MAJOR.MINOR of a version: "8.0.0" → "8.0".
func withoutPatch(v string) string {
	major, rest, ok := strings.Cut(v, ".")
	if !ok {
		return v
	}
	minor, _, _ := strings.Cut(rest, ".")
	return major + "." + minor
}

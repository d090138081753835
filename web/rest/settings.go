package rest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/outpostchat/outpost/app/model"
)

// Paging of settings.public.
const (
	// settingsDefaultCount is Rocket.Chat's API_Default_Count.
	settingsDefaultCount = 50
	// settingsMaxCount caps count. Rocket.Chat clamps to API_Upper_Count_Limit (100 by
	// default); Outpost clamps to 500, above the few hundred public settings there are,
	// so a client asking for a big page gets everything in one.
	settingsMaxCount = 500
)

// publicSetting is one entry of settings.public: what Rocket.Chat projects for anyone.
type publicSetting struct {
	ID               string `json:"_id"`
	Value            any    `json:"value"`
	Enterprise       bool   `json:"enterprise,omitempty"`
	RequiredOnWizard bool   `json:"requiredOnWizard,omitempty"`
}

type settingsPage struct {
	Settings []publicSetting `json:"settings"`
	Count    int             `json:"count"`
	Offset   int             `json:"offset"`
	Total    int             `json:"total"`
}

// settingsPublic serves GET /api/v1/settings.public (no auth).
func (a *api) settingsPublic(w http.ResponseWriter, r *http.Request) error {
	q, err := parseSettingsQuery(r.URL.Query())
	if err != nil {
		return err
	}
	return WriteSuccess(w, q.page(a.Settings.Public()))
}

// settingsQuery is a parsed settings.public request.
type settingsQuery struct {
	filtered bool                // only the settings named in ids
	ids      map[string]struct{} // when filtered
	offset   int
	count    int // 0: all of them
	desc     bool
}

// parseSettingsQuery reads settings.public's parameters:
//
//   - _id=a,b,c (Rocket.Chat ≥ 7.0), ids trimmed of spaces; or the legacy query parameter
//     in its two forms {"_id":"x"} and {"_id":{"$in":["x","y"]}}; _id wins over query;
//   - offset (default 0) and count (default 50, 0 for all, clamped to 500); when ids are
//     given without count, the page holds all of them: the mobile app loops over pages
//     with a fixed offset, so it would otherwise miss every setting past the first page;
//   - sort: a JSON object of 1/-1; only _id is honoured, other keys are ignored;
//   - fields: a JSON object, accepted and ignored (entries always carry _id and value).
func parseSettingsQuery(v url.Values) (settingsQuery, error) {
	var q settingsQuery
	var err error
	if ids := strings.TrimSpace(v.Get("_id")); ids != "" {
		q.filtered, q.ids = true, idSet(strings.Split(ids, ","))
	} else if raw := v.Get("query"); raw != "" {
		var list []string
		if list, err = parseLegacyQuery(raw); err != nil {
			return q, err
		}
		q.filtered, q.ids = list != nil, idSet(list)
	}
	if q.offset, _, err = nonNegative(v, "offset"); err != nil {
		return q, err
	}
	count, given, err := nonNegative(v, "count")
	switch {
	case err != nil:
		return q, err
	case !given:
		count = max(settingsDefaultCount, len(q.ids))
	case count > settingsMaxCount:
		count = settingsMaxCount
	}
	q.count = count
	if q.desc, err = parseSort(v.Get("sort")); err != nil {
		return q, err
	}
	if raw := v.Get("fields"); raw != "" {
		var fields map[string]any
		if json.Unmarshal([]byte(raw), &fields) != nil {
			return q, model.Invalid("error-invalid-fields", fmt.Sprintf("Invalid fields parameter provided: %q", raw))
		}
	}
	return q, nil
}

// page filters, sorts and pages the settings. all is never modified.
func (q settingsQuery) page(all []model.Setting) settingsPage {
	matched := make([]*model.Setting, 0, len(all))
	for i := range all {
		s := &all[i]
		if !s.Public || s.Hidden { // the service should never hand these out; never show them
			continue
		}
		if _, ok := q.ids[s.ID]; q.filtered && !ok {
			continue
		}
		matched = append(matched, s)
	}
	slices.SortFunc(matched, func(x, y *model.Setting) int {
		if q.desc {
			return cmp.Compare(y.ID, x.ID)
		}
		return cmp.Compare(x.ID, y.ID)
	})

	from := min(q.offset, len(matched))
	to := len(matched)
	if q.count > 0 {
		to = min(to, from+q.count)
	}
	out := make([]publicSetting, 0, to-from)
	for _, s := range matched[from:to] {
		out = append(out, publicSetting{ID: s.ID, Value: s.Value, Enterprise: s.Enterprise, RequiredOnWizard: s.RequiredOnWizard})
	}
	return settingsPage{Settings: out, Count: len(out), Offset: q.offset, Total: len(matched)}
}

// errUnsupportedQuery rejects legacy queries other than the two forms clients send.
func errUnsupportedQuery() error {
	return model.Invalid(codeInvalidParams,
		`Unsupported query: only {"_id":"<id>"} and {"_id":{"$in":["<id>",...]}} are accepted`)
}

// parseLegacyQuery reads the legacy query parameter. It returns the ids asked for, nil
// for an empty query ({}), and an error for anything else.
func parseLegacyQuery(raw string) ([]string, error) {
	var query map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &query) != nil {
		return nil, model.Invalid("error-invalid-query", fmt.Sprintf("Invalid query parameter provided: %q", raw))
	}
	if len(query) == 0 {
		return nil, nil
	}
	idq, ok := query["_id"]
	if !ok || len(query) != 1 {
		return nil, errUnsupportedQuery()
	}
	var id string
	if json.Unmarshal(idq, &id) == nil {
		return []string{id}, nil
	}
	var in struct {
		In *[]string `json:"$in"`
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(idq, &keys) != nil || len(keys) != 1 ||
		json.Unmarshal(idq, &in) != nil || in.In == nil {
		return nil, errUnsupportedQuery()
	}
	return append([]string{}, *in.In...), nil
}

// parseSort reads the sort parameter and reports whether _id sorts descending.
func parseSort(raw string) (desc bool, err error) {
	if raw == "" {
		return false, nil
	}
	var sort map[string]json.RawMessage
	bad := json.Unmarshal([]byte(raw), &sort) != nil
	for key, dir := range sort {
		switch string(dir) {
		case "1":
		case "-1":
			desc = desc || key == "_id"
		default:
			bad = true
		}
	}
	if bad {
		return false, model.Invalid("error-invalid-sort", fmt.Sprintf("Invalid sort parameter provided: %q", raw))
	}
	return desc, nil
}

// nonNegative reads an optional non-negative integer parameter; an empty value counts
// as absent.
func nonNegative(v url.Values, name string) (n int, given bool, err error) {
	raw := strings.TrimSpace(v.Get(name))
	if raw == "" {
		return 0, false, nil
	}
	n, err = strconv.Atoi(raw)
	if err != nil || n < 0 {
		return 0, false, model.Invalid(codeInvalidParams,
			fmt.Sprintf("The '%s' parameter must be a non-negative integer", name))
	}
	return n, true, nil
}

// idSet builds the set of ids, trimmed of spaces (clients send newlines and tabs), empty
// ones dropped.
func idSet(ids []string) map[string]struct{} {
	set := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" {
			set[id] = struct{}{}
		}
	}
	return set
}

package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web/rest"
)

// smallSettings is a few public settings, plus two that must never show.
var smallSettings = fakeSettings{
	{ID: "API_Use_REST_For_DDP_Calls", Type: model.SettingBoolean, Value: true, Public: true},
	{ID: "Accounts_ShowFormLogin", Type: model.SettingBoolean, Value: true, Public: true},
	{ID: "FileUpload_MaxFileSize", Type: model.SettingInt, Value: int64(104857600), Public: true},
	{ID: "Private_Secret", Type: model.SettingString, Value: "hunter2", Public: false},
	{ID: "Hidden_Public", Type: model.SettingString, Value: "x", Public: true, Hidden: true},
	{ID: "Site_Name", Type: model.SettingString, Value: "Outpost", Public: true, RequiredOnWizard: true},
	{ID: "Livechat_enabled", Type: model.SettingBoolean, Value: false, Public: true, Enterprise: true},
	{ID: "uniqueID", Type: model.SettingString, Value: "abc", Public: true},
}

// manySettings is 600 public settings S000…S599.
var manySettings = func() fakeSettings {
	var out fakeSettings
	for i := range 600 {
		out = append(out, model.Setting{ID: fmt.Sprintf("S%03d", i), Value: int64(i), Public: true})
	}
	return out
}()

// page is settings.public's body as a test reads it.
type page struct {
	Settings []map[string]any `json:"settings"`
	Count    int              `json:"count"`
	Offset   int              `json:"offset"`
	Total    int              `json:"total"`
	Success  bool             `json:"success"`
}

func (p page) ids() []string {
	ids := make([]string, 0, len(p.Settings))
	for _, s := range p.Settings {
		ids = append(ids, s["_id"].(string))
	}
	return ids
}

func TestSettingsPublicExactBody(t *testing.T) {
	t.Parallel()
	h := rest.New(rest.Deps{Settings: smallSettings})
	got := do(t, h, http.MethodGet, "/api/v1/settings.public?_id=Site_Name,Livechat_enabled,uniqueID,Private_Secret", "")
	expect(t, got, 200, `{"settings":[`+
		`{"_id":"Livechat_enabled","value":false,"enterprise":true},`+
		`{"_id":"Site_Name","value":"Outpost","requiredOnWizard":true},`+
		`{"_id":"uniqueID","value":"abc"}],`+
		`"count":3,"offset":0,"total":3,"success":true}`)
}

func TestSettingsPublic(t *testing.T) {
	t.Parallel()
	all := []string{"API_Use_REST_For_DDP_Calls", "Accounts_ShowFormLogin", "FileUpload_MaxFileSize",
		"Livechat_enabled", "Site_Name", "uniqueID"}
	reversed := slices.Clone(all)
	slices.Reverse(reversed)
	S := func(from, to int) []string { // S000… ids in [from, to)
		var ids []string
		for i := from; i < to; i++ {
			ids = append(ids, fmt.Sprintf("S%03d", i))
		}
		return ids
	}
	inQuery := url.QueryEscape(`{"_id":{"$in":["Site_Name","uniqueID","nope"]}}`)
	tests := []struct {
		name     string
		settings fakeSettings
		query    string
		ids      []string
		offset   int
		total    int
	}{
		{"everything public, sorted, never private or hidden", smallSettings, "", all, 0, 6},
		{"_id filter", smallSettings, "?_id=uniqueID,Site_Name", []string{"Site_Name", "uniqueID"}, 0, 2},
		{"_id filter trims spaces, tabs and newlines", smallSettings, "?_id=" + url.QueryEscape(" Site_Name ,uniqueID\n\t\t\t\t") + "&offset=0",
			[]string{"Site_Name", "uniqueID"}, 0, 2},
		{"_id filter never shows private or hidden", smallSettings, "?_id=Private_Secret,Hidden_Public", []string{}, 0, 0},
		{"empty _id is no filter", smallSettings, "?_id=", all, 0, 6},
		{"legacy query, one id", smallSettings, "?query=" + url.QueryEscape(`{"_id": "uniqueID"}`), []string{"uniqueID"}, 0, 1},
		{"legacy query, $in", smallSettings, "?query=" + inQuery, []string{"Site_Name", "uniqueID"}, 0, 2},
		{"legacy query, empty $in", smallSettings, "?query=" + url.QueryEscape(`{"_id":{"$in":[]}}`), []string{}, 0, 0},
		{"legacy query, empty object", smallSettings, "?query=%7B%7D", all, 0, 6},
		{"_id wins over query", smallSettings, "?_id=Site_Name&query=" + inQuery, []string{"Site_Name"}, 0, 1},
		{"offset and count", smallSettings, "?offset=2&count=2", all[2:4], 2, 6},
		{"offset past the end", smallSettings, "?offset=100", []string{}, 100, 6},
		{"sort _id descending", smallSettings, "?sort=" + url.QueryEscape(`{"_id":-1}`), reversed, 0, 6},
		{"sort by other keys is ignored", smallSettings, "?sort=" + url.QueryEscape(`{"value":-1,"_id":1}`), all, 0, 6},
		{"fields are accepted and ignored", smallSettings, "?fields=" + url.QueryEscape(`{"type":1,"packageValue":1}`), all, 0, 6},
		{"default count is 50", manySettings, "", S(0, 50), 0, 600},
		{"count=0 means all", manySettings, "?count=0", S(0, 600), 0, 600},
		{"count is clamped to 500", manySettings, "?count=10000&offset=50", S(50, 550), 50, 600},
		{"second page", manySettings, "?count=50&offset=50", S(50, 100), 50, 600},
		{"asking for ids without count gets them all", manySettings, "?_id=" + join(S(100, 180)), S(100, 180), 0, 80},
		{"asking for ids with count pages them", manySettings, "?count=10&_id=" + join(S(100, 180)), S(100, 110), 0, 80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := rest.New(rest.Deps{Settings: tt.settings})
			got := do(t, h, http.MethodGet, "/api/v1/settings.public"+tt.query, "")
			if got.status != 200 {
				t.Fatalf("status %d: %s", got.status, got.body)
			}
			var p page
			if err := json.Unmarshal([]byte(got.body), &p); err != nil {
				t.Fatal(err)
			}
			if !p.Success || p.Settings == nil {
				t.Errorf("want success and a settings array: %s", got.body)
			}
			if ids := p.ids(); !slices.Equal(ids, tt.ids) {
				t.Errorf("ids = %v, want %v", ids, tt.ids)
			}
			if p.Count != len(tt.ids) || p.Offset != tt.offset || p.Total != tt.total {
				t.Errorf("count, offset, total = %d, %d, %d; want %d, %d, %d", p.Count, p.Offset, p.Total, len(tt.ids), tt.offset, tt.total)
			}
		})
	}
}

func TestSettingsPublicBadParams(t *testing.T) {
	t.Parallel()
	h := rest.New(rest.Deps{Settings: smallSettings})
	badOffset := `{"success":false,"error":"The 'offset' parameter must be a non-negative integer [invalid-params]","errorType":"invalid-params"}`
	badCount := `{"success":false,"error":"The 'count' parameter must be a non-negative integer [invalid-params]","errorType":"invalid-params"}`
	unsupported := `{"success":false,"error":"Unsupported query: only {\"_id\":\"<id>\"} and {\"_id\":{\"$in\":[\"<id>\",...]}} are accepted [invalid-params]","errorType":"invalid-params"}`
	tests := []struct{ name, query, body string }{
		{"negative offset", "offset=-1", badOffset},
		{"text offset", "offset=abc", badOffset},
		{"fractional offset", "offset=1.5", badOffset},
		{"huge offset", "offset=99999999999999999999999", badOffset},
		{"negative count", "count=-5", badCount},
		{"text count", "count=ten", badCount},
		{"query not JSON", "query=" + url.QueryEscape(`{_id:1`),
			`{"success":false,"error":"Invalid query parameter provided: \"{_id:1\" [error-invalid-query]","errorType":"error-invalid-query"}`},
		{"query on another field", "query=" + url.QueryEscape(`{"public":false}`), unsupported},
		{"query with _id and more", "query=" + url.QueryEscape(`{"_id":"a","hidden":true}`), unsupported},
		{"query with another operator", "query=" + url.QueryEscape(`{"_id":{"$regex":"."}}`), unsupported},
		{"query $in with more", "query=" + url.QueryEscape(`{"_id":{"$in":["a"],"$nin":["b"]}}`), unsupported},
		{"query $in not a list", "query=" + url.QueryEscape(`{"_id":{"$in":"a"}}`), unsupported},
		{"query _id a number", "query=" + url.QueryEscape(`{"_id":5}`), unsupported},
		{"sort not JSON", "sort=_id",
			`{"success":false,"error":"Invalid sort parameter provided: \"_id\" [error-invalid-sort]","errorType":"error-invalid-sort"}`},
		{"sort direction not 1 or -1", "sort=" + url.QueryEscape(`{"_id":"asc"}`),
			`{"success":false,"error":"Invalid sort parameter provided: \"{\\\"_id\\\":\\\"asc\\\"}\" [error-invalid-sort]","errorType":"error-invalid-sort"}`},
		{"fields not JSON", "fields=_id",
			`{"success":false,"error":"Invalid fields parameter provided: \"_id\" [error-invalid-fields]","errorType":"error-invalid-fields"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			expect(t, do(t, h, http.MethodGet, "/api/v1/settings.public?"+tt.query, ""), 400, tt.body)
		})
	}
}

func TestSettingsPublicWithoutService(t *testing.T) {
	t.Parallel()
	got := do(t, rest.New(rest.Deps{}), http.MethodGet, "/api/v1/settings.public", "")
	expect(t, got, 200, `{"settings":[],"count":0,"offset":0,"total":0,"success":true}`)
}

func join(ids []string) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ","
		}
		s += id
	}
	return s
}

package admin_test

import (
	"encoding/json"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/cmd/outpost/wire"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
)

// testSettings registers a group with one setting of each type the page has a
// control for.
func testSettings(t *testing.T, a *wire.App) {
	t.Helper()
	opts := []model.SettingOption{{Key: "red", I18nLabel: "Red"}, {Key: "green", I18nLabel: "Green"}, {Key: "blue", I18nLabel: "Blue"}}
	err := a.Settings.Register(bg,
		model.Setting{ID: "Test_Bool", Type: model.SettingBoolean, PackageValue: false, Group: "Testing", I18nLabel: "Test_Bool"},
		model.Setting{ID: "Test_Int", Type: model.SettingInt, PackageValue: 10, Group: "Testing", I18nLabel: "Test_Int"},
		model.Setting{ID: "Test_Str", Type: model.SettingString, PackageValue: "hello", Group: "Testing", Public: true},
		model.Setting{ID: "Test_Select", Type: model.SettingSelect, PackageValue: "red", Values: opts, Group: "Testing"},
		model.Setting{ID: "Test_Multi", Type: model.SettingMultiSelect, PackageValue: []string{"red"}, Values: opts, Group: "Testing"},
		model.Setting{ID: "Test_Code", Type: model.SettingCode, PackageValue: "a {\n}", Group: "Testing", Section: "Advanced"},
		model.Setting{ID: "Test_Color", Type: model.SettingColor, PackageValue: "#112233", Group: "Testing", Section: "Advanced"},
		model.Setting{ID: "Test_Pass", Type: model.SettingPass, PackageValue: "", Group: "Testing", Section: "Advanced"},
		model.Setting{ID: "Test_Action", Type: model.SettingAction, PackageValue: "doIt", Group: "Testing", Section: "Advanced"},
		model.Setting{ID: "Test_Enterprise", Type: model.SettingString, PackageValue: "x", Enterprise: true, Group: "Testing", Section: "Advanced"},
		model.Setting{ID: "Test_Hidden", Type: model.SettingString, PackageValue: "psst", Hidden: true, Group: "Testing"},
	)
	if err != nil {
		t.Fatal(err)
	}
}

func TestSettingsPages(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	testSettings(t, a)

	// Not signed in: the sign-in page, remembering where to go.
	if p := b.get("/admin/settings/Message"); !strings.HasPrefix(p.url, "/admin/login?next=") {
		t.Fatalf("signed out: %s", p.url)
	}
	b.signIn("boss")

	p := b.get("/admin/settings")
	want(t, p, 200, `href="/admin/settings/Accounts"`, "File Upload", `href="/admin/settings/Rate%20Limiter"`, `name="q"`)
	if strings.Contains(p.body, "Coming next") {
		t.Fatal("the page still says it is coming")
	}
	for _, c := range []struct {
		q          string
		status     int
		has, hasnt []string
	}{
		{"maxallowed", 200, []string{"Message_MaxAllowedSize", `href="/admin/settings/Message#s-Message_MaxAllowedSize"`}, []string{"Site_Url</code>"}},
		{"site url", 200, []string{"Site_Url</code>"}, nil},
		{"secret", 200, []string{"Accounts_RegistrationForm_SecretURL"}, []string{"Outpost_Admin_Secret"}},
		{"psst hidden", 200, []string{"No setting matches"}, []string{"Test_Hidden"}},
		{strings.Repeat("x", 101), 400, []string{"too long"}, nil},
	} {
		p := b.get("/admin/settings?q=" + url.QueryEscape(c.q))
		want(t, p, c.status, c.has...)
		for _, s := range c.hasnt {
			if strings.Contains(p.body, s) {
				t.Errorf("q=%s shows %s", c.q, s)
			}
		}
	}

	// Each type has its control; hidden settings are never shown.
	p = b.get("/admin/settings/Testing")
	want(t, p, 200,
		`type="checkbox" id="s-Test_Bool-in" name="v.Test_Bool" value="on"`,
		`type="number" step="1" inputmode="numeric" id="s-Test_Int-in" name="v.Test_Int" value="10"`,
		`name="v.Test_Str" value="hello"`, `<span class="tag">public</span>`,
		`<option value="red" selected>Red</option>`,
		`type="checkbox" name="v.Test_Multi" value="red" checked`, `type="checkbox" name="v.Test_Multi" value="blue"`,
		`class="code"`, "a {\n}</textarea>",
		`type="color" name="pick.Test_Color" value="#112233"`,
		`type="password" id="s-Test_Pass-in" name="v.Test_Pass"`, "Not set.",
		"An action", "Enterprise:", `id="sec-Advanced"`)
	if strings.Contains(p.body, "Test_Hidden") || strings.Contains(p.body, "psst") {
		t.Fatal("a hidden setting is shown")
	}
	if strings.Contains(p.body, "Reset to default") {
		t.Fatal("a reset button for settings at their default")
	}
	if strings.Contains(p.body, `name="ids" value="Test_Action"`) || strings.Contains(p.body, `name="ids" value="Test_Enterprise"`) {
		t.Fatal("a read-only setting is in the form")
	}
	p = b.get("/admin/settings/General")
	want(t, p, 200, "Blocked:", "Site URL", `href="#sec-REST-API"`)
	if strings.Contains(p.body, "Outpost_Admin_Secret") || strings.Contains(p.body, a.Settings.String("Outpost_Admin_Secret")) {
		t.Fatal("the console's secret is shown")
	}
	want(t, b.get("/admin/settings/Nowhere"), 404, "no such settings group")
}

func TestSettingsSave(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	testSettings(t, a)
	sub := a.Hub.Subscribe(64, streamhub.TopicSettings)
	defer sub.Close()
	b.signIn("boss")
	b.get("/admin/settings/Layout")

	// A public setting changed in the console: saved, announced, served by settings.public.
	form := url.Values{"section": {""}, "ids": {"Site_Name"}, "v.Site_Name": {"Field Camp"}}
	p := b.post("/admin/settings/Layout", form)
	want(t, p, 200, "Settings saved", `value="Field Camp"`, "Reset to default", "(Outpost)")
	if !strings.HasPrefix(p.url, "/admin/settings/Layout?done=saved") {
		t.Fatalf("after save at %s", p.url)
	}
	select {
	case ev := <-sub.C():
		sc := ev.(streamhub.SettingChanged)
		if sc.ID != "Site_Name" || sc.Value != "Field Camp" || !sc.Public {
			t.Fatalf("event %+v", sc)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no SettingChanged")
	}
	res, err := b.c.Get(b.base + "/api/v1/settings.public?_id=Site_Name")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var pub struct {
		Settings []struct {
			ID    string `json:"_id"`
			Value any    `json:"value"`
		} `json:"settings"`
	}
	if err := json.Unmarshal(body, &pub); err != nil || len(pub.Settings) != 1 || pub.Settings[0].Value != "Field Camp" {
		t.Fatalf("settings.public: %v %s", err, body)
	}
	// The same values again: nothing to save.
	want(t, b.post("/admin/settings/Layout", form), 200, "Nothing to save")

	// Reset to default.
	p = b.post("/admin/settings/Layout/reset", url.Values{"id": {"Site_Name"}})
	want(t, p, 200, "back to its default", `value="Outpost"`)
	if a.Settings.String("Site_Name") != "Outpost" {
		t.Fatal("the reset did not take")
	}
	select {
	case ev := <-sub.C():
		if sc := ev.(streamhub.SettingChanged); sc.ID != "Site_Name" || sc.Value != "Outpost" {
			t.Fatalf("reset event %+v", sc)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no SettingChanged for the reset")
	}
	select {
	case ev := <-sub.C():
		t.Fatalf("an extra event %+v", ev)
	default:
	}
	want(t, b.post("/admin/settings/Layout/reset", url.Values{"id": {"Site_Name"}}), 200, "Nothing to save")
	want(t, b.post("/admin/settings/Layout/reset", url.Values{"id": {"Nope"}}), 404)
	want(t, b.post("/admin/settings/Layout/reset", url.Values{"id": {"Message_MaxAllowedSize"}}), 404) // another group
	want(t, b.post("/admin/settings/General/reset", url.Values{"id": {"uniqueID"}}), 400, "Blocked")
	want(t, b.post("/admin/settings/General/reset", url.Values{"id": {"Outpost_Admin_Secret"}}), 404)

	// Every value of a section is checked before any is saved.
	b.get("/admin/settings/Testing")
	base := url.Values{"section": {""}, "ids": {"Test_Bool", "Test_Int", "Test_Str", "Test_Select", "Test_Multi"},
		"v.Test_Int": {"10"}, "v.Test_Str": {"hello"}, "v.Test_Select": {"red"}, "v.Test_Multi": {"red"}}
	for _, c := range []struct {
		field, value, msg string
	}{
		{"v.Test_Int", "ten", "Enter a whole number."},
		{"v.Test_Int", "1.5", "Enter a whole number."},
		{"v.Test_Int", "99999999999999999999", "Enter a whole number."},
		{"v.Test_Select", "purple", "Choose one of the listed values."},
		{"v.Test_Multi", "purple", "Choose only among the listed values."},
	} {
		f := url.Values{}
		for k, v := range base {
			f[k] = append([]string(nil), v...)
		}
		f.Set("v.Test_Str", "changed")
		f.Set(c.field, c.value)
		p := b.post("/admin/settings/Testing", f)
		want(t, p, 400, c.msg, "nothing was saved", `value="changed"`)
		if a.Settings.String("Test_Str") != "hello" {
			t.Fatalf("%s=%s: the valid value was saved", c.field, c.value)
		}
	}

	// A good save of every type; a box the form did not list keeps its value.
	f := url.Values{"section": {""}, "ids": {"Test_Int", "Test_Str", "Test_Select", "Test_Multi"},
		"v.Test_Int": {" 42 "}, "v.Test_Str": {"bye"}, "v.Test_Select": {"blue"}, "v.Test_Multi": {"green", "blue", "green"}, "v.Test_Bool": {"on"}}
	want(t, b.post("/admin/settings/Testing", f), 200, "Settings saved")
	if a.Settings.Int("Test_Int") != 42 || a.Settings.String("Test_Str") != "bye" || a.Settings.String("Test_Select") != "blue" || a.Settings.Bool("Test_Bool") {
		t.Fatal("the save did not take, or changed an unlisted box")
	}
	if st, _ := a.Settings.Get("Test_Multi"); strings.Join(st.Value.([]string), ",") != "green,blue" {
		t.Fatalf("Test_Multi = %v", st.Value)
	}
	f = url.Values{"section": {""}, "ids": {"Test_Bool", "Test_Multi"}, "v.Test_Bool": {"on"}}
	want(t, b.post("/admin/settings/Testing", f), 200, "Settings saved")
	if st, _ := a.Settings.Get("Test_Multi"); !a.Settings.Bool("Test_Bool") || len(st.Value.([]string)) != 0 {
		t.Fatalf("bool %v, multi %v", a.Settings.Bool("Test_Bool"), st.Value)
	}

	// The Advanced section: code, colour (text or picker), password; read-only ones ignored.
	f = url.Values{"section": {"Advanced"}, "ids": {"Test_Code", "Test_Color", "Test_Pass", "Test_Action", "Test_Enterprise"},
		"v.Test_Code": {"b {\r\n}"}, "v.Test_Color": {"#112233"}, "pick.Test_Color": {"#aabbcc"}, "v.Test_Pass": {"hunter2"},
		"v.Test_Action": {"other"}, "v.Test_Enterprise": {"y"}}
	p = b.post("/admin/settings/Testing", f)
	want(t, p, 200, "Settings saved", "Set.", "Clear the password")
	if strings.Contains(p.body, "hunter2") {
		t.Fatal("the password is shown")
	}
	if a.Settings.String("Test_Color") != "#aabbcc" || a.Settings.String("Test_Pass") != "hunter2" || a.Settings.String("Test_Code") != "b {\n}" ||
		a.Settings.String("Test_Enterprise") != "x" {
		t.Fatal("the Advanced section did not save as it should")
	}
	// An empty password field keeps the password; the box clears it.
	f = url.Values{"section": {"Advanced"}, "ids": {"Test_Pass"}, "v.Test_Pass": {""}}
	want(t, b.post("/admin/settings/Testing", f), 200, "Nothing to save")
	f.Set("clear.Test_Pass", "on")
	want(t, b.post("/admin/settings/Testing", f), 200, "Settings saved", "Not set.")
	want(t, b.post("/admin/settings/Testing", url.Values{"section": {"Nope"}}), 404, "no such section")
	want(t, b.post("/admin/settings/Nowhere", url.Values{"section": {""}}), 404)

	// Bad CSRF: refused, nothing changed.
	f = url.Values{"section": {""}, "ids": {"Test_Str"}, "v.Test_Str": {"forged"}, "csrf": {"forged"}}
	want(t, b.post("/admin/settings/Testing", f), 403, "stale")
	if a.Settings.String("Test_Str") != "bye" {
		t.Fatal("a forged form changed a setting")
	}

	// The audit log has every change and no password.
	p = b.get("/admin/audit")
	want(t, p, 200, "setting.change", "setting.reset", "Site_Name", "value=Field Camp", "value=(hidden)", "value=(cleared)", "value=green, blue")
	if strings.Contains(p.body, "hunter2") {
		t.Fatal("a password reached the audit log")
	}
}

// TestSettingsPermissions follows Rocket.Chat's rule: view-privileged-setting shows
// the settings read-only, edit-privileged-setting changes them, a holder of neither
// gets a 403, manage-selected-settings alone shows only the settings of its
// change-setting-<id> permissions (Outpost defines none, so none).
func TestSettingsPermissions(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	auditor, err := a.Authz.CreateRole(bg, model.System, authz.NewRole{Name: "auditor", Scope: authz.ScopeUsers})
	if err != nil {
		t.Fatal(err)
	}
	picker, err := a.Authz.CreateRole(bg, model.System, authz.NewRole{Name: "picker", Scope: authz.ScopeUsers})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authz.UpdatePermissions(bg, model.System, []authz.PermissionUpdate{
		{ID: "view-privileged-setting", Roles: []string{"admin", auditor.ID}},
		{ID: "manage-selected-settings", Roles: []string{"admin", picker.ID}},
		{ID: "view-logs", Roles: []string{"admin", "bot"}},
	}); err != nil {
		t.Fatal(err)
	}
	wiretest.User(t, a, "ann", "user", auditor.ID)
	wiretest.User(t, a, "pat", "user", picker.ID)
	wiretest.User(t, a, "robo", "bot")

	// A viewer: every group, read-only; a save or a reset is refused.
	b.signIn("ann")
	want(t, b.get("/admin/settings"), 200, "Accounts")
	p := b.get("/admin/settings/Layout")
	want(t, p, 200, "You may see these settings but not change them.", "Read-only for you", `name="v.Site_Name" value="Outpost" spellcheck="false" disabled`)
	if strings.Contains(p.body, "Save Layout") {
		t.Fatal("a viewer gets a Save button")
	}
	want(t, b.post("/admin/settings/Layout", url.Values{"section": {""}, "ids": {"Site_Name"}, "v.Site_Name": {"Mine"}}), 403)
	wiretest.Set(t, a, "Site_Name", "Changed")
	want(t, b.post("/admin/settings/Layout/reset", url.Values{"id": {"Site_Name"}}), 403)
	if a.Settings.String("Site_Name") != "Changed" {
		t.Fatal("a viewer changed a setting")
	}

	// manage-selected-settings without any change-setting-<id>: nothing to see.
	pb := newBrowser(t, b.base)
	pb.signIn("pat")
	p = pb.get("/admin/settings")
	want(t, p, 200, "Settings")
	if strings.Contains(p.body, `href="/admin/settings/Accounts"`) {
		t.Fatal("manage-selected-settings alone shows every group")
	}
	want(t, pb.get("/admin/settings/Layout"), 404)

	// No settings permission at all.
	rb := newBrowser(t, b.base)
	rb.signIn("robo")
	want(t, rb.get("/admin/settings"), 403, "Not allowed")
	want(t, rb.get("/admin/settings/Layout"), 403)
	want(t, rb.post("/admin/settings/Layout", url.Values{"section": {""}, "ids": {"Site_Name"}, "v.Site_Name": {"Robo"}}), 403)
	if a.Settings.String("Site_Name") != "Changed" {
		t.Fatal("robo changed a setting")
	}
}

// TestSettingsPageWeight: every settings page is under 100 KB transferred.
func TestSettingsPageWeight(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	testSettings(t, a)
	b.signIn("boss")
	paths := []string{"/admin/settings", "/admin/settings?q=message"}
	seen := map[string]bool{}
	for _, st := range a.Settings.All() {
		if st.Group != "" && !seen[st.Group] {
			seen[st.Group] = true
			paths = append(paths, "/admin/settings/"+url.PathEscape(st.Group))
		}
	}
	for _, path := range paths {
		res, size, body := b.gzipGet(path)
		if res.StatusCode != 200 || !strings.Contains(body, "</html>") {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		t.Logf("%s: %d bytes gzip, %d plain", path, size, len(body))
		if size > 100<<10 {
			t.Errorf("%s: %d bytes transferred", path, size)
		}
		if strings.Contains(body, " style=") || strings.Contains(body, "<script>") {
			t.Errorf("%s: inline style or script", path)
		}
	}
}

// TestSettingsManageSelected: with a change-setting-<id> permission (Rocket.Chat creates
// one per setting; here stored by hand), manage-selected-settings shows and changes
// that setting only.
func TestSettingsManageSelected(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	picker, err := a.Authz.CreateRole(bg, model.System, authz.NewRole{Name: "picker", Scope: authz.ScopeUsers})
	if err != nil {
		t.Fatal(err)
	}
	perm := authz.Permission{ID: "change-setting-Site_Name", Roles: []string{picker.ID}, Level: "settings", SettingID: "Site_Name",
		Group: "Layout", UpdatedAt: time.Now().UTC()}
	if err := docdb.NewPermissionsStore[authz.Permission](a.Store.Docs).Insert(bg, perm); err != nil {
		t.Fatal(err)
	}
	if err := a.Authz.Load(bg); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authz.UpdatePermissions(bg, model.System, []authz.PermissionUpdate{{ID: "manage-selected-settings", Roles: []string{"admin", picker.ID}}}); err != nil {
		t.Fatal(err)
	}
	wiretest.User(t, a, "pat", "user", picker.ID)
	b.signIn("pat")
	p := b.get("/admin/settings")
	want(t, p, 200, `href="/admin/settings/Layout"`)
	if strings.Contains(p.body, `href="/admin/settings/Accounts"`) {
		t.Fatal("a group without a selected setting is listed")
	}
	p = b.get("/admin/settings/Layout")
	want(t, p, 200, `name="ids" value="Site_Name"`, "Save Layout")
	if strings.Contains(p.body, "UI_Use_Real_Name") {
		t.Fatal("a setting without its change-setting permission is shown")
	}
	want(t, b.post("/admin/settings/Layout", url.Values{"section": {""}, "ids": {"Site_Name"}, "v.Site_Name": {"Pat's"}}), 200, "Settings saved")
	if a.Settings.String("Site_Name") != "Pat's" {
		t.Fatal("the selected setting did not change")
	}
	want(t, b.post("/admin/settings/Layout", url.Values{"section": {"User_Interface"}, "ids": {"UI_Use_Real_Name"}, "v.UI_Use_Real_Name": {"on"}}), 404)
	want(t, b.post("/admin/settings/Layout/reset", url.Values{"id": {"Site_Name"}}), 200, "back to its default")
	want(t, b.get("/admin/settings/Message"), 404)
}

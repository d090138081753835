package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/settings"
)

// SettingsAdmin lists and changes settings; settings.Service satisfies it. Save and
// Reset do not check permissions: the console does, by Rocket.Chat's rule (see
// settingsAccess).
type SettingsAdmin interface {
	All() []model.Setting
	Get(id string) (model.Setting, bool)
	Save(ctx context.Context, id string, value any) error
	Reset(ctx context.Context, id string) error
}

// permissionIndex is the optional side of Authz that says whether a permission exists
// (authz.Service has it): Outpost creates no change-setting-<id> permission by default,
// and asking Can about a missing one logs a warning.
type permissionIndex interface {
	PermissionExists(id string) bool
}

// settingsRoutes serves the Settings page; without Deps.SettingsAdmin it is not served.
func (c *Console) settingsRoutes(m *http.ServeMux) {
	if c.SettingsAdmin == nil {
		return
	}
	perms := pagePerms("settings")
	m.HandleFunc("GET /admin/settings", c.page(perms, c.settingsGroups))
	m.HandleFunc("GET /admin/settings/{group}", c.page(perms, c.settingsGroup))
	m.HandleFunc("POST /admin/settings/{group}", c.page(perms, c.saveSettings))
	m.HandleFunc("POST /admin/settings/{group}/reset", c.page(perms, c.resetSetting))
}

// settingsFlashes are the settings pages' ?done= messages.
var settingsFlashes = map[string]string{
	"saved":     "Settings saved. They are in effect now.",
	"unchanged": "Nothing to save: no value changed.",
	"reset":     "The setting is back to its default value.",
}

// settingsAccess is what the actor may do with settings, by Rocket.Chat's rule
// (saveSettingsBulk.ts and the private-settings/get method): view-privileged-setting or
// edit-privileged-setting shows every setting that is not hidden; otherwise
// manage-selected-settings shows those whose change-setting-<id> permission the actor
// holds. edit-privileged-setting changes any of them; manage-selected-settings changes
// those of its change-setting-<id>.
type settingsAccess struct {
	c       *Console
	ctx     context.Context
	actor   model.Actor
	all     bool // view or edit every setting
	edit    bool // change every setting
	managed bool // manage-selected-settings
}

func (c *Console) settingsAccess(r *http.Request, s *session) settingsAccess {
	ctx := r.Context()
	return settingsAccess{c: c, ctx: ctx, actor: s.actor,
		all:     c.Authz.CanAny(ctx, s.actor, []string{settings.PermView, settings.PermEdit}, ""),
		edit:    c.Authz.Can(ctx, s.actor, settings.PermEdit, ""),
		managed: c.Authz.Can(ctx, s.actor, settings.PermManageSelected, "")}
}

// selected reports whether the actor holds change-setting-<id>.
func (a settingsAccess) selected(id string) bool {
	if !a.managed {
		return false
	}
	p := settings.ChangePermission(id)
	if ix, ok := a.c.Authz.(permissionIndex); ok && !ix.PermissionExists(p) {
		return false
	}
	return a.c.Authz.Can(a.ctx, a.actor, p, "")
}

// sees reports whether the setting is shown to the actor; hidden ones never are.
func (a settingsAccess) sees(st model.Setting) bool {
	return !st.Hidden && (a.all || a.selected(st.ID))
}

// changes reports whether the actor may change the setting.
func (a settingsAccess) changes(st model.Setting) bool {
	return a.edit || a.selected(st.ID)
}

// readOnlyWhy says why a setting cannot be changed by anyone from the console, or "".
func readOnlyWhy(st model.Setting) string {
	switch {
	case st.Blocked:
		return "Blocked: the server sets this value; it cannot be changed here."
	case st.Enterprise:
		return "Enterprise: this setting needs a Rocket.Chat Enterprise licence, which Outpost does not have."
	case st.Type == model.SettingAction:
		return "An action (a button in Rocket.Chat's admin): Outpost does not run it from the console."
	case st.Type == model.SettingAsset:
		return "An asset (an uploaded file in Rocket.Chat): not managed from the console."
	}
	return ""
}

const otherGroup = "Other" // the group of settings registered without one

func groupOf(st model.Setting) string {
	if st.Group == "" {
		return otherGroup
	}
	return st.Group
}

// groupRow is one group of the settings index.
type groupRow struct {
	Href, Label, ID string
	Count, Changed  int
}

// settingHit is one setting a search found.
type settingHit struct {
	Href, Label, ID, Group string
}

type settingsIndexView struct {
	Q      string
	Groups []groupRow
	Hits   []settingHit
	More   bool // the search found more than it shows
	Error  string
}

// maxSettingHits bounds the search results shown.
const maxSettingHits = 200

// settingsGroups serves GET /admin/settings: the groups, or with ?q= the settings whose
// id, label or description contain the words.
func (c *Console) settingsGroups(w http.ResponseWriter, r *http.Request, s *session) {
	acc := c.settingsAccess(r, s)
	v := settingsIndexView{Q: strings.TrimSpace(r.URL.Query().Get("q"))}
	status := http.StatusOK
	if len(v.Q) > 100 {
		v.Error, v.Q, status = "The search is too long (100 characters at most).", "", http.StatusBadRequest
	}
	words := strings.Fields(strings.ToLower(v.Q))
	byGroup := map[string]*groupRow{}
	for _, st := range c.SettingsAdmin.All() {
		if !acc.sees(st) {
			continue
		}
		g := groupOf(st)
		row := byGroup[g]
		if row == nil {
			row = &groupRow{ID: g, Label: groupLabel(g), Href: groupHref(g)}
			byGroup[g] = row
		}
		row.Count++
		if !settings.IsDefault(st) && st.Type != model.SettingAction && st.Type != model.SettingAsset {
			row.Changed++
		}
		if len(words) > 0 && matches(st, words) {
			if len(v.Hits) == maxSettingHits {
				v.More = true
				continue
			}
			v.Hits = append(v.Hits, settingHit{Href: groupHref(g) + "#" + anchorOf(st.ID), Label: settingLabel(st), ID: st.ID, Group: groupLabel(g)})
		}
	}
	for _, row := range byGroup {
		v.Groups = append(v.Groups, *row)
	}
	// Rocket.Chat lists the groups by their translated label.
	slices.SortFunc(v.Groups, func(a, b groupRow) int { return strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
	p := c.pageData(r, s, "settings", "Settings")
	if f := settingsFlashes[r.URL.Query().Get("done")]; f != "" {
		p.Flash = f
	}
	c.renderStatus(w, r, status, settingsIndexPage(p, v))
}

// matches reports whether every word is in the setting's id, labels or description.
func matches(st model.Setting, words []string) bool {
	text := strings.ToLower(st.ID + " " + st.I18nLabel + " " + settingLabel(st) + " " + st.I18nDescription + " " + settingDescription(st) + " " +
		groupLabel(groupOf(st)) + " " + st.Section)
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

func groupHref(g string) string { return "/admin/settings/" + url.PathEscape(g) }

var notAnchor = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// anchorOf is the HTML id of a setting's row (and its control's id prefix).
func anchorOf(id string) string { return "s-" + notAnchor.ReplaceAllString(id, "-") }

// settingRow is one setting on its group's page.
type settingRow struct {
	ID, Anchor, Label, Description string
	Type                           string
	Field                          string // the form field of its value
	Text                           string // the value as the control shows it (never a password's)
	Checked                        bool
	Options                        []choice // select and multiSelect
	Lines                          int      // rows of a code textarea
	PassSet                        bool
	Default                        string // the package value as text, for the reset button
	CanReset                       bool
	Editable                       bool
	Note                           string // why it is read-only, or ""
	Public                         bool
	Error                          string
}

// choice is one value of a select or multiSelect.
type choice struct {
	Key, Label string
	On         bool
}

// sectionView is one section of a group page, saved on its own.
type sectionView struct {
	Name, Label, Anchor string
	Rows                []settingRow
	CanSave             bool
	Error               string
}

type groupView struct {
	ID, Label, Href string
	Sections        []sectionView
	ReadOnly        bool // the actor may change none of the group's settings
}

// groupSettings returns the settings of the group the actor sees, in Rocket.Chat's
// order (by sorter, then id); ok false when there are none.
func (c *Console) groupSettings(acc settingsAccess, group string) ([]model.Setting, bool) {
	var out []model.Setting
	for _, st := range c.SettingsAdmin.All() {
		if groupOf(st) == group && acc.sees(st) {
			out = append(out, st)
		}
	}
	slices.SortStableFunc(out, func(a, b model.Setting) int { return a.Sorter - b.Sorter })
	return out, len(out) > 0
}

// buildGroup lays out the group's settings by section: settings without a section
// first, then the sections in the order their first setting comes.
func buildGroup(acc settingsAccess, group string, list []model.Setting) groupView {
	v := groupView{ID: group, Label: groupLabel(group), Href: groupHref(group), ReadOnly: true}
	index := map[string]int{}
	if slices.ContainsFunc(list, func(st model.Setting) bool { return st.Section == "" }) {
		index[""] = 0
		v.Sections = append(v.Sections, sectionView{Label: groupLabel(group), Anchor: "sec"})
	}
	for _, st := range list {
		i, ok := index[st.Section]
		if !ok {
			i = len(v.Sections)
			index[st.Section] = i
			v.Sections = append(v.Sections, sectionView{Name: st.Section, Label: sectionLabel(st.Section), Anchor: "sec-" + notAnchor.ReplaceAllString(st.Section, "-")})
		}
		row := rowOf(st, acc.changes(st))
		if row.Editable {
			v.Sections[i].CanSave = true
			v.ReadOnly = false
		}
		v.Sections[i].Rows = append(v.Sections[i].Rows, row)
	}
	return v
}

// rowOf shows a setting as stored.
func rowOf(st model.Setting, mayChange bool) settingRow {
	row := settingRow{ID: st.ID, Anchor: anchorOf(st.ID), Label: settingLabel(st), Description: settingDescription(st), Type: st.Type,
		Field: "v." + st.ID, Public: st.Public, Note: readOnlyWhy(st)}
	row.Editable = mayChange && row.Note == ""
	if !mayChange && row.Note == "" {
		row.Note = "Read-only for you: changing it needs edit-privileged-setting."
	}
	row.CanReset = row.Editable && !settings.IsDefault(st)
	row.Default = valueText(st, st.PackageValue)
	switch st.Type {
	case model.SettingBoolean:
		row.Checked, _ = st.Value.(bool)
	case model.SettingPass:
		str, _ := st.Value.(string)
		row.PassSet = str != ""
		row.Default = ""
	case model.SettingSelect, model.SettingMultiSelect:
		on := keysOf(st.Value)
		for _, o := range st.Values {
			row.Options = append(row.Options, choice{Key: o.Key, Label: optionLabel(o), On: slices.Contains(on, o.Key)})
		}
		row.Text = valueText(st, st.Value)
	default:
		row.Text = valueText(st, st.Value)
	}
	if st.Type == model.SettingCode {
		row.Lines = min(max(strings.Count(row.Text, "\n")+2, 4), 20)
	}
	return row
}

// keysOf reads a select's or multiSelect's value as keys.
func keysOf(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, k := range x {
			out = append(out, fmt.Sprint(k))
		}
		return out
	}
	return nil
}

// valueText is a value as text: a string as is, a list as comma-separated keys.
func valueText(st model.Setting, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "on"
		}
		return "off"
	}
	if st.Type == model.SettingMultiSelect {
		return strings.Join(keysOf(v), ", ")
	}
	return fmt.Sprint(v)
}

// settingsGroup serves GET /admin/settings/{group}.
func (c *Console) settingsGroup(w http.ResponseWriter, r *http.Request, s *session) {
	acc := c.settingsAccess(r, s)
	group := r.PathValue("group")
	list, ok := c.groupSettings(acc, group)
	if !ok {
		c.problem(w, r, s, http.StatusNotFound, "Not found", "There is no such settings group.")
		return
	}
	c.showGroup(w, r, s, http.StatusOK, buildGroup(acc, group, list))
}

func (c *Console) showGroup(w http.ResponseWriter, r *http.Request, s *session, status int, v groupView) {
	p := c.pageData(r, s, "settings", v.Label)
	if f := settingsFlashes[r.URL.Query().Get("done")]; f != "" {
		p.Flash = f
	}
	c.renderStatus(w, r, status, settingsGroupPage(p, v))
}

// change is one value a section form changes.
type change struct {
	st    model.Setting
	value any
}

// saveSettings serves POST /admin/settings/{group}: the section's form. Only the
// settings the form listed (field "ids") and the actor may change are read, so a stale
// form cannot flip a box it did not show. Every value is checked before any is saved;
// an invalid one shows the form again with the values as posted.
func (c *Console) saveSettings(w http.ResponseWriter, r *http.Request, s *session) {
	acc := c.settingsAccess(r, s)
	group := r.PathValue("group")
	list, ok := c.groupSettings(acc, group)
	if !ok {
		c.problem(w, r, s, http.StatusNotFound, "Not found", "There is no such settings group.")
		return
	}
	form := r.PostForm
	section := form.Get("section")
	v := buildGroup(acc, group, list)
	si := slices.IndexFunc(v.Sections, func(sec sectionView) bool { return sec.Name == section })
	if si < 0 {
		c.problem(w, r, s, http.StatusNotFound, "Not found", "There is no such section in this group.")
		return
	}
	if !v.Sections[si].CanSave {
		c.forbidden(w, r, s, "You may not change the settings of this section.")
		return
	}
	posted := form["ids"]
	var changes []change
	bad := false
	for i, row := range v.Sections[si].Rows {
		if !row.Editable || !slices.Contains(posted, row.ID) {
			continue
		}
		st, _ := c.SettingsAdmin.Get(row.ID)
		val, changed, msg := readValue(st, form)
		if msg != "" {
			bad = true
			v.Sections[si].Rows[i].Error = msg
		}
		keepPosted(&v.Sections[si].Rows[i], st, form)
		if changed && msg == "" {
			changes = append(changes, change{st: st, value: val})
		}
	}
	if bad {
		v.Sections[si].Error = "Some values are not valid; nothing was saved."
		c.showGroup(w, r, s, http.StatusBadRequest, v)
		return
	}
	to := groupHref(group)
	if len(changes) == 0 {
		redirect(w, r, to+"?done=unchanged#"+v.Sections[si].Anchor)
		return
	}
	for _, ch := range changes {
		if err := c.SettingsAdmin.Save(r.Context(), ch.st.ID, ch.value); err != nil {
			i := slices.IndexFunc(v.Sections[si].Rows, func(row settingRow) bool { return row.ID == ch.st.ID })
			v.Sections[si].Rows[i].Error = c.message(r, err)
			v.Sections[si].Error = "A value was refused; the values before it in this section were saved."
			c.showGroup(w, r, s, http.StatusBadRequest, v)
			return
		}
		c.record(r, s, "setting.change", ch.st.ID, auditValue(ch.st, ch.value))
	}
	redirect(w, r, to+"?done=saved#"+v.Sections[si].Anchor)
}

// auditValue is what the audit log keeps of a new value: never a password.
func auditValue(st model.Setting, v any) map[string]string {
	if st.Type == model.SettingPass {
		if v == "" {
			return map[string]string{"value": "(cleared)"}
		}
		return map[string]string{"value": "(hidden)"}
	}
	text := valueText(st, v)
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	return map[string]string{"value": text}
}

// readValue reads a setting's new value from the form: the value, whether it differs
// from the stored one, and a message when it is not valid.
func readValue(st model.Setting, form url.Values) (any, bool, string) {
	field := "v." + st.ID
	raw := form.Get(field)
	switch st.Type {
	case model.SettingBoolean:
		on := raw == "on"
		cur, _ := st.Value.(bool)
		return on, on != cur, ""
	case model.SettingInt:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return nil, false, "Enter a whole number."
		}
		cur, _ := st.Value.(int64)
		return n, n != cur || st.Value == nil, ""
	case model.SettingSelect:
		if !slices.ContainsFunc(st.Values, func(o model.SettingOption) bool { return o.Key == raw }) {
			return nil, false, "Choose one of the listed values."
		}
		cur, _ := st.Value.(string)
		return raw, raw != cur, ""
	case model.SettingMultiSelect:
		keys := []string{}
		for _, k := range form[field] {
			if !slices.ContainsFunc(st.Values, func(o model.SettingOption) bool { return o.Key == k }) {
				return nil, false, "Choose only among the listed values."
			}
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
		return keys, !slices.Equal(keys, keysOf(st.Value)), ""
	case model.SettingPass:
		cur, _ := st.Value.(string)
		if form.Get("clear."+st.ID) == "on" {
			return "", cur != "", ""
		}
		if raw == "" { // an empty field keeps the password
			return nil, false, ""
		}
		return raw, raw != cur, ""
	case model.SettingColor:
		cur, _ := st.Value.(string)
		text := strings.TrimSpace(raw)
		if pick := form.Get("pick." + st.ID); text == cur && hexColor.MatchString(pick) && !strings.EqualFold(pick, cur) {
			text = pick // the picker moved and the text did not
		}
		if len(text) > 200 {
			return nil, false, "A colour is 200 characters at most."
		}
		return text, text != cur, ""
	}
	if len(raw) > 32<<10 {
		return nil, false, "The value is too long."
	}
	if st.Type == model.SettingCode { // browsers send a textarea's line breaks as CRLF
		raw = strings.ReplaceAll(raw, "\r\n", "\n")
	}
	cur, _ := st.Value.(string)
	return raw, raw != cur, ""
}

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// keepPosted shows what was posted in a row the form comes back with (a password
// never comes back).
func keepPosted(row *settingRow, st model.Setting, form url.Values) {
	field := "v." + st.ID
	switch st.Type {
	case model.SettingBoolean:
		row.Checked = form.Get(field) == "on"
	case model.SettingSelect:
		for i := range row.Options {
			row.Options[i].On = row.Options[i].Key == form.Get(field)
		}
	case model.SettingMultiSelect:
		for i := range row.Options {
			row.Options[i].On = slices.Contains(form[field], row.Options[i].Key)
		}
	case model.SettingPass:
	default:
		row.Text = form.Get(field)
	}
}

// resetSetting serves POST /admin/settings/{group}/reset (field id): the setting goes
// back to its package value.
func (c *Console) resetSetting(w http.ResponseWriter, r *http.Request, s *session) {
	acc := c.settingsAccess(r, s)
	group := r.PathValue("group")
	id := r.PostForm.Get("id")
	st, ok := c.SettingsAdmin.Get(id)
	if !ok || groupOf(st) != group || !acc.sees(st) {
		c.problem(w, r, s, http.StatusNotFound, "Not found", "There is no such setting in this group.")
		return
	}
	if !acc.changes(st) {
		c.forbidden(w, r, s, "Changing this setting needs edit-privileged-setting.")
		return
	}
	if why := readOnlyWhy(st); why != "" {
		c.problem(w, r, s, http.StatusBadRequest, "Not done", why)
		return
	}
	if settings.IsDefault(st) && st.ValueSource == settings.SourcePackage {
		redirect(w, r, groupHref(group)+"?done=unchanged#"+anchorOf(id))
		return
	}
	if err := c.SettingsAdmin.Reset(r.Context(), id); err != nil {
		c.fail(w, r, s, err)
		return
	}
	fields := auditValue(st, st.PackageValue)
	fields["reset"] = "yes"
	c.record(r, s, "setting.reset", id, fields)
	redirect(w, r, groupHref(group)+"?done=reset#"+anchorOf(id))
}

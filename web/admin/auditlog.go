package admin

import (
	"net/http"
	"sort"
	"strings"
)

// auditPerPage is the audit log's page size.
const auditPerPage = 50

type auditRow struct {
	When, Who, Action, Target, Details, From string
}

type auditView struct {
	Rows  []auditRow
	Pager pager
}

// auditLog serves GET /admin/audit (audit.PermView, checked by the service too).
func (c *Console) auditLog(w http.ResponseWriter, r *http.Request, s *session) {
	page := pageParam(r)
	p, err := c.Audit.List(r.Context(), s.actor, (page-1)*auditPerPage, auditPerPage)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	var v auditView
	for _, e := range p.Entries {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + e.Fields[k]
		}
		who := e.Actor.Username
		if who == "" {
			who = e.Actor.ID
		}
		v.Rows = append(v.Rows, auditRow{When: when(e.Ts), Who: who, Action: e.Action, Target: e.Target,
			Details: strings.Join(parts, ", "), From: e.Addr})
	}
	v.Pager = newPager("/admin/audit", r.URL.Query(), page, auditPerPage, len(p.Entries), p.Total)
	c.render(w, r, auditPage(c.pageData(r, s, "audit", "Audit log"), v))
}

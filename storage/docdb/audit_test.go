package docdb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/audit"
	"github.com/outpostchat/outpost/storage/docdb"
)

var _ audit.Store = (*docdb.AuditStore[audit.Entry])(nil)

func TestAuditStore(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	st := docdb.NewAuditStore[audit.Entry](s.Docs)
	base := time.UnixMilli(1700000000000).UTC()
	for i := range 5 {
		mustNoErr(t, st.InsertAudit(ctx, audit.Entry{ID: fmt.Sprintf("a%d", i), Ts: base.Add(time.Duration(i) * time.Second), Action: "x",
			Fields: map[string]string{"n": fmt.Sprint(i)}}))
	}
	page, total, err := st.AuditPage(ctx, 1, 2)
	mustNoErr(t, err)
	if total != 5 || len(page) != 2 || page[0].ID != "a3" || page[1].ID != "a2" || page[0].Fields["n"] != "3" || !page[0].Ts.Equal(base.Add(3*time.Second)) {
		t.Fatalf("page %+v total %d", page, total)
	}
	db := rawDB(t, s)
	for name, q := range map[string]struct {
		sql, index string
		args       []any
	}{
		"audit page": {docdb.SelectSQL(docdb.AuditQuery(50, 50), tableOf(t, db, docdb.Audit)), "outpost_audit_ts", nil},
		"users by username": {docdb.SelectSQL(docdb.Query{Order: docdb.F("username") + ", " + docdb.F("_id"), Limit: 25, Offset: 100},
			tableOf(t, db, docdb.Users)), "outpost_users_username_sort", nil},
	} {
		// A page is an ordered walk of the index: no sort, no table scan.
		lines := explain(t, db, q.sql, q.args...)
		if joined := strings.Join(lines, " | "); strings.Contains(joined, "TEMP B-TREE") || !strings.Contains(joined, "USING INDEX "+q.index) {
			t.Errorf("%s: plan %s", name, joined)
		}
	}
}

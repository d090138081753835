package docdb_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/docdb"
)

// presenceUser is the shape app/presence reads (presence.User), redeclared here so the
// store's tests stand alone.
type presenceUser struct {
	ID               string              `json:"_id"`
	Username         string              `json:"username,omitempty"`
	Name             string              `json:"name,omitempty"`
	Status           string              `json:"status,omitempty"`
	StatusConnection string              `json:"statusConnection,omitempty"`
	StatusDefault    string              `json:"statusDefault,omitempty"`
	StatusText       string              `json:"statusText,omitempty"`
	UTCOffset        *float64            `json:"utcOffset,omitempty"`
	Settings         *model.UserSettings `json:"settings,omitempty"`
	UpdatedAt        time.Time           `json:"_updatedAt"`
}

func usernames(us []presenceUser) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Username)
	}
	return out
}

func TestPresenceStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	users := s.Docs.Collection(docdb.Users)
	old := time.UnixMilli(1_700_000_000_000).UTC()
	offset := 2.0
	for _, u := range []docdb.Doc{
		{{Key: "_id", Value: "u1"}, {Key: "username", Value: "ann"}, {Key: "status", Value: "online"}, {Key: "statusConnection", Value: "online"},
			{Key: "statusDefault", Value: "online"}, {Key: "utcOffset", Value: offset}, {Key: "_updatedAt", Value: old},
			{Key: "settings", Value: docdb.Doc{{Key: "preferences", Value: docdb.Doc{{Key: "idleTimeLimit", Value: int32(60)}, {Key: "enableAutoAway", Value: true}}}}}},
		{{Key: "_id", Value: "u2"}, {Key: "username", Value: "bob"}, {Key: "status", Value: "busy"}, {Key: "statusConnection", Value: "away"}, {Key: "_updatedAt", Value: old}},
		{{Key: "_id", Value: "u3"}, {Key: "username", Value: "cat"}, {Key: "status", Value: "offline"}, {Key: "_updatedAt", Value: old}},
		{{Key: "_id", Value: "u4"}, {Key: "status", Value: "away"}, {Key: "_updatedAt", Value: old}},  // no username yet
		{{Key: "_id", Value: "u5"}, {Key: "username", Value: "dan"}, {Key: "_updatedAt", Value: old}}, // never had a status
	} {
		mustNoErr(t, users.Insert(ctx, u))
	}
	st := docdb.NewPresenceStore[presenceUser](s.Docs)

	u, err := st.PresenceUser(ctx, "u1")
	mustNoErr(t, err)
	if u.StatusDefault != "online" || u.UTCOffset == nil || *u.UTCOffset != 2 || u.Settings == nil ||
		u.Settings.Preferences["idleTimeLimit"] != int64(60) || u.Settings.Preferences["enableAutoAway"] != true {
		t.Fatalf("PresenceUser = %+v", u)
	}
	if _, err := st.PresenceUser(ctx, "nobody"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}

	got, err := st.OnlineByIDs(ctx, []string{"u3", "u2", "u1", "nobody", "u4"})
	mustNoErr(t, err)
	if names := usernames(got); !slices.Equal(names, []string{"", "ann", "bob"}) {
		t.Fatalf("OnlineByIDs = %q", names)
	}
	got, err = st.Online(ctx)
	mustNoErr(t, err)
	if names := usernames(got); !slices.Equal(names, []string{"ann", "bob"}) {
		t.Fatalf("Online = %q", names)
	}

	at := old.Add(time.Hour)
	mustNoErr(t, st.SetPresence(ctx, "u3", map[string]string{"status": "away", "statusConnection": "away", "statusDefault": "away", "statusText": "lunch"}, at))
	u, err = st.PresenceUser(ctx, "u3")
	mustNoErr(t, err)
	if u.Status != "away" || u.StatusConnection != "away" || u.StatusDefault != "away" || u.StatusText != "lunch" || !u.UpdatedAt.Equal(at) {
		t.Fatalf("after SetPresence: %+v", u)
	}
	if err := st.SetPresence(ctx, "u3", map[string]string{"roles": "admin"}, at); err == nil {
		t.Fatal("SetPresence wrote a field that is not a presence field")
	}
	if err := st.SetPresence(ctx, "nobody", map[string]string{"status": "away"}, at); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("SetPresence of an unknown user: %v", err)
	}

	got, err = st.UpdatedSince(ctx, old.Add(time.Minute), "u1")
	mustNoErr(t, err)
	if names := usernames(got); !slices.Equal(names, []string{"cat"}) {
		t.Fatalf("UpdatedSince = %q", names)
	}
	got, err = st.UpdatedSince(ctx, old, "u1")
	mustNoErr(t, err)
	if names := usernames(got); !slices.Equal(names, []string{"bob", "cat", "dan"}) {
		t.Fatalf("UpdatedSince (all but u1) = %q", names)
	}

	// At start: everybody offline but the users kept; users already offline are left alone.
	n, err := st.ResetPresence(ctx, []string{"u2"}, at.Add(time.Hour))
	mustNoErr(t, err)
	if n != 4 { // u1, u3, u4, u5 (no status at all)
		t.Fatalf("ResetPresence changed %d users, want 4", n)
	}
	for _, id := range []string{"u1", "u3", "u4", "u5"} {
		u, err := st.PresenceUser(ctx, id)
		mustNoErr(t, err)
		if u.Status != "offline" || u.StatusConnection != "offline" {
			t.Errorf("%s after reset: %+v", id, u)
		}
	}
	if u, _ := st.PresenceUser(ctx, "u3"); u.StatusDefault != "away" || u.StatusText != "lunch" {
		t.Errorf("reset touched the chosen status or text: %+v", u)
	}
	if u, _ := st.PresenceUser(ctx, "u2"); u.Status != "busy" {
		t.Errorf("reset touched a kept user: %+v", u)
	}
	if n, err := st.ResetPresence(ctx, nil, at.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("second reset: %d, %v; want only the kept user changed", n, err)
	}
}

func TestPresenceStoreManyIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	users := s.Docs.Collection(docdb.Users)
	var ids []string
	mustNoErr(t, s.Docs.InTx(ctx, func(ctx context.Context) error {
		for i := range 1200 {
			id := fmt.Sprintf("u%04d", i)
			ids = append(ids, id)
			status := "online"
			if i%3 == 0 {
				status = "offline"
			}
			if err := users.Insert(ctx, docdb.Doc{{Key: "_id", Value: id}, {Key: "username", Value: id}, {Key: "status", Value: status}}); err != nil {
				return err
			}
		}
		return nil
	}))
	got, err := docdb.NewPresenceStore[presenceUser](s.Docs).OnlineByIDs(ctx, ids)
	mustNoErr(t, err)
	if len(got) != 800 {
		t.Fatalf("OnlineByIDs over 1200 ids found %d, want 800", len(got))
	}
}

// TestPresenceByIDsPlan: users.presence?ids= searches the _id index, however many ids.
func TestPresenceByIDsPlan(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	db := rawDB(t, s)
	table := tableOf(t, db, docdb.Users)
	q := docdb.OnlineByIDsQuery([]string{"a", "b", "c"})
	lines := explain(t, db, docdb.SelectSQL(q, table), q.Args...)
	t.Logf("plan: %q", lines)
	for _, p := range planProblems(lines, table, table+"__id_") {
		if !strings.HasPrefix(p, "sort:") { // the few matches are sorted by username, which is fine
			t.Error(p)
		}
	}
}

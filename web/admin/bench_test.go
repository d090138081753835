package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
)

// seed stores n users and rooms rooms straight into the store, in one transaction
// (creating 10,000 users through the service would join each to #general).
func seed(b testing.TB, a *wire.App, users, rooms int) {
	b.Helper()
	docs := a.Store.Docs
	now := time.Now().UTC().Truncate(time.Millisecond)
	statuses := []string{"online", "away", "offline", "offline", "offline", "busy"}
	err := docs.InTx(context.Background(), func(ctx context.Context) error {
		uc, rc := docs.Collection(docdb.Users), docs.Collection(docdb.Rooms)
		for i := range users {
			name := fmt.Sprintf("user%05d", i)
			last := now.Add(-time.Duration(i) * time.Minute)
			u := model.User{ID: model.NewID(), CreatedAt: now, UpdatedAt: now, Username: name, Name: "User " + name, Type: "user",
				Status: statuses[i%len(statuses)], Active: i%17 != 0, Roles: []string{"user"}, LastLogin: &last,
				Emails: []model.Email{{Address: name + "@example.com", Verified: true}}}
			if err := uc.Insert(ctx, u); err != nil {
				return err
			}
		}
		types := []string{"c", "p", "d", "c"}
		for i := range rooms {
			r := model.Room{ID: model.NewID(), T: types[i%len(types)], Name: fmt.Sprintf("room%04d", i), Ts: now, Msgs: int64(i * 10), UsersCount: 10}
			if err := rc.Insert(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// benchPage measures the server-side render of path (middleware, session check,
// service calls, templ, gzip) at 10,000 users and 1,000 rooms, and reports p50 and p99.
func benchPage(b *testing.B, paths ...string) {
	a := wiretest.Open(b)
	wiretest.User(b, a, "boss", "admin")
	seed(b, a, 10000, 1000)
	h := wiretest.Handler(b, a)
	uid, token := wiretest.Login(b, a, "boss")
	cookie := "outpost_admin=" + uid + "." + token
	if _, err := a.Stats.Take(context.Background()); err != nil {
		b.Fatal(err)
	}
	measurePages(b, h, cookie, paths...)
}

func BenchmarkDashboard10k(b *testing.B) { benchPage(b, "/admin/dashboard") }

// BenchmarkUsersPage10k is the listing, paging and the filters that an index serves.
func BenchmarkUsersPage10k(b *testing.B) {
	benchPage(b, "/admin/users", "/admin/users?page=200", "/admin/users?status=online", "/admin/users?role=user&page=3")
}

// BenchmarkUsersSearch10k is a text search: a substring of username, name or email,
// found through the users' trigram index (storage/docdb/users_search.go).
func BenchmarkUsersSearch10k(b *testing.B) { benchPage(b, "/admin/users?q=user0123") }

// measurePages requests paths in turn (signed in with cookie, gzip accepted) for b.N
// iterations and reports the render time's p50 and p99: the server-side figures the
// issue's targets name.
func measurePages(b *testing.B, h http.Handler, cookie string, paths ...string) {
	b.Helper()
	var times []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest("GET", paths[i%len(paths)], nil)
		req.Header.Set("Cookie", cookie)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		times = append(times, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", req.URL, rec.Code, rec.Body)
		}
	}
	b.StopTimer()
	slices.Sort(times)
	q := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(float64(len(times))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}

package wiretest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// TestOpen checks the wiring tests rely on: a new user joins #general (the accounts hook
// reaches rooms), and the HTTP face takes the REST headers Header gives.
func TestOpen(t *testing.T) {
	t.Parallel()
	a := wiretest.Open(t)
	joe := wiretest.Actor(t, a, "joe")
	if _, sub, err := a.Rooms.Access(context.Background(), joe, model.GeneralRoomID); err != nil || sub == nil {
		t.Fatalf("joe in #general: sub %v, err %v", sub, err)
	}
	srv := wiretest.Server(t, a)
	req, err := http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = wiretest.Header(t, a, "joe")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(body), `"username":"joe"`) {
		t.Fatalf("GET /api/v1/me: %d %s", res.StatusCode, body)
	}
}

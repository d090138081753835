package rest_test

import (
	"encoding/json"
	"testing"
)

// TestRoomsAutocompletePaged: the paged room picker pages the rooms the caller may
// find (public channels, and their own private groups) with the total, and never shows
// another user's private group.
func TestRoomsAutocompletePaged(t *testing.T) {
	t.Parallel()
	h := roomsAPI(t)
	ann := login(t, h, `{"user":"ann","password":"pw"}`)
	bob := login(t, h, `{"user":"bob","password":"pw"}`)
	for _, body := range []string{`{"name":"ops-a"}`, `{"name":"ops-b"}`} {
		if got := authedDo(t, h, ann, "POST", "/api/v1/channels.create", body); got.status != 200 {
			t.Fatalf("channels.create: %d %s", got.status, got.body)
		}
	}
	if got := authedDo(t, h, ann, "POST", "/api/v1/groups.create", `{"name":"ops-secret"}`); got.status != 200 {
		t.Fatalf("groups.create: %d %s", got.status, got.body)
	}
	var page struct {
		Items []struct {
			Name string `json:"name"`
		} `json:"items"`
		Count, Offset, Total int
	}
	read := func(who loginAnswer, q string) {
		t.Helper()
		got := authedDo(t, h, who, "GET", "/api/v1/rooms.autocomplete.channelAndPrivate.withPagination?"+q, "")
		if got.status != 200 {
			t.Fatalf("%s: %d %s", q, got.status, got.body)
		}
		page.Items = nil
		if err := json.Unmarshal([]byte(got.body), &page); err != nil {
			t.Fatal(err)
		}
	}
	read(ann, `selector={"name":"ops"}&offset=1&count=1`)
	if page.Total != 3 || page.Count != 1 || page.Offset != 1 || len(page.Items) != 1 || page.Items[0].Name != "ops-b" {
		t.Errorf("ann's second page: %+v", page)
	}
	read(bob, `selector={"name":"ops"}`)
	if page.Total != 2 {
		t.Errorf("bob found %+v; the private group is not his", page)
	}
	if got := authedDo(t, h, bob, "GET", `/api/v1/rooms.autocomplete.channelAndPrivate.withPagination?selector=nope`, ""); got.status != 400 {
		t.Errorf("a bad selector: %d %s", got.status, got.body)
	}
}

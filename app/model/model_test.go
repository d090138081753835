package model_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/model"
)

func TestNewID(t *testing.T) {
	t.Parallel()
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 2000 {
		id := model.NewID()
		if len(id) != model.IDLength {
			t.Fatalf("len(%q) = %d", id, len(id))
		}
		for _, c := range id {
			if !strings.ContainsRune(alphabet, c) {
				t.Fatalf("%q has %q outside Meteor's alphabet", id, c)
			}
			counts[c]++
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
	// 34,000 draws over 55 letters: every letter appears, none wildly often.
	for _, c := range alphabet {
		if n := counts[c]; n < 400 || n > 900 {
			t.Errorf("letter %q drawn %d times of 34000", c, n)
		}
	}
}

func TestAsError(t *testing.T) {
	t.Parallel()
	if model.AsError(nil) != nil {
		t.Fatal("AsError(nil) != nil")
	}
	domain := model.Invalid("error-invalid-room", "Invalid room")
	if got := model.AsError(fmt.Errorf("wrapped: %w", domain)); got != domain {
		t.Fatalf("AsError lost the domain error: %v", got)
	}
	cause := errors.New("disk on fire")
	got := model.AsError(cause)
	if got.Kind != model.KindInternal || got.Message != "Internal server error" || !errors.Is(got, cause) {
		t.Fatalf("AsError(plain) = %+v", got)
	}
	if strings.Contains(got.Message, "disk") {
		t.Fatal("the cause leaks into the user-safe message")
	}
}

package app_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/outpostchat/outpost"

// TestDependencyRule enforces DESIGN.md §1 on the packages the binary is built from
// (test files may use the real store and cmd/outpost/wire): web and voip never import
// storage or cmd; app never imports web, storage, cmd or net/http; app/model and
// app/streamhub import only the standard library; storage/docdb imports no outpost
// package but app/model.
func TestDependencyRule(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Standard", mod+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		seen++
		for _, imp := range p.Imports {
			if why := violates(p.ImportPath, imp); why != "" {
				t.Errorf("%s imports %s: %s", p.ImportPath, imp, why)
			}
		}
	}
	if seen < 10 {
		t.Fatalf("go list saw only %d packages", seen)
	}
}

func violates(pkg, imp string) string {
	rel := func(p string) string { return strings.TrimPrefix(strings.TrimPrefix(p, mod), "/") }
	p, i := rel(pkg), rel(imp)
	internal := strings.HasPrefix(imp, mod)
	std := !strings.Contains(strings.Split(imp, "/")[0], ".")
	under := func(path, root string) bool { return path == root || strings.HasPrefix(path, root+"/") }
	switch {
	case (under(p, "web") || under(p, "voip")) && internal && under(i, "storage"):
		return "web and voip reach storage only through app"
	case (under(p, "web") || under(p, "voip")) && internal && under(i, "cmd"):
		return "only cmd wires: web and voip never import it (cmd/outpost/wire is for cmd and tests)"
	case under(p, "app") && internal && (under(i, "web") || under(i, "storage") || under(i, "voip") || under(i, "cmd")):
		return "app depends on nothing outside app"
	case under(p, "app") && imp == "net/http":
		return "app never speaks HTTP"
	case (p == "app/model" || p == "app/streamhub") && !std:
		return "the shared model and the bus import only the standard library"
	case p == "storage/docdb" && internal && i != "app/model":
		return "docdb imports only app/model from Outpost"
	}
	return ""
}

func TestViolates(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		pkg, imp string
		bad      bool
	}{
		{"web/rest", "storage/docdb", true},
		{"web/rest", "app/model", false},
		{"web/rest", "cmd/outpost/wire", true},
		{"app/settings", "net/http", true},
		{"app/settings", "storage", true},
		{"app/settings", "app/streamhub", false},
		{"app/model", "golang.org/x/crypto/bcrypt", true},
		{"app/streamhub", "app/model", true},
		{"storage/docdb", "app/settings", true},
		{"storage/docdb", "app/model", false},
		{"cmd/outpost", "storage", false},
	} {
		full := func(s string) string {
			if strings.Contains(strings.Split(s, "/")[0], ".") || s == "net/http" {
				return s
			}
			return mod + "/" + s
		}
		if got := violates(full(c.pkg), full(c.imp)) != ""; got != c.bad {
			t.Errorf("violates(%s, %s) = %v, want %v", c.pkg, c.imp, got, c.bad)
		}
	}
}

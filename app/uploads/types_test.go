package uploads

import "testing"

func TestCleanName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"pic.png": "pic.png", "../../etc/passwd": "passwd", `..\..\win.ini`: "win.ini", "": "file", "..": "file",
		"a/": "file", " x\x00y\u202e.txt ": "xy.txt", "dir/.hidden": ".hidden",
	} {
		if got := CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := CleanName(string(make([]byte, 300)) + "é"); len(got) > maxNameLen {
		t.Errorf("long name kept %d bytes", len(got))
	}
}

func TestResolveType(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ sniffed, claimed, want string }{
		{"image/png", "text/plain", "image/png"},
		{"text/html; charset=utf-8", "image/png", "text/html"},
		{"video/mp4", "audio/mp4", "audio/mp4"},
		{"video/mp4", "", "video/mp4"},
		{"application/ogg", "audio/ogg", "audio/ogg"},
		{"text/plain; charset=utf-8", "text/csv", "text/csv"},
		{"text/plain; charset=utf-8", "text/html", "text/plain"},
		{"text/plain; charset=utf-8", "image/png", "text/plain"},
		{"application/octet-stream", "image/heic", "image/heic"},
		{"application/octet-stream", "image/png", "application/octet-stream"},
		{"application/octet-stream", "nonsense", "application/octet-stream"},
	} {
		if got := ResolveType(c.sniffed, c.claimed); got != c.want {
			t.Errorf("ResolveType(%q, %q) = %q, want %q", c.sniffed, c.claimed, got, c.want)
		}
	}
}

func TestTypeAllowed(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		t, white, black string
		want            bool
	}{
		{"image/svg+xml", "", "image/svg+xml", false},
		{"image/png", "", "image/svg+xml", true},
		{"image/png", "image/*", "", true},
		{"video/mp4", "image/*, audio/mp4", "", false},
		{"audio/mp4", "image/*, audio/mp4", "", true},
		{"image/png", "image/*", "image/*", false},
	} {
		if got := typeAllowed(c.t, c.white, c.black); got != c.want {
			t.Errorf("typeAllowed(%q, %q, %q) = %v", c.t, c.white, c.black, got)
		}
	}
	for typ, want := range map[string]bool{"image/png": true, "image/svg+xml": false, "text/html": false, "audio/ogg": true,
		"text/plain": true, "application/xml": false, "text/javascript": false} {
		if Inline(typ) != want {
			t.Errorf("Inline(%q) = %v", typ, !want)
		}
	}
}

package logbuf

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// masked replaces the value of a secret attribute.
const masked = "••••••"

// secretWords are the key fragments of attributes never shown: a key containing one,
// in any case, has its value masked.
var secretWords = []string{"password", "passwd", "pwd", "token", "secret", "authorization", "cookie", "credential", "apikey", "api_key", "privatekey", "private_key", "totp"}

// Secret reports whether an attribute key looks like it holds a secret.
func Secret(key string) bool {
	k := strings.ToLower(key)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// writeAttr renders a as key=value (groups flattened as group.key=value) after a space
// when sb is not empty. Empty attributes are skipped, as slog's handlers do.
func writeAttr(sb *strings.Builder, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		g := v.Group()
		if len(g) == 0 {
			return
		}
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, ga := range g {
			writeAttr(sb, p, ga)
		}
		return
	}
	if a.Key == "" && v.Any() == nil {
		return
	}
	if sb.Len() > 0 {
		sb.WriteByte(' ')
	}
	key := prefix + a.Key
	sb.WriteString(quote(key))
	sb.WriteByte('=')
	if Secret(a.Key) || Secret(prefix) {
		sb.WriteString(masked)
		return
	}
	sb.WriteString(quote(valueText(v)))
}

// valueText is a value as text.
func valueText(v slog.Value) string {
	switch v.Kind() {
	case slog.KindString:
		return v.String()
	case slog.KindTime:
		return v.Time().Format(time.RFC3339Nano)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return x.Error()
		case []byte:
			return string(x)
		case nil:
			return "<nil>"
		}
		return fmt.Sprint(v.Any()) // fmt recovers a panicking String method
	}
	return v.String()
}

// quote quotes s when it is empty or holds spaces, quotes, '=' or control characters,
// as slog's text handler does, so that lines stay one key=value pair per word.
func quote(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if r <= ' ' || r == '"' || r == '=' || r == 0x7f || r == utf8.RuneError || r == '\u00a0' {
			return strconv.Quote(s)
		}
	}
	return s
}

// maxSvc bounds the svc attribute.
const maxSvc = 64

// cut bounds a line to MaxLine bytes: svc to maxSvc, the message first, the attributes
// in what is left; a cut text ends with "…". Control characters of the message (a
// multi-line panic) stay: the page shows them pre-wrapped.
func cut(l *Line) {
	l.Svc = truncate(l.Svc, maxSvc)
	l.Msg = truncate(l.Msg, MaxLine-len(l.Svc))
	l.Attrs = truncate(l.Attrs, MaxLine-len(l.Svc)-len(l.Msg))
}

// truncate cuts s to at most n bytes on a rune boundary, ending it with "…" when cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ell = "…"
	if n < len(ell) {
		return ""
	}
	i := n - len(ell)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + ell
}

package messaging

import (
	"errors"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/outpostchat/outpost/app/model"
)

// plainParse is the stand-in for the markdown parser: the whole text as one paragraph
// of plain text, the shape @rocket.chat/message-parser gives a text without markup.
func plainParse(text string) []any {
	if text == "" {
		return nil
	}
	return []any{map[string]any{
		"type":  "PARAGRAPH",
		"value": []any{map[string]any{"type": "PLAIN_TEXT", "value": text}},
	}}
}

// plainTokens finds @name, #name and http(s):// tokens with a simple scan of the text.
// A mention or channel must start the text or follow a space or an opening bracket.
func plainTokens(_ []any, text string) Tokens {
	var t Tokens
	seen := map[string]bool{}
	add := func(list *[]string, kind, v string) {
		if v != "" && !seen[kind+v] {
			seen[kind+v] = true
			*list = append(*list, v)
		}
	}
	for _, word := range strings.FieldsFunc(text, func(r rune) bool { return unicode.IsSpace(r) || r == '(' || r == ')' }) {
		switch {
		case strings.HasPrefix(word, "http://") || strings.HasPrefix(word, "https://"):
			add(&t.URLs, "u", strings.TrimRight(word, ".,;:!?\"'>]"))
		case strings.HasPrefix(word, "@"):
			add(&t.Mentions, "@", nameToken(word[1:]))
		case strings.HasPrefix(word, "#"):
			add(&t.Channels, "#", nameToken(word[1:]))
		}
	}
	return t
}

// nameToken is the leading part of s that can be a username or room name.
func nameToken(s string) string {
	end := strings.IndexFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.')
	})
	if end >= 0 {
		s = s[:end]
	}
	return strings.TrimRight(s, ".")
}

// jsLength is the length of s as JavaScript counts it (UTF-16 code units), which is
// what Rocket.Chat compares with Message_MaxAllowedSize.
func jsLength(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	if !utf8.ValidString(s) {
		return len(s)
	}
	return n
}

// rateLimiter allows each user a number of calls per window (Rocket.Chat's DDP rate
// limiter: sendMessage is limited to 5 calls a second per user).
type rateLimiter struct {
	now func() time.Time
	mu  sync.Mutex
	at  map[string][]time.Time
}

func newRateLimiter(now func() time.Time) *rateLimiter {
	return &rateLimiter{now: now, at: map[string][]time.Time{}}
}

// allow records a call by key and reports whether it is within limit calls per window.
func (l *rateLimiter) allow(key string, limit int, window time.Duration) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.at) > 10000 { // forget idle users now and then, so the map stays small
		for k, ts := range l.at {
			if len(ts) == 0 || now.Sub(ts[len(ts)-1]) > window {
				delete(l.at, k)
			}
		}
	}
	calls := l.at[key]
	keep := calls[:0]
	for _, t := range calls {
		if now.Sub(t) < window {
			keep = append(keep, t)
		}
	}
	if len(keep) >= limit {
		l.at[key] = keep
		return false
	}
	l.at[key] = append(keep, now)
	return true
}

func isNotFound(err error) bool  { return errors.Is(err, model.ErrNotFound) }
func isDuplicate(err error) bool { return errors.Is(err, model.ErrDuplicate) }

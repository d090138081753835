package md

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The cases of the table tests are upstream's (packages/message-parser/tests/*.test.ts),
// rewritten with the helpers below, which build the shapes of upstream's src/utils.ts.

type testCase struct {
	in   string
	want []any
}

type obj = map[string]any

func pl(s string) obj          { return obj{"type": "PLAIN_TEXT", "value": s} }
func para(v ...any) obj        { return obj{"type": "PARAGRAPH", "value": list(v)} }
func bold(v ...any) obj        { return obj{"type": "BOLD", "value": list(v)} }
func ital(v ...any) obj        { return obj{"type": "ITALIC", "value": list(v)} }
func strk(v ...any) obj        { return obj{"type": "STRIKE", "value": list(v)} }
func quote(v ...any) obj       { return obj{"type": "QUOTE", "value": list(v)} }
func ul(v ...any) obj          { return obj{"type": "UNORDERED_LIST", "value": list(v)} }
func ol(v ...any) obj          { return obj{"type": "ORDERED_LIST", "value": list(v)} }
func li(v ...any) obj          { return obj{"type": "LIST_ITEM", "value": list(v)} }
func tasks(v ...any) obj       { return obj{"type": "TASKS", "value": list(v)} }
func big(v ...any) obj         { return obj{"type": "BIG_EMOJI", "value": list(v)} }
func ic(s string) obj          { return obj{"type": "INLINE_CODE", "value": pl(s)} }
func mu(s string) obj          { return obj{"type": "MENTION_USER", "value": pl(s)} }
func mc(s string) obj          { return obj{"type": "MENTION_CHANNEL", "value": pl(s)} }
func emo(sc string) obj        { return obj{"type": "EMOJI", "value": pl(sc), "shortCode": sc} }
func emot(text, sc string) obj { return obj{"type": "EMOJI", "value": pl(text), "shortCode": sc} }
func emoU(u string) obj        { return obj{"type": "EMOJI", "unicode": u} }
func lb() obj                  { return obj{"type": "LINE_BREAK"} }
func cl(s string) obj          { return obj{"type": "CODE_LINE", "value": pl(s)} }
func img(src string, label obj) obj {
	return obj{"type": "IMAGE", "value": obj{"src": pl(src), "label": label}}
}
func lin(n float64, v ...any) obj { return obj{"type": "LIST_ITEM", "value": list(v), "number": n} }
func task(done bool, v ...any) obj {
	return obj{"type": "TASK", "status": done, "value": list(v)}
}
func head(level float64, v ...any) obj {
	return obj{"type": "HEADING", "level": level, "value": list(v)}
}
func code(lang string, lines ...any) obj {
	return obj{"type": "CODE", "language": lang, "value": list(lines)}
}
func ts(t, format string) obj {
	return obj{"type": "TIMESTAMP", "value": obj{"timestamp": t, "format": format}}
}

// lnk is a link; without a label its label is its src.
func lnk(src string, label ...any) obj {
	if len(label) == 0 {
		label = []any{pl(src)}
	}
	return obj{"type": "LINK", "value": obj{"src": pl(src), "label": list(label)}}
}

// auto is what upstream's autoLink makes of src: a link labelled src, whose target gets
// "//" in front when src has no scheme.
func auto(src, href string) obj { return lnk(href, pl(src)) }

func list(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

func doc(v ...any) []any { return list(v) }

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	return string(b)
}

func runCases(t *testing.T, opt Options, cases []testCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got := Parse(tc.in, opt)
			if g, w := jsonOf(t, got), jsonOf(t, tc.want); g != w {
				t.Errorf("Parse(%q)\n got %s\nwant %s", tc.in, g, w)
			}
		})
	}
}

// TestJSONRoundTrip checks that Parse returns only what encoding/json decodes into.
func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	in := "# Title\n> *quote* @all\n- [x] ~done~ :smile:\n1. `code` https://rocket.chat\n```go\nx\n```\n😀 <t:1708551317:R> ![i](https://x.com/a.png)"
	got := Parse(in, Options{Emoticons: true})
	var back []any
	if err := json.Unmarshal([]byte(jsonOf(t, got)), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, back) {
		t.Errorf("round trip differs:\n got %#v\nback %#v", got, back)
	}
}

func TestEmpty(t *testing.T) {
	t.Parallel()
	if got := jsonOf(t, Parse("", Options{})); got != "[]" {
		t.Errorf("Parse(\"\") = %s, want []", got)
	}
}

func TestHelpers(t *testing.T) {
	t.Parallel()
	in := "@alice hi @bob and @alice, `@carol` #general #random #general\n" +
		"> @here see [docs](https://docs.rocket.chat) and google.com or joe@joe.com\n" +
		"```\n@dave #nope https://no.pe\n```\n*@erin* [x](https://docs.rocket.chat)"
	ast := Parse(in, Options{})
	check := func(name string, got, want []string) {
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	check("Mentions", Mentions(ast), []string{"alice", "bob", "here", "erin"})
	check("Channels", Channels(ast), []string{"general", "random"})
	check("URLs", URLs(ast), []string{"https://docs.rocket.chat", "//google.com", "mailto:joe@joe.com"})
	check("Mentions(all)", Mentions(Parse("@all @here", Options{})), []string{"all", "here"})
	check("Mentions(nil)", Mentions(nil), nil)
}

// TestFallback checks that a parse over its work budget returns the text as plain
// paragraphs and line breaks.
func TestFallback(t *testing.T) {
	t.Parallel()
	s := []uint16{'a', '*', '\n', ' ', '\n', 'b'}
	got := jsonOf(t, export(plainBlocks(s)))
	want := jsonOf(t, doc(para(pl("a*")), lb(), para(pl("b"))))
	if got != want {
		t.Errorf("plainBlocks = %s, want %s", got, want)
	}
	p := newParser(s, Options{})
	p.budget = 3
	p.start()
	if !p.exhausted {
		t.Error("a tiny budget did not exhaust")
	}
}

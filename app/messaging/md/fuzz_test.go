package md

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
)

var fuzzSeeds = []string{
	"hello", "*bold* _italic_ ~strike~ `code`", "```js\nx\n```", "> quote\n- a\n- b\n1. c",
	"- [ ] task\n- [x] done", "# heading\n\ntext", "@user #room :smile: 😀 :)", "[a](https://x.com) <https://y.com|b>",
	"joe@joe.com +07563546725 <t:1708551317:R> ![i](https://x.com/i.png)", "google.com http://192.168.0.1",
	"**_**__**_**__", "_a *b ~c [d _e *f ~g", "\\*not\\* \\_x\\_", "\r\n\r\n", "a\u200d\U0001F468\U0001F3FB",
	"[ ~ [ ~ [ ~ [test](https://rocket.chat)", "mailto:x@y.zzz", "* a*", "```\n```", "<t:12345678901:R>",
}

// FuzzParse checks that no input makes Parse panic, that its result is JSON, and that
// the result keeps the letters of the input: upstream drops a few by design (the x of
// "- [x]", the t of "<t:", the "mailto:" of an e-mail with an unknown domain).
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, in string, emoticons bool) {
		ast := Parse(in, Options{Emoticons: emoticons})
		b, err := json.Marshal(ast)
		if err != nil {
			t.Fatalf("Parse(%q) is not JSON: %v", in, err)
		}
		var out strings.Builder
		collectStrings(ast, &out)
		lost := letters(in) - letters(out.String())
		allowed := 6*strings.Count(in, "mailto:") + strings.Count(in, "<t:") + strings.Count(in, "[x]")
		if lost > allowed {
			t.Fatalf("Parse(%q) lost %d letters:\n%s", in, lost, b)
		}
	})
}

func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

func collectStrings(v any, out *strings.Builder) {
	switch v := v.(type) {
	case string:
		out.WriteString(v)
		out.WriteByte(' ')
	case []any:
		for _, e := range v {
			collectStrings(e, out)
		}
	case map[string]any:
		for k, e := range v {
			if k != "type" {
				collectStrings(e, out)
			}
		}
	}
}

// TestPathological checks that inputs built to make a backtracking parser slow take
// a few steps per unit (linear time) and never need the fallback.
func TestPathological(t *testing.T) {
	t.Parallel()
	for name, in := range pathological() {
		s := []uint16(nil)
		for _, r := range in {
			s = append(s, uint16(r))
		}
		p := newParser(s, Options{Emoticons: true})
		p.start()
		ratio := float64(p.steps) / float64(len(s))
		t.Logf("%-12s %6d units, %8d steps (%.1f per unit)", name, len(s), p.steps, ratio)
		if p.exhausted || ratio > 10 {
			t.Errorf("%s: %.1f steps per unit, fell back: %v", name, ratio, p.exhausted)
		}
	}
}

// pathological returns 5,000-unit inputs (ASCII only) of repeated troublesome shapes.
func pathological() map[string]string {
	rep := func(s string) string { return strings.Repeat(s, 5000/len(s)) }
	return map[string]string{
		"word":       rep("a"),
		"dotted":     rep("a."),
		"unclosed":   rep("*a _b ~c "),
		"nested":     rep("*_~[") + "](x",
		"brackets":   rep("[a ") + "](",
		"mentions":   rep("_@a_"),
		"emoticons":  rep(":) "),
		"urlpunct":   "a.com/" + rep("!."),
		"emphasis":   rep("**_**__"),
		"mixed":      rep("*a_ b~ [c]( d@e.f "),
		"closers":    rep("*a *") + rep("_b _"),
		"linkspan":   rep("[*a\n"),
		"underscore": rep("_a"),
		"slack":      rep("<a.com|x "),
		"badclose":   rep("[a ") + "](x) ](https://x.com)",
		"badclose2":  rep("[*a ") + "](x) ](https://x.com)",
		"badclose3":  rep("[_a~ ") + "](x) *](https://x.com)*",
		"urlclose":   rep("](a.com/"),
		"codeless":   rep("`a") + "\n" + rep("```\n"),
		"quotes":     rep("> *a\n"),
		"stars":      rep("*"),
		"unders":     rep("_"),
		"tildes":     rep("~"),
		"ats":        rep("@"),
		"hashes":     rep("#"),
		"colons":     rep(":"),
		"pluses":     rep("+"),
		"ticks":      rep("`"),
		"dashes":     rep("-"),
		"opens":      rep("["),
		"angles":     rep("<"),
		"spaces":     rep(" ") + "x",
		"digits":     rep("1"),
	}
}

// TestStepRatio checks that real messages stay far below the work budget.
func TestStepRatio(t *testing.T) {
	t.Parallel()
	worst := 0.0
	for _, in := range append(fuzzSeeds, benchMessage, strings.Repeat(benchMessage+"\n", 50), heavyMessage) {
		s := []uint16(nil)
		for _, r := range in {
			s = append(s, uint16(r))
		}
		p := newParser(s, Options{Emoticons: true})
		p.start()
		if r := float64(p.steps) / float64(len(s)+1); r > worst {
			worst = r
		}
		if p.exhausted {
			t.Errorf("%q exhausted the budget", in)
		}
	}
	t.Logf("worst steps per unit: %.1f", worst)
}

// heavyMessage is dense with markup, as real messages seldom are.
const heavyMessage = "**Release _notes_** for ~v2~ :tada: see [the *docs*](https://docs.rocket.chat/x_y) or " +
	"<https://x.com|x> and @alice.b @bob:matrix.org #dev-ops `code *here*` _it *b ~s~* [l](https://a.b)_ " +
	"mail joe@joe.com or +(11)99999-9999 at <t:1708551317:R> 😀👍🏽 ![img](https://x.com/a.png)\n" +
	"> quoted *bold* and _it_\n- item *one*\n- [x] done\n1. first\n```js\nlet a = 1\n```\n# Heading"

const benchMessage = "Hey @alice, *please* review https://rocket.chat/docs before 5pm :smile: and ping #general when done!"

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMessage)))
	for b.Loop() {
		Parse(benchMessage, Options{})
	}
}

func BenchmarkParsePathological(b *testing.B) {
	for name, in := range pathological() {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Parse(in, Options{Emoticons: true})
			}
		})
	}
}

func BenchmarkParseLong(b *testing.B) {
	in := strings.Repeat(heavyMessage+"\n", 5000/len(heavyMessage))
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		Parse(in, Options{})
	}
}

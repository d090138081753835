package md

// Options say which optional syntax is on.
type Options struct {
	// Emoticons turns ":)" and friends into EMOJI nodes (upstream's "emoticons").
	Emoticons bool
	// CustomDomains are extra domains (as Rocket.Chat's Message_CustomDomain_AutoLink
	// setting) whose hosts autolink although their top-level domain is unknown,
	// e.g. "intranet" for "wiki.intranet".
	CustomDomains []string
}

// Parse returns the message-parser AST of text: a list of blocks, each a
// map[string]any holding only JSON-like values (string, bool, float64, []any,
// map[string]any), so that Parse's result equals its own encoding/json round trip.
// The empty text gives an empty list.
func Parse(text string, opt Options) []any {
	if text == "" {
		return []any{}
	}
	s := encode(text)
	p := newParser(s, opt)
	nodes := p.start()
	if p.exhausted {
		nodes = plainBlocks(s)
	}
	return export(nodes)
}

// plainBlocks is the text as upstream would parse it without markup: a paragraph per
// line, and a LINE_BREAK per blank line.
func plainBlocks(s []uint16) []*node {
	p := &parser{s: s}
	var out []*node
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if j == len(s) || !isEOL(s[j]) {
			for j < len(s) && !isEOL(s[j]) {
				j++
			}
			out = append(out, p.wrap(kParagraph, []*node{p.plain(s[i:j])}))
		} else {
			out = append(out, p.newNode(kLineBreak))
		}
		i = skipEOL(s, j)
	}
	return out
}

func skipEOL(s []uint16, i int) int {
	switch {
	case i+1 < len(s) && s[i] == '\r' && s[i+1] == '\n':
		return i + 2
	case i < len(s):
		return i + 1
	}
	return i
}

// Mentions returns the usernames mentioned with @name (including "all" and "here"),
// in order, without duplicates. Text in code is never a mention.
func Mentions(ast []any) []string { return collect(ast, "MENTION_USER", mentionName) }

// Channels returns the #channel names linked, in order, without duplicates.
func Channels(ast []any) []string { return collect(ast, "MENTION_CHANNEL", mentionName) }

// URLs returns the targets of the links found (links and autolinks, including
// mailto: and tel: ones), in order, without duplicates. They are the src values of
// the AST: a bare domain's is protocol-relative ("//example.com"), and a markdown
// link's is as written.
func URLs(ast []any) []string { return collect(ast, "LINK", linkSrc) }

func mentionName(m map[string]any) (string, bool) {
	v, _ := m["value"].(map[string]any)
	s, ok := v["value"].(string)
	return s, ok
}

func linkSrc(m map[string]any) (string, bool) {
	v, _ := m["value"].(map[string]any)
	src, _ := v["src"].(map[string]any)
	s, ok := src["value"].(string)
	return s, ok
}

// collect walks the AST in document order and gathers get(node) for the nodes of one
// type.
func collect(ast []any, typ string, get func(map[string]any) (string, bool)) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			if v["type"] == typ {
				if s, ok := get(v); ok && !seen[s] {
					seen[s] = true
					out = append(out, s)
				}
			}
			walk(v["value"])
			walk(v["label"])
		}
	}
	walk(ast)
	return out
}

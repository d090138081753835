package md

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// kind is a node type; kinds map one to one on upstream's "type" strings, except
// kEmojiUnicode (an EMOJI without a short code) and kGroup (a bare list of inlines that
// the next reduce flattens, as upstream's rules that return arrays).
type kind uint8

const (
	kPlain kind = iota
	kBold
	kItalic
	kStrike
	kInlineCode
	kLink
	kImage
	kMentionUser
	kMentionChannel
	kEmoji
	kEmojiUnicode
	kTimestamp
	kParagraph
	kHeading
	kQuote
	kCode
	kCodeLine
	kTasks
	kTask
	kOrderedList
	kUnorderedList
	kListItem
	kLineBreak
	kBigEmoji
	kGroup
)

var typeNames = [...]string{
	kPlain: "PLAIN_TEXT", kBold: "BOLD", kItalic: "ITALIC", kStrike: "STRIKE",
	kInlineCode: "INLINE_CODE", kLink: "LINK", kImage: "IMAGE",
	kMentionUser: "MENTION_USER", kMentionChannel: "MENTION_CHANNEL",
	kEmoji: "EMOJI", kEmojiUnicode: "EMOJI", kTimestamp: "TIMESTAMP",
	kParagraph: "PARAGRAPH", kHeading: "HEADING", kQuote: "QUOTE", kCode: "CODE",
	kCodeLine: "CODE_LINE", kTasks: "TASKS", kTask: "TASK", kOrderedList: "ORDERED_LIST",
	kUnorderedList: "UNORDERED_LIST", kListItem: "LIST_ITEM", kLineBreak: "LINE_BREAK",
	kBigEmoji: "BIG_EMOJI", kGroup: "GROUP",
}

// node is the parser's internal tree. Text stays UTF-16 until the tree is exported, so
// that plain texts holding half of a surrogate pair merge back into one character.
type node struct {
	kind  kind
	edges uint8 // of a plain text premerged by appendItem: edgesKnown|headBlank|tailBlank
	at    int32 // where text starts in the parsed text, or -1 if it is not a slice of it
	// text: the plain text, code, mention name, link or image src, emoji value
	// (short code or emoticon), unicode emoji, or timestamp.
	text []uint16
	aux  string  // emoji short code, code language, timestamp format
	kids []*node // children, or a link's label
	// label is an image's label.
	label    *node
	number   float64 // heading level or list item number
	numbered bool    // a list item has a number
	status   bool    // a task is done
}

// newNode allocates a node from the parse's arena: chunks that are never moved, so
// that the nodes of a parse cost a few allocations instead of one each.
func (p *parser) newNode(k kind) *node {
	if len(p.arena) == cap(p.arena) {
		p.arena = make([]node, 0, min(max(2*cap(p.arena), len(p.s)/8+16), 4096))
	}
	p.arena = p.arena[:len(p.arena)+1]
	n := &p.arena[len(p.arena)-1]
	n.kind = k
	return n
}

func (p *parser) plain(u []uint16) *node {
	n := p.newNode(kPlain)
	n.text, n.at = u, -1
	return n
}

// span is the plain text s[start:end].
func (p *parser) span(start, end int) *node {
	n := p.newNode(kPlain)
	n.text, n.at = p.s[start:end], int32(start)
	return n
}

const (
	edgesKnown = 1 << iota
	headBlank
	tailBlank
)

// appendItem appends it to items, extending the last item instead when both are plain
// texts next to each other in the parsed text: that saves a node per character. The
// reduce that follows would merge them anyway; what it must still see is whether the
// first and the last of the merged items were blank (see joinEmoji), kept in edges.
func (p *parser) appendItem(items []*node, it *node) []*node {
	if it.kind == kPlain && it.at >= 0 && p.extend(items, int(it.at), int(it.at)+len(it.text)) {
		return items
	}
	return append(items, it)
}

// appendSpan appends the plain text s[start:end] to items, as appendItem would.
func (p *parser) appendSpan(items []*node, start, end int) []*node {
	if p.extend(items, start, end) {
		return items
	}
	return append(items, p.span(start, end))
}

// extend extends the last of items with s[start:end] if it is the plain text just
// before it.
func (p *parser) extend(items []*node, start, end int) bool {
	if len(items) == 0 {
		return false
	}
	last := items[len(items)-1]
	if last.kind != kPlain || last.at < 0 || int(last.at)+len(last.text) != start {
		return false
	}
	if last.edges == 0 {
		last.edges = edgesKnown | blankEdges(last.text)
	}
	last.edges = last.edges&^tailBlank | blankEdges(p.s[start:end])&tailBlank
	last.text = p.s[last.at:end]
	return true
}

func blankEdges(u []uint16) uint8 {
	if blank(u) {
		return headBlank | tailBlank
	}
	return 0
}

// isText reports whether n is non-blank plain text where it touches an emoji on its
// side (head or tail).
func isText(n *node, side uint8) bool {
	if n == nil || n.kind != kPlain {
		return false
	}
	if n.edges != 0 {
		return n.edges&side == 0
	}
	return !blank(n.text)
}

func (p *parser) wrap(k kind, kids []*node) *node {
	n := p.newNode(k)
	n.kids = kids
	return n
}

func (p *parser) leaf(k kind, text []uint16) *node {
	n := p.newNode(k)
	n.text = text
	return n
}

func (p *parser) link(src []uint16, label []*node) *node {
	if label == nil {
		label = []*node{p.plain(src)}
	}
	n := p.wrap(kLink, label)
	n.text = src
	return n
}

func (p *parser) shortCodeEmoji(shortCode []uint16) *node {
	n := p.leaf(kEmoji, shortCode)
	n.aux = str(shortCode)
	return n
}

// reduce flattens groups, turns emoji glued to text into text (upstream's joinEmoji)
// and merges adjacent plain texts (upstream's reducePlainTexts).
func (p *parser) reduce(items []*node) []*node {
	flat := items
	for _, it := range items {
		if it.kind == kGroup {
			flat = flatten(items)
			break
		}
	}
	out := make([]*node, 0, len(flat))
	run := 0 // how many plain texts end out, still to be merged
	for i, it := range flat {
		var prev, next *node
		if i > 0 {
			prev = flat[i-1]
		}
		if i+1 < len(flat) {
			next = flat[i+1]
		}
		cur := p.joinEmoji(it, prev, next)
		if cur.kind != kPlain {
			out = p.mergeTail(out, run)
			run = 0
		} else {
			run++
		}
		out = append(out, cur)
	}
	out = p.mergeTail(out, run)
	for _, n := range out {
		n.edges = 0 // from here on, upstream sees each text as one
	}
	return out
}

// mergeTail replaces the last n nodes of out, plain texts, by one.
func (p *parser) mergeTail(out []*node, n int) []*node {
	if n < 2 {
		return out
	}
	tail := out[len(out)-n:]
	size := 0
	for _, t := range tail {
		size += len(t.text)
	}
	text := make([]uint16, 0, size)
	for _, t := range tail {
		text = append(text, t.text...)
	}
	out = out[:len(out)-n]
	return append(out, p.plain(text))
}

func flatten(items []*node) []*node {
	var flat []*node
	for _, it := range items {
		if it.kind == kGroup {
			flat = append(flat, it.kids...)
			continue
		}
		flat = append(flat, it)
	}
	return flat
}

// joinEmoji turns a short-code emoji or emoticon that touches another emoji, or
// non-blank text, back into text.
func (p *parser) joinEmoji(cur, prev, next *node) *node {
	if cur.kind != kEmoji || prev == nil && next == nil {
		return cur
	}
	isEmoji := func(n *node) bool { return n != nil && (n.kind == kEmoji || n.kind == kEmojiUnicode) }
	if !isEmoji(prev) && !isEmoji(next) && !isText(prev, tailBlank) && !isText(next, headBlank) {
		return cur
	}
	if cur.aux != str(cur.text) { // an emoticon: keep its text
		return p.plain(cur.text)
	}
	u := make([]uint16, 0, len(cur.text)+2)
	u = append(append(append(u, ':'), cur.text...), ':')
	return p.plain(u)
}

func blank(u []uint16) bool {
	for _, c := range u {
		if !isJSSpace(c) {
			return false
		}
	}
	return true
}

// export turns the tree into JSON-like values: map[string]any, []any, string, bool
// and float64, the shapes encoding/json decodes into.
func export(nodes []*node) []any {
	out := make([]any, len(nodes))
	for i, n := range nodes {
		out[i] = n.export()
	}
	return out
}

// str decodes UTF-16 into a string; a lone surrogate becomes U+FFFD.
func str(u []uint16) string {
	var b strings.Builder
	b.Grow(len(u))
	for i := 0; i < len(u); i++ {
		c := rune(u[i])
		switch {
		case c < utf8.RuneSelf:
			b.WriteByte(byte(c))
			continue
		case utf16.IsSurrogate(c) && i+1 < len(u):
			if r := utf16.DecodeRune(c, rune(u[i+1])); r != utf8.RuneError {
				c = r
				i++
			}
		}
		if utf16.IsSurrogate(c) {
			c = utf8.RuneError
		}
		b.WriteRune(c)
	}
	return b.String()
}

// encode encodes a string as UTF-16, as JavaScript holds it.
func encode(s string) []uint16 {
	u := make([]uint16, 0, len(s))
	for _, r := range s {
		if r < 0x10000 {
			u = append(u, uint16(r))
			continue
		}
		hi, lo := utf16.EncodeRune(r)
		u = append(u, uint16(hi), uint16(lo))
	}
	return u
}

func plainMap(u []uint16) map[string]any {
	return map[string]any{"type": "PLAIN_TEXT", "value": str(u)}
}

// typeValues holds the type names already boxed, which saves an allocation a node.
var typeValues = func() (v [len(typeNames)]any) {
	for k, name := range typeNames {
		v[k] = name
	}
	return v
}()

func (n *node) export() map[string]any {
	t := typeValues[n.kind]
	switch n.kind {
	case kPlain:
		return map[string]any{"type": t, "value": str(n.text)}
	case kInlineCode, kCodeLine, kMentionUser, kMentionChannel:
		return map[string]any{"type": t, "value": plainMap(n.text)}
	case kLink:
		return map[string]any{"type": t, "value": map[string]any{"src": plainMap(n.text), "label": export(n.kids)}}
	case kImage:
		return map[string]any{"type": t, "value": map[string]any{"src": plainMap(n.text), "label": n.label.export()}}
	case kEmoji:
		return map[string]any{"type": t, "value": plainMap(n.text), "shortCode": n.aux}
	case kEmojiUnicode:
		return map[string]any{"type": t, "unicode": str(n.text)}
	case kTimestamp:
		return map[string]any{"type": t, "value": map[string]any{"timestamp": str(n.text), "format": n.aux}}
	case kLineBreak:
		return map[string]any{"type": t}
	case kHeading:
		return map[string]any{"type": t, "level": n.number, "value": export(n.kids)}
	case kCode:
		return map[string]any{"type": t, "language": n.aux, "value": export(n.kids)}
	case kTask:
		return map[string]any{"type": t, "status": n.status, "value": export(n.kids)}
	case kListItem:
		if n.numbered {
			return map[string]any{"type": t, "number": n.number, "value": export(n.kids)}
		}
	}
	return map[string]any{"type": t, "value": export(n.kids)}
}

// parseNumber is JavaScript's parseInt(digits, 10) for a string of ASCII digits, except
// that a number too large for a float64 (Infinity there, which JSON cannot hold) is
// clamped to the largest float64.
func parseNumber(digits []uint16) float64 {
	f, err := strconv.ParseFloat(str(digits), 64)
	if err != nil || math.IsInf(f, 0) {
		return math.MaxFloat64
	}
	return f
}

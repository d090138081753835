package md

// parser is one parse of one text: a recursive-descent transcription of upstream's
// PEG grammar. Every rule method either returns a result and advances pos, or returns
// nil and leaves pos where it found it. The skip flags are upstream's global flags with
// the same names: they stop a rule from re-entering itself and make an emoji count only
// after a recognised item, and they change (and stay changed) exactly when upstream's
// actions change them.
type parser struct {
	s   []uint16
	pos int
	opt Options

	skipBold, skipItalic, skipStrike, skipRefs      bool
	skipBoldEmoji, skipItalicEmoji, skipInlineEmoji bool

	// steps counts the work done; past budget the parse gives up (exhausted) and
	// Parse falls back to plain text, which bounds the time of any input.
	steps, budget int
	exhausted     bool

	memo  memo
	arena []node // see newNode
}

func newParser(s []uint16, opt Options) *parser {
	return &parser{s: s, opt: opt, budget: stepBudget(len(s))}
}

// stepBudget allows far more work than any real message needs (see TestStepRatio).
func stepBudget(n int) int { return 20_000 + 50*n }

// tick counts one step of work and reports whether the budget still allows more.
func (p *parser) tick() bool {
	p.steps++
	if p.steps > p.budget {
		p.exhausted = true
	}
	return !p.exhausted
}

// at returns the unit at i, or 0 past the end (callers that accept 0 check the end).
func (p *parser) at(i int) uint16 {
	if i < len(p.s) {
		return p.s[i]
	}
	return 0
}

func (p *parser) more(i int) bool { return i < len(p.s) }

// has reports whether the ASCII literal lit is at i.
func (p *parser) has(i int, lit string) bool {
	if i+len(lit) > len(p.s) {
		return false
	}
	for k := 0; k < len(lit); k++ {
		if p.s[i+k] != uint16(lit[k]) {
			return false
		}
	}
	return true
}

// eol consumes one line end: \r\n, \n or \r.
func (p *parser) eol() bool {
	switch {
	case p.has(p.pos, "\r\n"):
		p.pos += 2
	case isEOL(p.at(p.pos)):
		p.pos++
	default:
		return false
	}
	return true
}

// skipSpaces consumes [ \t]* and reports how many units it consumed.
func (p *parser) skipSpaces() int {
	start := p.pos
	for p.pos < len(p.s) && isSpace(p.s[p.pos]) {
		p.pos++
	}
	return p.pos - start
}

// start is the grammar's Start: a message of one to three emoji and nothing else is
// BIG_EMOJI; anything else is a list of blocks and paragraphs.
func (p *parser) start() []*node {
	if b := p.bigEmoji(); b != nil && p.pos == len(p.s) {
		return []*node{b}
	}
	p.pos = 0
	var out []*node
	for p.pos < len(p.s) && p.tick() {
		if b := p.block(); b != nil {
			out = append(out, b)
			continue
		}
		if v := p.inline(); v != nil {
			out = append(out, p.wrap(kParagraph, v))
			continue
		}
		if p.eol() {
			out = append(out, p.wrap(kParagraph, []*node{p.plain(nil)}))
			continue
		}
		p.exhausted = true // upstream throws a syntax error; we fall back
	}
	return out
}

func (p *parser) block() *node {
	if n := p.blockquote(); n != nil {
		return n
	}
	if n := p.code(); n != nil {
		return n
	}
	if n := p.heading(); n != nil {
		return n
	}
	if n := p.tasks(); n != nil {
		return n
	}
	if n := p.orderedList(); n != nil {
		return n
	}
	if n := p.unorderedList(); n != nil {
		return n
	}
	return p.lineBreak()
}

// blockquote is one or more lines "> text", each a paragraph.
func (p *parser) blockquote() *node {
	var paras []*node
	for p.at(p.pos) == '>' && p.tick() {
		start := p.pos
		p.pos++
		p.skipSpaces()
		v := p.inline()
		if v == nil {
			p.pos = start
			break
		}
		paras = append(paras, p.wrap(kParagraph, v))
	}
	if paras == nil {
		return nil
	}
	return p.wrap(kQuote, paras)
}

// code is a fenced block: ```lang, a line end, lines, a line end and ```.
func (p *parser) code() *node {
	start := p.pos
	if !p.has(p.pos, "```") {
		return nil
	}
	p.pos += 3
	langStart := p.pos
	for p.more(p.pos) && isLanguageChar(p.s[p.pos]) {
		p.pos++
	}
	lang := "none"
	if p.pos > langStart {
		lang = str(p.s[langStart:p.pos])
	}
	var lines []*node
	if p.eol() {
		for p.tick() {
			l := p.codeLine()
			if l == nil {
				break
			}
			lines = append(lines, l)
		}
	}
	if lines == nil || !p.eol() || !p.has(p.pos, "```") {
		p.pos = start
		return nil
	}
	p.pos += 3
	n := p.wrap(kCode, lines)
	n.aux = lang
	return n
}

func isLanguageChar(c uint16) bool {
	return isAlphaDigit(c) || c == ' ' || c == '_' || c == '-' || c == '.'
}

// codeLine is a chunk, a "\n" and a chunk, or an empty line (a "\n" not before ```).
func (p *parser) codeLine() *node {
	if c := p.codeChunk(); c != nil {
		return c
	}
	if p.at(p.pos) != '\n' {
		return nil
	}
	p.pos++
	if c := p.codeChunk(); c != nil {
		return c
	}
	if p.has(p.pos, "```") {
		p.pos--
		return nil
	}
	return p.newNode(kCodeLine)
}

// codeChunk is text up to a line end or ```.
func (p *parser) codeChunk() *node {
	start := p.pos
	for p.more(p.pos) && !isEOL(p.s[p.pos]) && !p.has(p.pos, "```") && p.tick() {
		p.pos++
	}
	if p.pos == start {
		return nil
	}
	return p.leaf(kCodeLine, p.s[start:p.pos])
}

// heading is one to four #, spaces and the rest of the line as plain text. The line
// end is left for the next block, so it becomes a LINE_BREAK.
func (p *parser) heading() *node {
	start := p.pos
	level := 0
	for level < 4 && p.at(p.pos) == '#' {
		p.pos++
		level++
	}
	if level == 0 || p.skipSpaces() == 0 {
		p.pos = start
		return nil
	}
	textStart := p.pos
	for p.more(p.pos) && !isEOL(p.s[p.pos]) {
		p.pos++
	}
	if p.pos == textStart {
		p.pos = start
		return nil
	}
	n := p.wrap(kHeading, []*node{p.span(textStart, p.pos)})
	n.number = float64(level)
	return n
}

// tasks is one or more "- [ ] text" or "- [x] text" lines.
func (p *parser) tasks() *node {
	var items []*node
	for p.has(p.pos, "- [") && p.tick() {
		start := p.pos
		flag := p.at(p.pos + 3)
		if flag != 'x' && flag != ' ' || p.at(p.pos+4) != ']' {
			break
		}
		p.pos += 5
		var v []*node
		if p.skipSpaces() > 0 {
			v = p.inline()
		}
		if v == nil {
			p.pos = start
			break
		}
		n := p.wrap(kTask, v)
		n.status = flag == 'x'
		items = append(items, n)
	}
	if items == nil {
		return nil
	}
	return p.wrap(kTasks, items)
}

// orderedList is one or more "N. text" lines.
func (p *parser) orderedList() *node {
	var items []*node
	for isDigit(p.at(p.pos)) && p.tick() {
		start := p.pos
		for isDigit(p.at(p.pos)) {
			p.pos++
		}
		digits := p.s[start:p.pos]
		var v []*node
		if p.at(p.pos) == '.' {
			p.pos++
			if p.skipSpaces() > 0 {
				v = p.inline()
			}
		}
		if v == nil {
			p.pos = start
			break
		}
		n := p.wrap(kListItem, v)
		n.number, n.numbered = parseNumber(digits), true
		items = append(items, n)
	}
	if items == nil {
		return nil
	}
	return p.wrap(kOrderedList, items)
}

// unorderedList is one or more "- text" lines, or one or more "* text" lines.
func (p *parser) unorderedList() *node {
	var items []*node
	marker := p.at(p.pos)
	if marker != '-' && marker != '*' {
		return nil
	}
	for p.at(p.pos) == marker && p.tick() {
		start := p.pos
		p.pos++
		var v []*node
		if p.skipSpaces() > 0 {
			if marker == '-' {
				v = p.inline()
			} else {
				v = p.asteriskItem()
			}
		}
		if v == nil {
			p.pos = start
			break
		}
		items = append(items, p.wrap(kListItem, v))
	}
	if items == nil {
		return nil
	}
	return p.wrap(kUnorderedList, items)
}

// asteriskItem is the text of a "* " item: inline items, where a fallback character
// cannot be '*', the item cannot end before a '*', and emoji are always recognised.
func (p *parser) asteriskItem() []*node {
	start := p.pos
	var items []*node
	for p.tick() {
		p.skipInlineEmoji = false
		it := p.inlineItem()
		if it == nil && p.at(p.pos) != '*' {
			if start, ok := p.anyChar(); ok {
				it = p.span(start, p.pos)
			}
		}
		if it == nil {
			break
		}
		p.skipInlineEmoji = false
		items = p.appendItem(items, it)
	}
	if items == nil || p.at(p.pos) == '*' {
		p.pos = start
		return nil
	}
	p.eol()
	return p.reduce(items)
}

// lineBreak is optional spaces and a line end.
func (p *parser) lineBreak() *node {
	start := p.pos
	p.skipSpaces()
	if !p.eol() {
		p.pos = start
		return nil
	}
	return p.newNode(kLineBreak)
}

package md

// inline is the grammar's Inline: one or more items, then an optional line end. A
// character no rule recognises is plain text and stops the next emoji from counting
// (so "a:smile:" is text), as upstream's skipInlineEmoji does.
func (p *parser) inline() []*node {
	p.skipInlineEmoji = false
	var items []*node
	for p.tick() {
		if it := p.inlineItem(); it != nil {
			p.skipInlineEmoji = false
			items = p.appendItem(items, it)
			continue
		}
		if start, ok := p.anyChar(); ok {
			p.skipInlineEmoji = true
			items = p.appendSpan(items, start, p.pos)
			continue
		}
		break
	}
	if items == nil {
		return nil
	}
	p.eol()
	p.skipInlineEmoji = false
	return p.reduce(items)
}

// inlineItem is InlineItemPattern: the recognised inline constructs, in upstream's order.
func (p *parser) inlineItem() *node {
	if !p.more(p.pos) {
		return nil
	}
	c := p.s[p.pos]
	if n := p.whitespace(); n != nil {
		return n
	}
	if c == '<' {
		if n := p.timestamp(); n != nil {
			return n
		}
	}
	if n := p.maybeReferences(); n != nil {
		return n
	}
	if n := p.autolinkedPhone(); n != nil {
		return n
	}
	if n := p.autolinkedEmail(); n != nil {
		return n
	}
	if n := p.autolinkedURL(); n != nil {
		return n
	}
	if n := p.emphasisWithWhitespace(); n != nil {
		return n
	}
	return p.inlineItemRest()
}

func (p *parser) inlineItemRest() *node {
	if n := p.emphasis(); n != nil {
		return n
	}
	if n := p.userMention(); n != nil {
		return n
	}
	if n := p.channelMention(); n != nil {
		return n
	}
	if !p.skipInlineEmoji {
		if n := p.emoji(); n != nil {
			return n
		}
	}
	if n := p.inlineCode(); n != nil {
		return n
	}
	if n := p.image(); n != nil {
		return n
	}
	if n := p.inlineEmoticon(); n != nil {
		return n
	}
	return p.escaped()
}

// anyChar is the fallback: one character, and with it a phone number or URL glued to
// it, all as plain text (so "x+12345" and "a.https://x.com" stay text).
func (p *parser) anyChar() (start int, ok bool) {
	if !p.more(p.pos) || isEOL(p.s[p.pos]) {
		return 0, false
	}
	start = p.pos
	p.pos++
	p.phone()
	p.url()
	return start, true
}

func (p *parser) whitespace() *node {
	start := p.pos
	if p.skipSpaces() == 0 {
		return nil
	}
	return p.span(start, p.pos)
}

// escaped is a backslash before one of * _ ~ ` # . : the character alone, as text.
func (p *parser) escaped() *node {
	if p.at(p.pos) != '\\' {
		return nil
	}
	switch c := p.at(p.pos + 1); c {
	case '*', '_', '~', '`', '#', '.':
		p.pos += 2
		return p.span(p.pos-1, p.pos)
	}
	return nil
}

// inlineCode is `text` on one line.
func (p *parser) inlineCode() *node {
	if p.at(p.pos) != '`' {
		return nil
	}
	i := p.pos + 1
	for p.more(i) && p.s[i] != '`' && p.s[i] != '\n' && p.tick() {
		i++
	}
	if i == p.pos+1 || p.at(i) != '`' {
		return nil
	}
	n := p.leaf(kInlineCode, p.s[p.pos+1:i])
	p.pos = i + 1
	return n
}

// userMention is @name, @name:server or @name@server. A text character glued before
// "@x" makes it text instead (and swallows repeated @s: upstream keeps one).
func (p *parser) userMention() *node {
	start := p.pos
	c := p.at(start)
	if p.more(start) && isAnyText(c) && p.at(start+1) == '@' {
		i := p.sameEnd(start + 1)
		if p.more(i) && isAlphaNumeric(p.s[i]) {
			p.pos = i + 1
			return p.plain([]uint16{c, '@', p.s[i]})
		}
	}
	if c != '@' {
		return nil
	}
	i := p.sameEnd(start)
	e := p.nameEnd(i)
	if e == i {
		return nil
	}
	if sep := p.at(e); sep == ':' || sep == '@' {
		if e2 := p.nameEnd(e + 1); e2 > e+1 {
			e = e2
		}
	}
	p.pos = e
	return p.leaf(kMentionUser, p.s[i:e])
}

// channelMention is #name; a text character glued before "#x" makes it text.
func (p *parser) channelMention() *node {
	start := p.pos
	c := p.at(start)
	if p.more(start) && isAnyText(c) && p.at(start+1) == '#' && p.more(start+2) && isAlphaNumeric(p.s[start+2]) {
		p.pos = start + 3
		return p.plain([]uint16{c, '#', p.s[start+2]})
	}
	if c != '#' {
		return nil
	}
	e := p.nameEnd(start + 1)
	if e == start+1 {
		return nil
	}
	p.pos = e
	return p.leaf(kMentionChannel, p.s[start+1:e])
}

func (p *parser) nameEnd(i int) int {
	for p.more(i) && isNameChar(p.s[i]) {
		i++
	}
	return i
}

// emphasisWithWhitespace is delimiters around only spaces ("* *", "__ __"): text.
func (p *parser) emphasisWithWhitespace() *node {
	c := p.at(p.pos)
	if c != '*' && c != '_' && c != '~' {
		return nil
	}
	i := p.sameEnd(p.pos)
	j := i
	for isSpace(p.at(j)) {
		j++
	}
	if j == i || p.at(j) != c {
		return nil
	}
	n := p.span(p.pos, p.sameEnd(j))
	p.pos = p.sameEnd(j)
	return n
}

func (p *parser) emphasis() *node {
	if n := p.maybeBold(); n != nil {
		return n
	}
	if n := p.maybeItalic(); n != nil {
		return n
	}
	return p.maybeStrike()
}

// maybeBold and its siblings stop a bold from starting inside a bold, and so on.
func (p *parser) maybeBold() *node {
	if p.skipBold || p.at(p.pos) != '*' {
		return nil
	}
	p.skipBold = true
	n := p.delimited('*', p.boldContent)
	p.skipBold = false
	return n
}

func (p *parser) maybeStrike() *node {
	if p.skipStrike || p.at(p.pos) != '~' {
		return nil
	}
	p.skipStrike = true
	n := p.delimited('~', p.strikeContent)
	p.skipStrike = false
	return n
}

func (p *parser) maybeItalic() *node {
	if p.skipItalic {
		return nil
	}
	p.skipItalic = true
	n := p.italic()
	p.skipItalic = false
	return n
}

// delimited is cc content cc, else c content c.
func (p *parser) delimited(c uint16, content func() *node) *node {
	start := p.pos
	if !p.closerAhead(start+1, c) {
		return nil
	}
	if p.at(start+1) == c {
		p.pos = start + 2
		if n := content(); n != nil && p.at(p.pos) == c && p.at(p.pos+1) == c {
			p.pos += 2
			return n
		}
	}
	p.pos = start + 1
	if n := content(); n != nil && p.at(p.pos) == c {
		p.pos++
		return n
	}
	p.pos = start
	return nil
}

// boldContent is the inside of a bold. An emoji counts only after a recognised item.
func (p *parser) boldContent() *node {
	p.skipBoldEmoji = false
	var items []*node
	for p.tick() {
		if it := p.boldPreferred(); it != nil {
			items = p.appendItem(items, it)
			continue
		}
		if start, ok := p.anyBut('*'); ok {
			p.skipBoldEmoji = true
			items = p.appendSpan(items, start, p.pos)
			continue
		}
		break
	}
	if items == nil {
		return nil
	}
	p.skipBoldEmoji = false
	return p.wrap(kBold, p.reduce(items))
}

func (p *parser) boldPreferred() *node {
	n := p.markupItem()
	if n == nil {
		n = p.maybeItalic()
	}
	if n == nil {
		n = p.maybeStrike()
	}
	if n == nil && !p.skipBoldEmoji {
		n = p.emoji()
		if n == nil {
			n = p.emoticonBefore(p.boldPreferred, 0)
		}
	}
	if n != nil {
		p.skipBoldEmoji = false
	}
	return n
}

// markupItem is what every emphasis may hold first: spaces, code, a link, mentions.
func (p *parser) markupItem() *node {
	if n := p.whitespace(); n != nil {
		return n
	}
	if n := p.inlineCode(); n != nil {
		return n
	}
	if n := p.maybeReferences(); n != nil {
		return n
	}
	if n := p.userMention(); n != nil {
		return n
	}
	return p.channelMention()
}

// emoticonBefore is an emoticon followed by a space, a line end, '*', the end, the
// closer c (when not 0) or something next() recognises.
func (p *parser) emoticonBefore(next func() *node, c uint16) *node {
	start := p.pos
	e := p.emoticon()
	if e == nil {
		return nil
	}
	after := p.pos
	ok := p.emoticonNeighbor() || next() != nil || c != 0 && p.at(after) == c
	p.pos = after
	if !ok {
		p.pos = start
		return nil
	}
	return e
}

func (p *parser) emoticonNeighbor() bool {
	c := p.at(p.pos)
	return !p.more(p.pos) || isEOL(c) || isSpace(c) || c == '*'
}

// anyBut is one character but a line end, a space or c; else a Line (spaces around
// text characters), which upstream tries last.
func (p *parser) anyBut(c uint16) (start int, ok bool) {
	start = p.pos
	if p.more(p.pos) {
		if d := p.s[p.pos]; d != '\n' && d != ' ' && d != c {
			p.pos++
			return start, true
		}
	}
	return start, p.line() != nil
}

// line is spaces, one or more text characters and spaces.
func (p *parser) line() *node {
	start := p.pos
	p.skipSpaces()
	t := p.pos
	for p.more(p.pos) && isAnyText(p.s[p.pos]) {
		p.pos++
	}
	if p.pos == t {
		p.pos = start
		return nil
	}
	p.skipSpaces()
	return p.span(start, p.pos)
}

// strikeContent is the inside of a strike.
func (p *parser) strikeContent() *node {
	var items []*node
	for p.tick() {
		it := p.strikeItem()
		if it == nil {
			break
		}
		items = p.appendItem(items, it)
	}
	if items == nil {
		return nil
	}
	return p.wrap(kStrike, p.reduce(items))
}

func (p *parser) strikeItem() *node {
	if p.at(p.pos) == '<' {
		if n := p.timestamp(); n != nil {
			return n
		}
	}
	if n := p.markupItem(); n != nil {
		return n
	}
	if n := p.maybeItalic(); n != nil {
		return n
	}
	if n := p.maybeBold(); n != nil {
		return n
	}
	if n := p.emoji(); n != nil {
		return n
	}
	if n := p.emoticon(); n != nil {
		return n
	}
	if start, ok := p.anyBut('~'); ok {
		return p.span(start, p.pos)
	}
	return nil
}

// italic is, in upstream's order: a word glued to underscores (text); __x__word and
// _x_word (text around the inner items); __x__; _x_.
func (p *parser) italic() *node {
	start := p.pos
	c := p.at(start)
	if isAlphaDigit(c) {
		e := p.alnumEnd(start)
		if p.at(e) != '_' {
			return nil
		}
		e++
		if p.at(e) == '_' {
			e++
		}
		p.pos = e
		return p.span(start, e)
	}
	if c != '_' || !p.closerAhead(start+1, '_') {
		return nil
	}
	if n := p.italicGlued(start); n != nil {
		return n
	}
	if p.at(start+1) == '_' {
		p.pos = start + 2
		if n := p.italicContent(); n != nil && p.has(p.pos, "__") {
			p.pos += 2
			return n
		}
	}
	p.pos = start + 1
	if n := p.italicContent(); n != nil && p.at(p.pos) == '_' {
		p.pos++
		return n
	}
	p.pos = start
	return nil
}

// italicGlued is __x__word or _x_word: not an italic but its pieces, as a group.
func (p *parser) italicGlued(start int) *node {
	for _, double := range []bool{true, false} {
		d := 1
		if double {
			if p.at(start+1) != '_' {
				continue
			}
			d = 2
		}
		p.pos = start + d
		items := p.italicItems()
		if items == nil || p.at(p.pos) != '_' || double && p.at(p.pos+1) != '_' {
			continue
		}
		t := p.pos + d
		e := t
		for isASCIILetter(p.at(e)) || double && isDigit(p.at(e)) {
			e++
		}
		if e == t {
			continue
		}
		p.pos = e
		delim := p.s[start : start+d]
		parts := append(append([]*node{p.plain(delim)}, items...), p.plain(delim), p.span(t, e))
		return p.wrap(kGroup, p.reduce(parts))
	}
	p.pos = start
	return nil
}

func (p *parser) italicContent() *node {
	p.skipItalicEmoji = false
	items := p.italicItems()
	if items == nil {
		return nil
	}
	p.skipItalicEmoji = false
	return p.wrap(kItalic, items)
}

// italicItems is the inside of an italic. An emoji counts only after a recognised
// item; the flag carries over from the last italic when this starts.
func (p *parser) italicItems() []*node {
	var items []*node
	for p.tick() {
		if it := p.italicPreferred(); it != nil {
			items = p.appendItem(items, it)
			continue
		}
		if start, ok := p.anyBut('_'); ok {
			p.skipItalicEmoji = true
			items = p.appendSpan(items, start, p.pos)
			continue
		}
		break
	}
	if items == nil {
		return nil
	}
	return p.reduce(items)
}

func (p *parser) italicPreferred() *node {
	n := p.markupItem()
	if n == nil {
		n = p.maybeBold()
	}
	if n == nil {
		n = p.maybeStrike()
	}
	if n == nil && !p.skipItalicEmoji {
		n = p.emoji()
		if n == nil {
			n = p.emoticonBefore(p.italicPreferred, '_')
		}
	}
	if n != nil {
		p.skipItalicEmoji = false
	}
	return n
}

// inlineEmoticon is an emoticon (when enabled) before a space, a line end, '*', the
// end, or another recognised item.
func (p *parser) inlineEmoticon() *node {
	if p.skipInlineEmoji {
		return nil
	}
	n := p.emoticonBefore(p.inlineItem, 0)
	if n != nil {
		p.skipInlineEmoji = false
	}
	return n
}

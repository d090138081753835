package md

// timestamp is <t:UNIXTIME> or <t:UNIXTIME:F> with ten digits and F one of tTdDfFR.
func (p *parser) timestamp() *node {
	if !p.has(p.pos, "<t:") {
		return nil
	}
	i := p.pos + 3
	for k := 0; k < 10; k++ {
		if !isDigit(p.at(i + k)) {
			return nil
		}
	}
	j := i + 10
	format := "t"
	switch {
	case p.at(j) == ':' && isTimestampFormat(p.at(j+1)) && p.at(j+2) == '>':
		format = string(rune(p.s[j+1]))
		p.pos = j + 3
	case p.at(j) == '>':
		p.pos = j + 1
	default:
		return nil
	}
	n := p.leaf(kTimestamp, p.s[i:j])
	n.aux = format
	return n
}

func isTimestampFormat(c uint16) bool {
	switch c {
	case 't', 'T', 'd', 'D', 'f', 'F', 'R':
		return true
	}
	return false
}

// maybeReferences stops a link from starting inside a link's label.
func (p *parser) maybeReferences() *node {
	c := p.at(p.pos)
	if p.skipRefs || c != '[' && c != '<' {
		return nil
	}
	p.skipRefs = true
	var n *node
	if c == '[' {
		n = p.markdownLink()
	} else {
		n = p.slackLink()
	}
	p.skipRefs = false
	return n
}

// markdownLink is [label](href). The label runs to the first "](" not inside an
// emphasis, across lines if need be, and holds text and emphasis only.
func (p *parser) markdownLink() *node {
	start := p.pos
	if !p.linkCloseAhead(start + 1) {
		return nil
	}
	p.pos++
	var label []*node
	for p.more(p.pos) && p.tick() {
		if n := p.whitespace(); n != nil {
			label = p.appendItem(label, n)
			continue
		}
		if n := p.emphasis(); n != nil {
			label = p.appendItem(label, n)
			continue
		}
		if p.has(p.pos, "](") && p.more(p.pos+2) {
			break
		}
		label = p.appendItem(label, p.span(p.pos, p.pos+1))
		p.pos++
	}
	if !p.has(p.pos, "](") {
		p.pos = start
		return nil
	}
	p.pos += 2
	href := p.linkRef()
	if href == nil || p.at(p.pos) != ')' {
		p.pos = start
		return nil
	}
	p.pos++
	if label == nil {
		return p.link(href, nil)
	}
	return p.link(href, p.reduce(label))
}

// slackLink is <href|label>.
func (p *parser) slackLink() *node {
	start := p.pos
	p.pos++
	href := p.linkRef()
	if href == nil || p.at(p.pos) != '|' {
		p.pos = start
		return nil
	}
	p.pos++
	t := p.pos
	for p.more(p.pos) && isLinkTitle2Char(p.s[p.pos]) && p.tick() {
		p.pos++
	}
	if p.pos == t || p.at(p.pos) != '>' {
		p.pos = start
		return nil
	}
	p.pos++
	return p.link(href, []*node{p.span(t, p.pos-1)})
}

// linkRef is the target of a link: a URL, a "scheme:path", or a phone number (as tel:).
func (p *parser) linkRef() []uint16 {
	start := p.pos
	if p.url() || p.filePath() {
		return p.s[start:p.pos]
	}
	if end, number, ok := p.phoneAt(p.pos); ok {
		p.pos = end
		return append([]uint16{'t', 'e', 'l', ':'}, number...)
	}
	return nil
}

// image is ![label](href); the label is one Line of text.
func (p *parser) image() *node {
	start := p.pos
	if !p.has(p.pos, "![") {
		return nil
	}
	p.pos += 2
	label := p.line()
	if !p.has(p.pos, "](") {
		p.pos = start
		return nil
	}
	p.pos += 2
	href := p.linkRef()
	if href == nil || p.at(p.pos) != ')' {
		p.pos = start
		return nil
	}
	p.pos++
	if label == nil {
		label = p.plain(href)
	}
	n := p.leaf(kImage, href)
	n.label = label
	return n
}

// url is scheme://[user[:password]@]host[:port] and a body, or host[:port] and a body.
func (p *parser) url() bool {
	start := p.pos
	if p.scheme() && p.authority() {
		p.urlBody()
		return true
	}
	p.pos = start
	if p.authorityHost() {
		p.urlBody()
		return true
	}
	p.pos = start
	return false
}

// filePath is scheme: and a non-empty body ("C:/Users/x", "notes://x").
func (p *parser) filePath() bool {
	start := p.pos
	if p.scheme() && p.urlBody() {
		return true
	}
	p.pos = start
	return false
}

// scheme is one to 32 of [A-Za-z0-9+-] and a colon.
func (p *parser) scheme() bool {
	i := p.pos
	for i-p.pos < 32 && (isAlphaDigit(p.at(i)) || p.at(i) == '+' || p.at(i) == '-') {
		i++
	}
	if i == p.pos || p.at(i) != ':' {
		return false
	}
	p.pos = i + 1
	return true
}

func (p *parser) authority() bool {
	if !p.has(p.pos, "//") {
		return false
	}
	start := p.pos
	p.pos += 2
	p.userInfo()
	if !p.authorityHost() {
		p.pos = start
		return false
	}
	return true
}

// userInfo is user[:password]@, made of letters, digits and $&+_#?-.
func (p *parser) userInfo() {
	e := p.userEnd(p.pos)
	if e == p.pos {
		return
	}
	if p.at(e) == ':' {
		if e2 := p.userEnd(e + 1); e2 > e+1 {
			e = e2
		}
	}
	if p.at(e) == '@' {
		p.pos = e + 1
	}
}

func (p *parser) userEnd(i int) int {
	for {
		c := p.at(i)
		if !isAlphaDigit(c) && (!isSafe(c) || c == '@') {
			return i
		}
		i++
	}
}

// authorityHost is a domain name and an optional :port.
func (p *parser) authorityHost() bool {
	e := p.domainEnd(p.pos)
	if e < 0 {
		return false
	}
	if p.at(e) == ':' && isDigit(p.at(e+1)) {
		e += 2
		for isDigit(p.at(e)) {
			e++
		}
	}
	p.pos = e
	return true
}

// urlBody consumes URL characters up to whitespace, or up to punctuation (Extra)
// followed by whitespace or a line end. It reports whether it consumed any.
func (p *parser) urlBody() bool {
	start := p.pos
	p.wordEnd(isURLBodyChar)
	return p.pos > start
}

// wordEnd advances over units that ok accepts, stopping at whitespace, a line end, or
// a run of punctuation that whitespace or a line end follows (not the end of text).
func (p *parser) wordEnd(ok func(uint16) bool) {
	runEnd := -1 // the end of a punctuation run known not to stop the word
	for p.more(p.pos) && p.tick() {
		c := p.s[p.pos]
		if isSpace(c) || isEOL(c) || !ok(c) {
			return
		}
		if p.pos >= runEnd && isExtra(c) {
			e := p.pos
			for p.more(e) && isExtra(p.s[e]) {
				e++
			}
			if p.more(e) && (isSpace(p.s[e]) || isEOL(p.s[e])) {
				return
			}
			runEnd = e
		}
		p.pos++
	}
}

// phone consumes a phone number if one starts at pos.
func (p *parser) phone() {
	if end, _, ok := p.phoneAt(p.pos); ok {
		p.pos = end
	}
}

// phoneAt matches +digits, +digits-digits, +(digits)digits, +(digits)-digits or
// +(digits)digits-digits at i, and returns its end and its digits.
func (p *parser) phoneAt(i int) (end int, number []uint16, ok bool) {
	if p.at(i) != '+' {
		return 0, nil, false
	}
	i++
	digits := func(j int) int {
		for isDigit(p.at(j)) {
			j++
		}
		return j
	}
	if isDigit(p.at(i)) { // a prefix of digits leaves no digits for what follows
		e := digits(i)
		if p.at(e) == '-' && isDigit(p.at(e+1)) {
			e2 := digits(e + 1)
			return e2, concat(p.s[i:e], p.s[e+1:e2]), true
		}
		return e, p.s[i:e], true
	}
	if p.at(i) != '(' || !isDigit(p.at(i+1)) {
		return 0, nil, false
	}
	e := digits(i + 1)
	if p.at(e) != ')' {
		return 0, nil, false
	}
	prefix := p.s[i+1 : e]
	e++
	switch {
	case p.at(e) == '-' && isDigit(p.at(e+1)):
		e2 := digits(e + 1)
		return e2, concat(prefix, p.s[e+1:e2]), true
	case isDigit(p.at(e)):
		e2 := digits(e)
		if p.at(e2) == '-' && isDigit(p.at(e2+1)) {
			e3 := digits(e2 + 1)
			return e3, concat(prefix, p.s[e:e2], p.s[e2+1:e3]), true
		}
		return e2, concat(prefix, p.s[e:e2]), true
	}
	return 0, nil, false
}

func concat(parts ...[]uint16) []uint16 {
	var out []uint16
	for _, part := range parts {
		out = append(out, part...)
	}
	return out
}

// autolinkedPhone is a phone number: a tel: link with five digits or more, else text.
func (p *parser) autolinkedPhone() *node {
	start := p.pos
	end, number, ok := p.phoneAt(start)
	if !ok {
		return nil
	}
	p.pos = end
	text := p.s[start:end]
	if len(number) < 5 {
		return p.plain(text)
	}
	return p.link(concat([]uint16{'t', 'e', 'l', ':'}, number), []*node{p.plain(text)})
}

// autolinkedEmail is [mailto:]local@domain: a mailto: link if the domain has a known
// top-level domain, else text (without the mailto:).
func (p *parser) autolinkedEmail() *node {
	i := p.pos
	if p.has(i, "mailto:") {
		i += 7
	}
	if !p.more(i) || !isLocalAlnum(p.s[i]) {
		return nil
	}
	e := p.localEnd(i)
	if p.at(e) != '@' {
		return nil
	}
	d := p.domainEnd(e + 1)
	if d < 0 {
		return nil
	}
	p.pos = d
	return p.autoEmail(p.s[i:d])
}

// autolinkedURL is a bare URL or domain; it runs to whitespace, or to punctuation
// before whitespace or a line end.
func (p *parser) autolinkedURL() *node {
	start := p.pos
	if !(p.scheme() && p.authority()) {
		p.pos = start
		if !p.authorityHost() {
			return nil
		}
	}
	p.wordEnd(func(uint16) bool { return true })
	return p.autoLink(p.s[start:p.pos])
}

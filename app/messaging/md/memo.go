package md

// memo holds tables computed once per parse, on first use, so that the rules tried at
// every position (is a domain, an e-mail, a word_ here?) cost O(1) instead of a scan to
// the end of the word: without them a long word would take quadratic time.
type memo struct {
	label, tail      []int32    // end of the run of domain characters; end of ".label"s
	local, localTail []int32    // the same for e-mail local parts
	alnum            []int32    // end of the run of [A-Za-z0-9]
	next             [5][]int32 // the next '*', '_', '~', '[' and line end at or after i
	same             []int32    // the end of the run of one unit repeated
	closeAt          []int32    // the first "](" (followed by something) at or after i
	closeOK          []int8     // 1 if the "](" at k has a valid href and ")", -1 if not
	lastGoodClose    int        // the last "](" with a valid href and ")", or -1
}

// words fills, in one pass and one allocation, the tables of the rules that look at
// words: domains, e-mail local parts and [A-Za-z0-9] runs.
func (p *parser) words() *memo {
	m := &p.memo
	if m.label != nil {
		return m
	}
	n := len(p.s) + 1
	all := make([]int32, 5*n)
	m.label, m.tail, m.local, m.localTail, m.alnum = all[:n], all[n:2*n], all[2*n:3*n], all[3*n:4*n], all[4*n:]
	end := int32(len(p.s))
	m.label[n-1], m.tail[n-1], m.local[n-1], m.localTail[n-1], m.alnum[n-1] = end, end, end, end, end
	for i := len(p.s) - 1; i >= 0; i-- {
		c, at := p.s[i], int32(i)
		m.label[i], m.local[i], m.alnum[i] = at, at, at
		if isDomainChar(c) {
			m.label[i] = m.label[i+1]
		}
		if isLocalAlnum(c) || isLocalSpecial(c) {
			m.local[i] = m.local[i+1]
		}
		if isAlphaDigit(c) {
			m.alnum[i] = m.alnum[i+1]
		}
		m.tail[i], m.localTail[i] = at, at
		if c == '.' && i+1 < len(p.s) {
			if isDomainChar(p.s[i+1]) {
				m.tail[i] = m.tail[m.label[i+1]]
			}
			if isLocalAlnum(p.s[i+1]) {
				m.localTail[i] = m.localTail[m.local[i+1]]
			}
		}
	}
	return m
}

// domainEnd returns the end of the DomainName at i ("localhost", or labels joined by
// dots, at least one dot), or -1.
func (p *parser) domainEnd(i int) int {
	if p.has(i, "localhost") {
		return i + 9
	}
	m := p.words()
	e := int(m.label[i])
	if e == i {
		return -1
	}
	t := int(m.tail[e])
	if t == e {
		return -1
	}
	return t
}

// localEnd returns the end of the e-mail local part at i, which starts with a letter
// or digit.
func (p *parser) localEnd(i int) int {
	m := p.words()
	return int(m.localTail[m.local[i]])
}

// alnumEnd returns the end of the run of [A-Za-z0-9] at i.
func (p *parser) alnumEnd(i int) int {
	return int(p.words().alnum[i])
}

// sameEnd returns the end of the run of s[i] repeated, which starts at i.
func (p *parser) sameEnd(i int) int {
	if i >= len(p.s) {
		return i
	}
	m := &p.memo
	if m.same == nil {
		m.same = make([]int32, len(p.s))
		m.same[len(p.s)-1] = int32(len(p.s))
		for k := len(p.s) - 2; k >= 0; k-- {
			m.same[k] = int32(k + 1)
			if p.s[k] == p.s[k+1] {
				m.same[k] = m.same[k+1]
			}
		}
	}
	return int(m.same[i])
}

// nextOf returns the first index at or after i whose unit is c (for '*', '_', '~',
// '[') or a line end (for c == '\n'), or len(s).
func (p *parser) nextOf(c uint16, i int) int {
	m := &p.memo
	if m.next[0] == nil {
		n := len(p.s) + 1
		all := make([]int32, 5*n)
		for k := range m.next {
			m.next[k] = all[k*n : (k+1)*n]
			m.next[k][n-1] = int32(n - 1)
		}
		for i := len(p.s) - 1; i >= 0; i-- {
			for k := range m.next {
				m.next[k][i] = m.next[k][i+1]
			}
			if c := p.s[i]; isEOL(c) {
				m.next[4][i] = int32(i)
			} else if k := nextSlot(c); k < 4 {
				m.next[k][i] = int32(i)
			}
		}
	}
	if i >= len(p.s) {
		return len(p.s)
	}
	return int(m.next[nextSlot(c)][i])
}

func nextSlot(c uint16) int {
	switch c {
	case '*':
		return 0
	case '_':
		return 1
	case '~':
		return 2
	case '[':
		return 3
	case '\n':
		return 4
	}
	return 5
}

// closerAhead reports whether an emphasis opened before from can close with c: c must
// come later, on the same line unless a link label (the only construct that spans
// lines) starts on this line first. A false answer skips an attempt bound to fail.
func (p *parser) closerAhead(from int, c uint16) bool {
	j := p.nextOf(c, from)
	if j >= len(p.s) {
		return false
	}
	eol := p.nextOf('\n', from)
	return j < eol || p.nextOf('[', from) < eol
}

// linkCloseAhead reports whether the label of a link opened just before i can end
// well: a "](href)" with a valid href must come at or after i, and the first "](" must
// be valid unless an emphasis could swallow it (open before it and close after it on
// its line; inside a label nothing else spans a "]("). An href is valid or not
// wherever it is, so each is checked once.
func (p *parser) linkCloseAhead(i int) bool {
	m := &p.memo
	if m.closeAt == nil {
		m.closeAt = make([]int32, len(p.s)+1)
		m.closeOK = make([]int8, len(p.s)+1)
		next := int32(len(p.s))
		for k := len(p.s); k >= 0; k-- {
			if k+2 < len(p.s) && p.s[k] == ']' && p.s[k+1] == '(' {
				next = int32(k)
			}
			m.closeAt[k] = next
		}
		m.lastGoodClose = -1
		for k := int(m.closeAt[0]); k < len(p.s); k = int(m.closeAt[k+1]) {
			if p.validClose(k) {
				m.lastGoodClose = k
			}
		}
	}
	if i > len(p.s) || m.lastGoodClose < i {
		return false
	}
	k := int(m.closeAt[i])
	eol := p.nextOf('\n', k)
	for _, c := range [...]uint16{'*', '_', '~'} {
		if p.nextOf(c, i) < k && p.nextOf(c, k+2) < eol {
			return true // an emphasis might swallow this "](", the label go on
		}
	}
	return p.validClose(k)
}

// validClose reports whether "](" at k is followed by a valid href and ")".
func (p *parser) validClose(k int) bool {
	m := &p.memo
	if m.closeOK[k] == 0 {
		save := p.pos
		p.pos = k + 2
		m.closeOK[k] = -1
		if p.tick() && p.linkRef() != nil && p.at(p.pos) == ')' {
			m.closeOK[k] = 1
		}
		p.pos = save
	}
	return m.closeOK[k] == 1
}

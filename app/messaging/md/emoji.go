package md

// bigEmoji is a message of one to three emoji (and emoticons, when enabled) and
// nothing else but spaces and line ends. The caller checks that it reached the end.
func (p *parser) bigEmoji() *node {
	skip := func() {
		for p.more(p.pos) && (isSpace(p.s[p.pos]) || isEOL(p.s[p.pos])) {
			p.pos++
		}
	}
	skip()
	var es []*node
	for len(es) < 3 {
		e := p.emoji()
		if e == nil {
			e = p.emoticon()
		}
		if e == nil {
			break
		}
		es = append(es, e)
		skip()
	}
	if es == nil {
		return nil
	}
	return p.wrap(kBigEmoji, es)
}

// emoji is :short_code: or a unicode emoji.
func (p *parser) emoji() *node {
	if p.at(p.pos) == ':' {
		e := p.pos + 1
		for p.more(e) && isShortCodeChar(p.s[e]) {
			e++
		}
		if e > p.pos+1 && p.at(e) == ':' {
			n := p.shortCodeEmoji(p.s[p.pos+1 : e])
			p.pos = e + 1
			return n
		}
		return nil
	}
	if e := p.unicodeEmojiEnd(p.pos); e > p.pos {
		n := p.leaf(kEmojiUnicode, p.s[p.pos:e])
		p.pos = e
		return n
	}
	return nil
}

// pair reports whether the surrogate pair hi, lo in [loMin, loMax] is at i.
func (p *parser) pair(i int, hi, loMin, loMax uint16) bool {
	if p.at(i) != hi || !p.more(i+1) {
		return false
	}
	lo := p.s[i+1]
	return lo >= loMin && lo <= loMax
}

// selector skips an optional variation selector at i.
func (p *parser) selector(i int) int {
	if c := p.at(i); c >= 0xFE00 && c <= 0xFE0F {
		return i + 1
	}
	return i
}

// pictograph matches a Miscellaneous Symbols and Pictographs character (U+1F300 to
// U+1F5FF, both halves of the range) and a variation selector; it returns the end, or i.
func (p *parser) pictograph(i int) int {
	if p.pair(i, 0xD83C, 0xDF00, 0xDFFF) || p.pair(i, 0xD83D, 0xDC00, 0xDDFF) {
		return p.selector(i + 2)
	}
	return i
}

// skinTone matches a Fitzpatrick modifier; it returns the end, or i.
func (p *parser) skinTone(i int) int {
	if p.pair(i, 0xD83C, 0xDFFB, 0xDFFF) {
		return i + 2
	}
	return i
}

// unicodeEmojiEnd returns the end of the unicode emoji at i, or i. The blocks and the
// ways they combine (skin tones, zero-width joiners) follow upstream's grammar.
func (p *parser) unicodeEmojiEnd(i int) int {
	if p.pair(i, 0xD83D, 0xDE00, 0xDE4F) { // emoticons
		return i + 2
	}
	if p.pair(i, 0xD83E, 0xDD00, 0xDDFF) { // supplemental symbols and pictographs
		e := i + 2
		if f := p.pictograph(e); f > e {
			e = f
			for p.at(e) == 0x200D {
				f := p.pictograph(e + 1)
				if f == e+1 {
					break
				}
				e = f
			}
		}
		return e
	}
	if e := p.pictographSequence(i); e > i {
		return e
	}
	if p.pair(i, 0xD83D, 0xDE80, 0xDEFA) { // transport and map symbols
		return i + 2
	}
	if c := p.at(i); c >= 0x2300 && c <= 0x23FF || c >= 0x2600 && c <= 0x27BF {
		return p.selector(i + 1) // technical, miscellaneous symbols, dingbats
	}
	if p.pair(i, 0xD83C, 0xDD00, 0xDDFF) && p.pair(i+2, 0xD83C, 0xDD00, 0xDDFF) { // flags
		return i + 4
	}
	return i
}

// pictographSequence is pictographs with optional skin tones joined by zero-width
// joiners. As in the grammar, a joiner must be followed by another pictograph.
func (p *parser) pictographSequence(i int) int {
	e := i
	for { // (pictograph tone? ZWJ)*
		f := p.pictograph(e)
		if f == e {
			break
		}
		f = p.skinTone(f)
		if p.at(f) != 0x200D {
			break
		}
		e = f + 1
	}
	f := p.pictograph(e)
	if f == e {
		return i
	}
	return p.skinTone(f)
}

type emoticonDef struct {
	text      []uint16
	shortCode string
}

// emoticonTable lists the emoticons in upstream's order of preference.
var emoticonTable = buildEmoticons([]struct{ shortCode, texts string }{
	{"heart", "<3"},
	{"broken_heart", "</3"},
	{"smiley", ":D :-D =D"},
	{"laughing", ">:) >;) >:-) >=)"},
	{"sweat_smile", "':) ':-) '=) ':D ':-D '=D"},
	{"joy", ":') :'-)"},
	{"innocent", "O:-) 0:-3 0:3 0:-) 0:) 0;^) O:) O;-) O=) 0;-) O:-3 O:3"},
	{"slight_smile", ":) :-) =] =) :]"},
	{"wink", ";) ;-) *-) *) ;-] ;] ;D ;^)"},
	{"kissing_heart", ":* :-* =* :^*"},
	{"stuck_out_tongue", ":P :-P =P :-\u00de :\u00de :-b :b"},
	{"stuck_out_tongue_winking_eye", ">:P X-P"},
	{"sunglasses", "B-) B) 8) 8-) B-D 8-D"},
	{"disappointed", ">:[ :-( :( :-[ :[ =("},
	{"confused", `>:\ >:/ :-/ :-. :/ :\ =/ =\ :L =L`},
	{"persevere", ">.<"},
	{"cry", ":'( :'-( ;( ;-("},
	{"angry", ">:( >:-( :@"},
	{"flushed", ":$ =$"},
	{"fearful", "D:"},
	{"sweat", "':( ':-( '=("},
	{"no_mouth", ":-X :X :-# :# =X =#"},
	{"expressionless", "-_- -__- -___-"},
	{"open_mouth", ":-O :O O_O >:O"},
	{"dizzy_face", "#-) #) %-) %) X) X-)"},
	{"thumbsup", "(y)"},
	{"person_gesturing_ok", `*\0/* \0/ *\O/* \O/`},
})

// buildEmoticons indexes the emoticons by their first unit (all are ASCII there),
// keeping their order.
func buildEmoticons(groups []struct{ shortCode, texts string }) (byFirst [128][]emoticonDef) {
	for _, g := range groups {
		start := 0
		for i := 0; i <= len(g.texts); i++ {
			if i == len(g.texts) || g.texts[i] == ' ' {
				text := encode(g.texts[start:i])
				byFirst[text[0]] = append(byFirst[text[0]], emoticonDef{text, g.shortCode})
				start = i + 1
			}
		}
	}
	return byFirst
}

// emoticon is an emoticon when they are enabled: an EMOJI whose value is the
// emoticon's text and whose short code names it.
func (p *parser) emoticon() *node {
	if !p.opt.Emoticons || !p.more(p.pos) || p.s[p.pos] >= 128 {
		return nil
	}
	for _, d := range emoticonTable[p.s[p.pos]] {
		if p.pos+len(d.text) > len(p.s) {
			continue
		}
		if equal16(p.s[p.pos:p.pos+len(d.text)], d.text) {
			p.pos += len(d.text)
			n := p.leaf(kEmoji, d.text)
			n.aux = d.shortCode
			return n
		}
	}
	return nil
}

func equal16(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

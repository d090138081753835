package md

import "unicode"

// Class bits of the ASCII table, which answers the class questions asked at every
// position without branching through the definitions below (the "Slow" functions,
// which build the table and answer for non-ASCII units).
const (
	cDomain = 1 << iota
	cLocalAlnum
	cLocalSpecial
	cExtra
	cURLBody
	cName
)

var asciiClasses = func() (t [128]uint8) {
	for c := uint16(0); c < 128; c++ {
		for bit, in := range map[uint8]func(uint16) bool{
			cDomain: isDomainCharSlow, cLocalAlnum: isLocalAlnumSlow, cLocalSpecial: isLocalSpecialSlow,
			cExtra: isExtraSlow, cURLBody: isURLBodyCharSlow, cName: isNameCharSlow,
		} {
			if in(c) {
				t[c] |= bit
			}
		}
	}
	return t
}()

func class(c uint16, bit uint8, slow func(uint16) bool) bool {
	if c < 128 {
		return asciiClasses[c]&bit != 0
	}
	return slow(c)
}

func isDomainChar(c uint16) bool   { return c >= 128 || asciiClasses[c]&cDomain != 0 }
func isLocalAlnum(c uint16) bool   { return class(c, cLocalAlnum, isLocalAlnumSlow) }
func isLocalSpecial(c uint16) bool { return c < 128 && asciiClasses[c]&cLocalSpecial != 0 }
func isExtra(c uint16) bool        { return c < 128 && asciiClasses[c]&cExtra != 0 }
func isURLBodyChar(c uint16) bool  { return c >= 128 || asciiClasses[c]&cURLBody != 0 }
func isNameChar(c uint16) bool     { return class(c, cName, isNameCharSlow) }

// Character classes of the grammar. The parser works on UTF-16 code units, as the
// upstream parser (JavaScript) does, so a class matches one code unit and an astral
// character is two units: both halves count as "non-ASCII".

func isEOL(c uint16) bool   { return c == '\n' || c == '\r' }
func isSpace(c uint16) bool { return c == ' ' || c == '\t' }
func isDigit(c uint16) bool { return c >= '0' && c <= '9' }

// isAlphaDigit is [a-zA-Z0-9].
func isAlphaDigit(c uint16) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c)
}

func isASCIILetter(c uint16) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isSurrogate(c uint16) bool { return c >= 0xD800 && c <= 0xDFFF }

// isAnyText is the grammar's AnyText: printable ASCII except ( ) * [ \ ] ^ _ ` { | } ~,
// and every non-ASCII unit.
func isAnyText(c uint16) bool {
	return c >= 0x20 && c <= 0x27 || c >= 0x2B && c <= 0x5A || c >= 0x61 && c <= 0x7A || c >= 0x80
}

// isAlphaChar is a letter of the Basic Multilingual Plane.
func isAlphaChar(c uint16) bool {
	if c < 0x80 {
		return isASCIILetter(c)
	}
	return !isSurrogate(c) && unicode.IsLetter(rune(c))
}

// isDecimalChar is a decimal digit of the Basic Multilingual Plane.
func isDecimalChar(c uint16) bool {
	if c < 0x80 {
		return isDigit(c)
	}
	return !isSurrogate(c) && unicode.Is(unicode.Nd, rune(c))
}

func isAlphaNumeric(c uint16) bool { return isAlphaChar(c) || isDecimalChar(c) }

func isMarkChar(c uint16) bool {
	return c >= 0x300 && !isSurrogate(c) && unicode.Is(unicode.M, rune(c))
}

// isEmojiChar is the grammar's EmojiChar: every surrogate plus a few symbol blocks.
func isEmojiChar(c uint16) bool {
	switch {
	case c < 0xA9:
		return false
	case c == 0xA9 || c == 0xAE || c >= 0x300 && c <= 0x36F:
		return true
	case c == 0x200D || c == 0x203C || c == 0x2049 || c >= 0x20D0 && c <= 0x20F0:
		return true
	case c == 0x2122 || c == 0x2139 || c >= 0x2190 && c <= 0x21FF:
		return true
	case c == 0x231A || c == 0x231B || c == 0x2328 || c == 0x23CF:
		return true
	case c >= 0x23E9 && c <= 0x23F3 || c >= 0x23F8 && c <= 0x23FA || c == 0x24C2:
		return true
	case c == 0x25AA || c == 0x25AB || c == 0x25B6 || c == 0x25C0 || c >= 0x25FB && c <= 0x25FE:
		return true
	case c >= 0x2600 && c <= 0x27BF || c == 0x2934 || c == 0x2935:
		return true
	case c >= 0x2B05 && c <= 0x2B07 || c == 0x2B1B || c == 0x2B1C || c == 0x2B50 || c == 0x2B55:
		return true
	case c == 0x3030 || c == 0x303D || c == 0x3297 || c == 0x3299:
		return true
	case isSurrogate(c) || c == 0xFE0E || c == 0xFE0F || c >= 0xFE20 && c <= 0xFE23:
		return true
	}
	return false
}

// isLocalAlnum is AlphaNumericOrMarkChar, the body of an e-mail local part.
func isLocalAlnumSlow(c uint16) bool {
	return isAlphaChar(c) || isEmojiChar(c) || isMarkChar(c) || isDecimalChar(c)
}

// isLocalSpecial is one of !#$%&'*+/=?^_`{|}~- inside an e-mail local part.
func isLocalSpecialSlow(c uint16) bool {
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '/', '=', '?', '^', '_', '`', '{', '|', '}', '~', '-':
		return true
	}
	return false
}

// isExtra is punctuation that may end a URL: . , ! % ~ * " ' : ; ( ) =
func isExtraSlow(c uint16) bool {
	switch c {
	case '.', ',', '!', '%', '~', '*', '"', '\'', ':', ';', '(', ')', '=':
		return true
	}
	return false
}

// isSafe is $ @ & + _ # ? -
func isSafe(c uint16) bool {
	switch c {
	case '$', '@', '&', '+', '_', '#', '?', '-':
		return true
	}
	return false
}

// isDomainChar is any unit but punctuation, space, line ends and \ / | > < % `;
// '_' and '-' are allowed.
func isDomainCharSlow(c uint16) bool {
	if isExtraSlow(c) || isEOL(c) || isSpace(c) {
		return false
	}
	if isSafe(c) && c != '_' && c != '-' {
		return false
	}
	switch c {
	case '\\', '/', '|', '>', '<', '%', '`':
		return false
	}
	return true
}

// isNameChar is a character of a user or channel name: - _ . or a letter or digit.
func isNameCharSlow(c uint16) bool {
	return c == '-' || c == '_' || c == '.' || isAlphaNumeric(c)
}

// isShortCodeChar is a character of an emoji short code.
func isShortCodeChar(c uint16) bool {
	return isAlphaDigit(c) || c == '-' || c == '_' || c == '+' || c == '.'
}

// isURLBodyChar is AnyText or one of * [ / ] ^ _ ` { } ~ (
func isURLBodyCharSlow(c uint16) bool {
	if isAnyText(c) {
		return true
	}
	switch c {
	case '*', '[', '/', ']', '^', '_', '`', '{', '}', '~', '(':
		return true
	}
	return false
}

// isLinkTitle2Char is a character of the label of <url|label>.
func isLinkTitle2Char(c uint16) bool {
	return c >= 0x20 && c <= 0x3B || c == 0x3D || c >= 0x3F && c <= 0x7B || c >= 0x7D
}

// isJSSpace reports whether JavaScript's String.prototype.trim removes c.
func isJSSpace(c uint16) bool {
	switch {
	case c >= 0x09 && c <= 0x0D, c == 0x20, c == 0xA0, c == 0x1680:
		return true
	case c >= 0x2000 && c <= 0x200A, c == 0x2028, c == 0x2029, c == 0x202F, c == 0x205F:
		return true
	case c == 0x3000, c == 0xFEFF:
		return true
	}
	return false
}

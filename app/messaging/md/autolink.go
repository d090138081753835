package md

import (
	"strconv"
	"strings"
	"sync"
)

// Upstream decides whether a bare URL or e-mail address becomes a link with the tldts
// library (public suffixes) and the WHATWG URL parser; this file does the same checks
// on the inputs the grammar can hand them.

var tldSet = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 3000)
	for _, t := range strings.Fields(tldList) {
		set[t] = struct{}{}
	}
	return set
})

// autoLink makes src a link when its host is an IP address, ends in a known top-level
// domain, or is localhost or one of the custom domains (or under one); the link's src
// gets a leading "//" when src is not an absolute URL. Anything else stays text.
func (p *parser) autoLink(src []uint16) *node {
	s := str(src)
	if !hostAccepted(s, true, p.opt.CustomDomains) {
		return p.plain(src)
	}
	href := src
	if !canParseURL(s) && !strings.HasPrefix(s, "//") && !hasAbsoluteScheme(s) {
		href = concat([]uint16{'/', '/'}, src)
	}
	return p.link(href, []*node{p.plain(src)})
}

// autoEmail makes src a mailto: link when its domain ends in a known top-level domain.
func (p *parser) autoEmail(src []uint16) *node {
	href := concat([]uint16{'m', 'a', 'i', 'l', 't', 'o', ':'}, src)
	if !hostAccepted(str(href), false, nil) {
		return p.plain(src)
	}
	return p.link(href, []*node{p.plain(src)})
}

// hostAccepted is upstream's test of a URL (for an autolink: IP addresses, localhost
// and the custom domains count too) or of a mailto: URL.
func hostAccepted(url string, autolink bool, customDomains []string) bool {
	host, ok := extractHostname(url)
	if !ok {
		return false
	}
	if autolink && (isIPv4(host) || isIPv6(host)) {
		return true
	}
	if !validHostname(host) {
		return false
	}
	if _, ok := tldSet()[host[strings.LastIndexByte(host, '.')+1:]]; ok {
		return true
	}
	if autolink && underHost(host, "localhost") {
		return true
	}
	for _, v := range customDomains {
		if underHost(host, v) {
			return true
		}
	}
	return false
}

// underHost reports whether host is v or a subdomain of v.
func underHost(host, v string) bool {
	return v != "" && strings.HasSuffix(host, v) && (len(host) == len(v) || host[len(host)-len(v)-1] == '.')
}

// extractHostname finds the host in a URL as tldts does: skip a scheme and slashes,
// stop at / ? #, drop user info and port, trim trailing dots, lower-case.
func extractHostname(url string) (string, bool) {
	if validHostname(url) {
		end := len(url)
		for end > 1 && url[end-1] == '.' {
			end--
		}
		return url[:end], true
	}
	if strings.HasPrefix(url, "data:") {
		return "", false
	}
	url = strings.TrimFunc(url, func(r rune) bool { return r <= ' ' })
	start, ok := hostStart(url)
	if !ok {
		return "", false
	}
	end := len(url)
	at, bracket, colon := -1, -1, -1
	for i := start; i < end; i++ {
		switch url[i] {
		case '#', '/', '?':
			end = i
		case '@':
			at = i
		case ']':
			bracket = i
		case ':':
			colon = i
		}
	}
	if at > start && at < end {
		start = at + 1
	}
	if start < len(url) && url[start] == '[' {
		if bracket < 0 {
			return "", false
		}
		return strings.ToLower(url[start+1 : bracket]), true
	}
	if colon > start && colon < end {
		end = colon
	}
	for end > start+1 && url[end-1] == '.' {
		end--
	}
	return strings.ToLower(url[start:end]), true
}

// hostStart skips "//", or a scheme, ":/" and slashes; a bad scheme is no host.
func hostStart(url string) (int, bool) {
	if strings.HasPrefix(url, "//") {
		return 2, true
	}
	i := strings.Index(url, ":/")
	if i < 0 {
		return 0, true
	}
	for _, c := range url[:i] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+') {
			return 0, false
		}
	}
	start := i + 2
	for start < len(url) && url[start] == '/' {
		start++
	}
	return start, true
}

// validHostname is tldts's check: labels of a-z, 0-9, -, _ and non-ASCII, at most 63
// long, not ending in - (nor _ before a dot), no empty label, at most 255 in all.
func validHostname(h string) bool {
	if len(h) == 0 || len(h) > 255 {
		return false
	}
	valid := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80 }
	if !valid(h[0]) && h[0] != '.' && h[0] != '_' {
		return false
	}
	lastDot, last := -1, byte(0)
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c == '.' {
			if i-lastDot > 64 || last == '.' || last == '-' || last == '_' {
				return false
			}
			lastDot = i
		} else if !valid(c) && c != '-' && c != '_' {
			return false
		}
		last = c
	}
	return len(h)-lastDot-1 <= 63 && last != '-'
}

func isIPv4(h string) bool {
	if len(h) < 7 || len(h) > 15 || h[0] == '.' || h[len(h)-1] == '.' {
		return false
	}
	dots := 0
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case c == '.':
			dots++
		case c < '0' || c > '9':
			return false
		}
	}
	return dots == 3
}

func isIPv6(h string) bool {
	if len(h) < 3 || !strings.Contains(h, ":") {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == ':' || c == '.') {
			return false
		}
	}
	return true
}

// schemeEnd returns the length of a WHATWG scheme ([A-Za-z][A-Za-z0-9+.-]*) followed by
// a colon at the start of s, or 0.
func schemeEnd(s string) int {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return 0
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':':
			return i
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '+', c == '.', c == '-':
		default:
			return 0
		}
	}
	return 0
}

func hasAbsoluteScheme(s string) bool {
	n := schemeEnd(s)
	return n > 0 && n <= 32 && strings.HasPrefix(s[n:], "://")
}

// canParseURL answers URL.canParse(s) for the strings an autolink can be: absolute
// with a scheme; for the special schemes the host must be non-empty and clean.
func canParseURL(s string) bool {
	n := schemeEnd(s)
	if n == 0 {
		return false
	}
	switch strings.ToLower(s[:n]) {
	case "http", "https", "ws", "wss", "ftp":
	default:
		return true
	}
	rest := strings.TrimLeft(s[n+1:], `/\`)
	if i := strings.IndexAny(rest, `/\?#`); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		port := rest[i+1:]
		if n, err := strconv.Atoi(port); strings.Trim(port, "0123456789") != "" || port != "" && (err != nil || n > 65535) {
			return false
		}
		rest = rest[:i]
	}
	return rest != "" && !strings.ContainsAny(rest, " \t\n\r#%/:<>?@[\\]^|")
}

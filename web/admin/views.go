package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// pageData is what the layout shows around every page.
type pageData struct {
	Title    string
	Nav      []navLink
	Username string
	CSRF     string
	Flash    string
	Version  string
}

// navLink is one link of the navigation.
type navLink struct {
	Href, Title string
	Current     bool
}

// flashes are the messages a redirect after a change may ask for (?done=KEY); only
// these texts are ever shown, so a link cannot put words in the console's mouth.
var flashes = map[string]string{
	"created":   "User created.",
	"saved":     "Changes saved.",
	"unchanged": "Nothing to save: no field changed.",
	"password":  "Password changed.",
	"loggedout": "The user was logged out everywhere.",
	"deleted":   "User deleted.",
}

func (c *Console) pageData(r *http.Request, s *session, current, title string) pageData {
	p := pageData{Title: title, Version: c.Version, Flash: flashes[r.URL.Query().Get("done")]}
	if s != nil {
		p.Username, p.CSRF = s.user.Username, s.csrf
		for _, n := range s.nav {
			p.Nav = append(p.Nav, navLink{Href: "/admin/" + n.slug, Title: n.title, Current: n.slug == current})
		}
	}
	return p
}

// pager is the paging of a listing: 1-based page numbers.
type pager struct {
	From, To  int // the rows shown, 1-based; From 0 when there are none
	Total     int64
	Prev      string // link to the previous page, or ""
	Next      string // link to the next page, or ""
	PageLabel string
}

// newPager builds the paging links of base (a path with the listing's other query
// parameters) for page (1-based) of size rows.
func newPager(base string, q url.Values, page, size, shown int, total int64) pager {
	p := pager{Total: total}
	if shown > 0 {
		p.From = (page-1)*size + 1
		p.To = p.From + shown - 1
	}
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "page" && k != "done" && len(vs) > 0 && vs[0] != "" {
				v.Set(k, vs[0])
			}
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return base
		}
		return base + "?" + v.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if int64(page*size) < total {
		p.Next = link(page + 1)
	}
	pages := (total + int64(size) - 1) / int64(size)
	p.PageLabel = fmt.Sprintf("Page %d of %d", page, max(pages, 1))
	return p
}

// pageParam reads ?page= (1-based); anything else is page 1.
func pageParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 1_000_000 {
		return 1
	}
	return n
}

// when formats a time for tables: UTC, to the second.
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

// bytesText formats a size with binary units.
func bytesText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// duration formats an uptime: days, hours, minutes.
func duration(d time.Duration) string {
	d = d.Round(time.Minute)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh %dm", days, h, m)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	}
	return fmt.Sprintf("%dm", m)
}

// count formats an integer with thin groupings (12 345).
func count[T ~int | ~int64 | ~uint64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := ""
	if s[0] == '-' {
		neg, s = "-", s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return neg + string(out)
}

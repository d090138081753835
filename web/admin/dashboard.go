package admin

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/outpostchat/outpost/app/stats"
)

// dashView is the dashboard, formatted.
type dashView struct {
	Cards   []card
	Rooms   []card
	Sparks  []spark
	Sampled string
}

// card is one figure.
type card struct {
	Label, Value, Detail string
}

// spark is one sparkline: the SVG polyline's points in a sparkW × sparkH box.
type spark struct {
	Label, Last, Range, Points string
}

// The sparklines' box, in SVG user units.
const (
	sparkW = 240
	sparkH = 48
)

// roomTypes names rocketchat_room.t values.
var roomTypes = []struct{ t, label string }{
	{"c", "Channels"}, {"p", "Private groups"}, {"d", "Direct messages"}, {"l", "Omnichannel"},
}

// dashboard serves GET /admin/dashboard (view-statistics, checked by the service).
func (c *Console) dashboard(w http.ResponseWriter, r *http.Request, s *session) {
	d, err := c.Stats.Dashboard(r.Context(), s.actor)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, dashboardPage(c.pageData(r, s, "dashboard", "Dashboard"), c.dashView(d)))
}

func (c *Console) dashView(d stats.Dashboard) dashView {
	n := d.Now
	version := c.Version
	if version == "" {
		version = "dev"
	}
	v := dashView{Sampled: when(n.At)}
	v.Cards = []card{
		{"Version", version, ""},
		{"Uptime", duration(c.now().Sub(c.Started)), "since " + when(c.Started)},
		{"Users", count(n.Users), count(n.UsersOnline) + " online · " + count(n.UsersActiveWeek) + " active this week"},
		{"Rooms", count(n.RoomsTotal()), ""},
		{"Messages", count(n.Messages), count(n.MessagesToday) + " today"},
		{"Connections now", count(n.Connections), "realtime (DDP) sessions"},
		{"Memory", bytesText(int64(n.Memory)), count(n.Goroutines) + " goroutines"},
		{"Data directory", bytesText(n.DataBytes), "database " + bytesText(n.DBBytes) + " · files " + bytesText(n.FilesBytes)},
	}
	if c.Started.IsZero() {
		v.Cards[1] = card{"Uptime", "—", ""}
	}
	for _, rt := range roomTypes {
		v.Rooms = append(v.Rooms, card{Label: rt.label, Value: count(n.Rooms[rt.t])})
	}
	var other int64
	for t, k := range n.Rooms {
		if !slices.ContainsFunc(roomTypes, func(x struct{ t, label string }) bool { return x.t == t }) {
			other += k
		}
	}
	if other > 0 {
		v.Rooms = append(v.Rooms, card{Label: "Other", Value: count(other)})
	}
	series := func(label string, f func(stats.Sample) float64, format func(float64) string) spark {
		vals := make([]float64, len(d.History))
		for i, sm := range d.History {
			vals[i] = f(sm)
		}
		lo, hi := bounds(vals)
		return spark{Label: label, Last: format(vals[len(vals)-1]), Range: format(lo) + " – " + format(hi), Points: sparkPoints(vals)}
	}
	num := func(x float64) string { return count(int64(x)) }
	v.Sparks = []spark{
		series("Connections", func(sm stats.Sample) float64 { return float64(sm.Connections) }, num),
		series("Users online", func(sm stats.Sample) float64 { return float64(sm.UsersOnline) }, num),
		series("Messages", func(sm stats.Sample) float64 { return float64(sm.Messages) }, num),
		series("Memory", func(sm stats.Sample) float64 { return float64(sm.Memory) }, func(x float64) string { return bytesText(int64(x)) }),
	}
	return v
}

func bounds(vals []float64) (lo, hi float64) {
	lo, hi = vals[0], vals[0]
	for _, x := range vals {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// sparkPoints places values evenly across the box, the lowest at the bottom and the
// highest at the top (a flat line in the middle when they are all equal).
func sparkPoints(vals []float64) string {
	if len(vals) == 0 {
		return ""
	}
	if len(vals) == 1 {
		vals = []float64{vals[0], vals[0]}
	}
	lo, hi := bounds(vals)
	const pad = 3.0
	var b strings.Builder
	for i, x := range vals {
		px := float64(i) * sparkW / float64(len(vals)-1)
		py := float64(sparkH) / 2
		if hi > lo {
			py = sparkH - pad - (x-lo)/(hi-lo)*(sparkH-2*pad)
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatFloat(px, 'f', 1, 64))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(py, 'f', 1, 64))
	}
	return b.String()
}

// sparkLabel is a sparkline's accessible description.
func sparkLabel(s spark) string {
	return fmt.Sprintf("%s over the last 24 hours: now %s, range %s", s.Label, s.Last, s.Range)
}

package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// chatVerdict checks a run against its preset's target: room500 wants every message
// accepted and delivered with p99 delivery under 50 ms; rooms100 wants at least 1,000
// accepted messages/s, sustained (the last answer within a second of the last send).
// Other runs have no target (applies false).
func chatVerdict(r *chatResult) (pass, applies bool, text string) {
	verdict := func(ok bool) string {
		if ok {
			return "PASS"
		}
		return "FAIL"
	}
	switch r.plan.spec.name {
	case "room500":
		p99 := percentile(r.lat, 99)
		all := r.accepted == r.plan.messages && r.expected > 0 && r.received >= r.expected
		ok := all && len(r.lat) > 0 && p99 < targetDeliveryP99
		text = fmt.Sprintf("%s: p99 delivery %s < 50 ms", verdict(ok), ms(p99))
		if !all {
			text += fmt.Sprintf(", but %d of %d accepted and %d of %d deliveries arrived", r.accepted, r.plan.messages, r.received, r.expected)
		}
		return ok, true, text
	case "rooms100":
		rate := r.acceptedRate()
		ok := rate >= targetAcceptRate && r.backlog <= maxBacklog
		text = fmt.Sprintf("%s: %.2f accepted/s ≥ %d", verdict(ok), rate, targetAcceptRate)
		if r.backlog > maxBacklog {
			text += fmt.Sprintf(", but answers lagged %v behind the sends (> %v: not sustained)", r.backlog.Round(time.Millisecond), maxBacklog)
		}
		return ok, true, text
	}
	return true, false, "n/a (no preset)"
}

// printChatTable prints one column per chat run.
func printChatTable(w io.Writer, rs []*chatResult) {
	if len(rs) == 0 {
		return
	}
	type line struct {
		key string
		val func(r *chatResult) string
	}
	pct := func(a, b int64) string {
		if b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(b))
	}
	lines := []line{
		{"users / rooms × members", func(r *chatResult) string {
			s := r.plan.spec
			return fmt.Sprintf("%d / %d × %d", s.users, s.rooms, s.size)
		}},
		{"offered", func(r *chatResult) string {
			s := r.plan.spec
			return fmt.Sprintf("%g msg/s × %v = %d", s.rate, s.duration, r.plan.messages)
		}},
		{"set-up time", func(r *chatResult) string {
			return fmt.Sprintf("%v (%d users, %d rooms created)", r.setup.Round(100*time.Millisecond), r.usersCreated, r.roomsCreated)
		}},
		{"connected / stream subs", func(r *chatResult) string {
			return fmt.Sprintf("%d of %d / %d (%d failed)", r.connected, r.plan.spec.users, r.subsReady, r.subsFailed)
		}},
		{"sent", func(r *chatResult) string {
			if r.notSent > 0 {
				return fmt.Sprintf("%d (%d not sent)", r.sent, r.notSent)
			}
			return fmt.Sprint(r.sent)
		}},
		{"accepted", func(r *chatResult) string {
			return fmt.Sprintf("%d (%s)", r.accepted, pct(int64(r.accepted), int64(r.sent)))
		}},
		{"errors by code", func(r *chatResult) string { return errorCounts(r.errorsByCode) }},
		{"unanswered", func(r *chatResult) string { return fmt.Sprint(r.unanswered) }},
		{"accepted/s", func(r *chatResult) string {
			return fmt.Sprintf("%.2f (last answer %v after the last send was due)", r.acceptedRate(), r.backlog.Round(time.Millisecond))
		}},
		{"deliveries received / expected", func(r *chatResult) string {
			s := fmt.Sprintf("%d / %d (%s)", r.received, r.expected, pct(r.received, r.expected))
			if r.late > 0 {
				s += fmt.Sprintf(", %d after the drain", r.late)
			}
			return s
		}},
		{"delivery p50 / p99 / max", func(r *chatResult) string { return msTriple(r.lat) }},
		{"sendMessage RTT p50 / p99 / max", func(r *chatResult) string { return msTriple(r.rtt) }},
		{"ddpload send lag p99 / max", func(r *chatResult) string {
			return fmt.Sprintf("%s / %s", ms(r.lagP99), ms(r.lagMax))
		}},
		{"connections dropped", func(r *chatResult) string { return fmt.Sprint(r.dropped) }},
		{"server RSS start → peak", func(r *chatResult) string {
			if !r.serverOK {
				return "- (no server pid)"
			}
			return fmt.Sprintf("%s → %s (VmHWM %s)", mib(r.serverStart.RSS), mib(r.serverPeak.RSS), mib(r.serverHWM))
		}},
		{"server CPU", func(r *chatResult) string {
			if !r.serverOK {
				return "-"
			}
			return fmt.Sprintf("%.0f%% of a core", 100*r.cpu.server)
		}},
		{"ddpload / other CPU", func(r *chatResult) string {
			return fmt.Sprintf("%.0f%% / %.0f%% of a core", 100*r.cpu.self, 100*r.cpu.others)
		}},
		{"target", func(r *chatResult) string { _, _, t := chatVerdict(r); return t }},
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"chat"}
	for _, r := range rs {
		head = append(head, r.plan.spec.name)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, ln := range lines {
		cells := []string{ln.key}
		for _, r := range rs {
			cells = append(cells, ln.val(r))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
}

// chatNotes are the lines under the chat table: definitions and errors.
func chatNotes(rs []*chatResult) []string {
	if len(rs) == 0 {
		return nil
	}
	notes := []string{
		"chat: delivery = stream-room-messages event received − sendMessage written, for every (message, subscribed member) pair, the sender included; " +
			"RTT = result received − written; accepted/s = accepted ÷ the scheduled sending time; CPU over sending and drain",
	}
	for _, r := range rs {
		if n := r.plan.idlers(); n > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d users are in no room (rooms × members < users): connected, idle", r.plan.spec.name, n))
		}
		if r.lagP99 > 10*time.Millisecond {
			notes = append(notes, fmt.Sprintf("%s: ddpload sent up to %v late (p99 %v): it was short of CPU, so the offered load was burstier than planned",
				r.plan.spec.name, r.lagMax.Round(time.Millisecond), r.lagP99.Round(time.Millisecond)))
		}
		if r.cpu.others > busyOthers {
			notes = append(notes, fmt.Sprintf("%s: other processes kept %.2f cores busy during the run", r.plan.spec.name, r.cpu.others))
		}
		for _, e := range r.errors {
			notes = append(notes, r.plan.spec.name+": "+e)
		}
	}
	return notes
}

// errorCounts formats errors by code, the most frequent first: "none" when there are none.
func errorCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b)) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// msTriple formats p50 / p99 / max of sorted durations; "-" for none.
func msTriple(sorted []time.Duration) string {
	if len(sorted) == 0 {
		return "-"
	}
	return fmt.Sprintf("%s / %s / %s", ms(percentile(sorted, 50)), ms(percentile(sorted, 99)), ms(sorted[len(sorted)-1]))
}

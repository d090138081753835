package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// percentile returns the p-th percentile (0 < p ≤ 100) of sorted durations by the
// nearest-rank method; 0 for none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// tally counts errors by message, keeping at most maxKinds distinct ones.
type tally struct {
	mu     sync.Mutex
	n      int
	counts map[string]int
}

const maxKinds = 20

func (t *tally) add(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n++
	if t.counts == nil {
		t.counts = map[string]int{}
	}
	msg := err.Error()
	if len(msg) > 100 {
		msg = msg[:100]
	}
	if _, ok := t.counts[msg]; ok || len(t.counts) < maxKinds {
		t.counts[msg]++
	} else {
		t.counts["(other)"]++
	}
}

func (t *tally) total() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// top returns the k most frequent errors as "N× message".
func (t *tally) top(k int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := slices.SortedFunc(maps.Keys(t.counts), func(a, b string) int {
		return cmp.Or(cmp.Compare(t.counts[b], t.counts[a]), strings.Compare(a, b))
	})
	var out []string
	for _, key := range keys[:min(k, len(keys))] {
		out = append(out, fmt.Sprintf("%d× %s", t.counts[key], key))
	}
	return out
}

// mib formats a byte count in MiB; "-" when unknown (negative).
func mib(b int64) string {
	if b < 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

// ms formats a duration in milliseconds with two significant decimals.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// row is one line of the results table.
type row struct {
	mode, conns, ok, fail, elapsed, rate, p50, p99, serverRSS, clientRSS, target string
}

func printTable(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "mode\tconns\tok\tfail\ttime\trate\tp50\tp99\tserver RSS\tclient RSS\ttarget")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			r.mode, r.conns, r.ok, r.fail, r.elapsed, r.rate, r.p50, r.p99, r.serverRSS, r.clientRSS, r.target)
	}
	tw.Flush()
}

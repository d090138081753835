package main

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// chatSpec is one chat run: users in rooms, sending at a total rate for a duration.
type chatSpec struct {
	name     string // the preset's name, or "chat"
	users    int    // connected users, load-0001 …
	rooms    int    // channels
	size     int    // members per channel
	rate     float64
	duration time.Duration
}

// The chat targets, as presets.
var chatPresets = map[string]chatSpec{
	// 500 users in a 500-member room, 50 messages/s: p99 delivery under 50 ms.
	"room500": {name: "room500", users: 500, rooms: 1, size: 500, rate: 50, duration: 30 * time.Second},
	// 1,000 users in 100 rooms of 10, 1,000 messages/s sustained accepted.
	"rooms100": {name: "rooms100", users: 1000, rooms: 100, size: 10, rate: 1000, duration: 30 * time.Second},
}

const (
	targetDeliveryP99 = 50 * time.Millisecond // room500
	targetAcceptRate  = 1000                  // messages/s, rooms100
	// maxBacklog is how long after the last scheduled send the last accepted result
	// may come for the accepted rate to count as sustained.
	maxBacklog = time.Second
	// serverUserRate is the server's DDP sendMessage limit per user per second.
	serverUserRate = 5
	maxChatUsers   = 20_000
	maxChatMsgs    = 5_000_000
)

// parsePresets reads -preset: a comma-separated list of preset names.
func parsePresets(s string) ([]chatSpec, error) {
	var out []chatSpec
	for p := range strings.SplitSeq(s, ",") {
		spec, ok := chatPresets[strings.TrimSpace(p)]
		if !ok {
			return nil, fmt.Errorf("-preset: unknown preset %q (want room500 or rooms100)", p)
		}
		out = append(out, spec)
	}
	return out, nil
}

// chatPlan is who is in which room and who sends which message when. Everything is
// derived from the spec, so two runs of the same spec send the same pattern.
//
// Room r's members are users (r·size + j) mod users, j < size: disjoint rooms when
// rooms·size ≤ users, wrapping around otherwise. Message k goes out at k/rate seconds
// into room k mod rooms, sent by member ⌊k/rooms⌋ mod size of that room: rooms take
// turns, and so do the members of each room, which spreads every user's messages
// evenly over the run.
type chatPlan struct {
	spec     chatSpec
	messages int
	members  [][]int // room → user indices
	roomsOf  [][]int // user → room indices
}

func newChatPlan(s chatSpec) (*chatPlan, error) {
	switch {
	case s.users < 1 || s.users > maxChatUsers:
		return nil, fmt.Errorf("-users must be between 1 and %d", maxChatUsers)
	case s.rooms < 1 || s.rooms > 10_000:
		return nil, errors.New("-rooms must be between 1 and 10000")
	case s.size < 1 || s.size > s.users:
		return nil, fmt.Errorf("-room-size must be between 1 and -users (%d)", s.users)
	case !(s.rate > 0) || s.rate > 100_000:
		return nil, errors.New("-rate must be above 0 and at most 100000 messages/s")
	case s.duration <= 0 || s.duration > time.Hour:
		return nil, errors.New("-duration must be positive and at most an hour")
	}
	n := int(math.Round(s.rate * s.duration.Seconds()))
	if n < 1 || n > maxChatMsgs {
		return nil, fmt.Errorf("-rate × -duration is %d messages; want 1 to %d", n, maxChatMsgs)
	}
	p := &chatPlan{spec: s, messages: n, members: make([][]int, s.rooms), roomsOf: make([][]int, s.users)}
	for r := range s.rooms {
		for j := range s.size {
			u := (r*s.size + j) % s.users
			p.members[r] = append(p.members[r], u)
			p.roomsOf[u] = append(p.roomsOf[u], r)
		}
	}
	return p, nil
}

// at returns when message k is due, counted from the start of sending.
func (p *chatPlan) at(k int) time.Duration {
	return time.Duration(math.Round(float64(k) * float64(time.Second) / p.spec.rate))
}

// room and sender return message k's room and sending user.
func (p *chatPlan) room(k int) int { return k % p.spec.rooms }

func (p *chatPlan) sender(k int) int {
	r := p.room(k)
	return p.members[r][(k/p.spec.rooms)%len(p.members[r])]
}

// window is how long sending takes: the last message is due one interval before it ends.
func (p *chatPlan) window() time.Duration { return p.at(p.messages) }

// maxUserRate returns the most messages one user is due to send within any one-second
// window, and who: the number the server's per-user limit is held against.
func (p *chatPlan) maxUserRate() (most, user int) {
	times := make([][]time.Duration, p.spec.users)
	for k := range p.messages {
		u := p.sender(k)
		times[u] = append(times[u], p.at(k))
	}
	for u, ts := range times {
		// ts is sorted: the largest i−j+1 with ts[i]−ts[j] < 1 s (less a microsecond
		// for rounding: sends exactly a second apart never share a window).
		j := 0
		for i := range ts {
			for ts[i]-ts[j] >= time.Second-time.Microsecond {
				j++
			}
			if n := i - j + 1; n > most {
				most, user = n, u
			}
		}
	}
	return most, user
}

// idlers returns how many users are in no room (rooms·size < users): they connect and
// log in but neither send nor receive.
func (p *chatPlan) idlers() int {
	n := 0
	for _, rs := range p.roomsOf {
		if len(rs) == 0 {
			n++
		}
	}
	return n
}

// String describes the plan in one line.
func (p *chatPlan) String() string {
	s := p.spec
	return fmt.Sprintf("%d users, %d room(s) of %d, %g messages/s for %v (%d messages)",
		s.users, s.rooms, s.size, s.rate, s.duration, p.messages)
}

// Message ids: 17 characters of Meteor's alphabet, a 6-character tag of the run and the
// message's number in 11 base-55 digits, so that a receiver finds the message's number
// (and so its send time) in the id without any shared map, and ignores messages of
// other runs.
const (
	idAlphabet = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"
	idTagLen   = 6
	idSeqLen   = 17 - idTagLen
)

var idDigit = func() (d [256]int8) {
	for i := range d {
		d[i] = -1
	}
	for i := range len(idAlphabet) {
		d[idAlphabet[i]] = int8(i)
	}
	return d
}()

// messageID returns the id of message k of the run tagged tag (idTagLen characters).
func messageID(tag string, k int) string {
	var b [17]byte
	copy(b[:], tag)
	for i := 16; i >= idTagLen; i-- {
		b[i] = idAlphabet[k%len(idAlphabet)]
		k /= len(idAlphabet)
	}
	return string(b[:])
}

// messageSeq returns k of an id made by messageID with tag; ok is false for any other id.
func messageSeq(tag, id string) (k int, ok bool) {
	if len(id) != 17 || id[:idTagLen] != tag {
		return 0, false
	}
	for i := idTagLen; i < 17; i++ {
		d := idDigit[id[i]]
		if d < 0 {
			return 0, false
		}
		k = k*len(idAlphabet) + int(d)
	}
	return k, true
}

// roomName is the channel name of room r (0-based) of rooms with size members:
// load-room-m500-001. The size is in the name so that runs of different shapes on one
// server never share a room.
func roomName(prefix string, size, r int) string {
	return fmt.Sprintf("%sroom-m%d-%03d", prefix, size, r+1)
}

// userName is user u (0-based): load-0001.
func userName(prefix string, u int) string { return fmt.Sprintf("%s%04d", prefix, u+1) }

// sortedDurations returns d sorted (in place).
func sortedDurations(d []time.Duration) []time.Duration {
	slices.Sort(d)
	return d
}

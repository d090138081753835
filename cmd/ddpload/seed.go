package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage"
	"github.com/outpostchat/outpost/storage/docdb"
)

// seedSpec is the history mode's dataset: messages spread evenly over rooms.
type seedSpec struct {
	messages, rooms int
}

// seedInfo is what was seeded, kept in the data directory's ddpload.json.
type seedInfo struct {
	Messages int         `json:"messages"`
	Rooms    []seedRoom  `json:"rooms"`
	User     string      `json:"user"` // the member of every room
	Complete bool        `json:"complete"`
	Took     string      `json:"took,omitempty"`
	Spec     seedSpecDoc `json:"spec"`
}

type seedSpecDoc struct {
	Messages int `json:"messages"`
	Rooms    int `json:"rooms"`
}

type seedRoom struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Messages int       `json:"messages"`
	Middle   time.Time `json:"middle"` // the ts of the room's middle message
	Newest   time.Time `json:"newest"`
}

// seedBatch is how many messages one transaction inserts: larger transactions were
// slower per message here (the statement journals of the full-text index's triggers).
const seedBatch = 200

var seedWords = strings.Fields(`the a deploy build is ok failing again please review this PR
	merged into main tomorrow meeting at noon lunch coffee server restart logs look fine
	why did it break can you check ticket customer reported slow page login works now
	thanks great done on it ETA soon release notes staging prod rollback hotfix`)

// seedHistory inserts spec's rooms (public channels load-history-N), a subscription
// for user in each, and spec.messages messages from user, straight into the store in
// transactions of seedBatch. Messages are one second apart, ending now, taking the
// rooms in turn; each is Rocket.Chat-shaped (about 100 characters of text and its md).
// progress is called after each transaction with the count so far.
//
// Message ids are increasing (a random tag, then the message's number), unlike the
// server's random ones: every index on _id then grows at its end. With random ids the
// inserts slow down as the collection grows (each lands on a random page of three
// _id indexes, past SQLite's default 2 MB page cache): 20,000 took 2 s at the start
// and 12 s past 100,000 here, against a steady 2 s with increasing ids.
func seedHistory(ctx context.Context, st *storage.Store, user model.UserRef, spec seedSpec, progress func(done int)) (*seedInfo, error) {
	if spec.rooms < 1 || spec.messages < spec.rooms {
		return nil, fmt.Errorf("seed: want at least one message per room (%d messages, %d rooms)", spec.messages, spec.rooms)
	}
	start := time.Now()
	info := &seedInfo{Messages: spec.messages, User: user.Username, Spec: seedSpecDoc{spec.messages, spec.rooms}}
	end := time.Now().UTC().Truncate(time.Millisecond)
	base := end.Add(-time.Duration(spec.messages-1) * time.Second)
	tsOf := func(g int) time.Time { return base.Add(time.Duration(g) * time.Second) }
	perRoom := func(r int) int { return spec.messages/spec.rooms + btoi(r < spec.messages%spec.rooms) }

	// Message g goes to room g mod rooms: room r holds g = r, r+rooms, …; its middle
	// message is its number perRoom/2, its newest the last.
	for r := range spec.rooms {
		n := perRoom(r)
		info.Rooms = append(info.Rooms, seedRoom{ID: model.NewID(), Name: fmt.Sprintf("load-history-%d", r+1), Messages: n,
			Middle: tsOf(r + (n/2)*spec.rooms), Newest: tsOf(r + (n-1)*spec.rooms)})
	}
	rng := rand.New(rand.NewPCG(42, uint64(spec.messages)))
	tag := model.RandomString(idTagLen)
	msgs := st.Docs.Collection(docdb.Messages)
	last := make([]model.Message, spec.rooms)
	for done := 0; done < spec.messages; {
		k := min(seedBatch, spec.messages-done)
		err := st.Docs.InTx(ctx, func(ctx context.Context) error {
			for g := done; g < done+k; g++ {
				r := g % spec.rooms
				m := seedMessage(rng, messageID(tag, g), info.Rooms[r].ID, user, tsOf(g))
				if err := msgs.Insert(ctx, m); err != nil {
					return err
				}
				last[r] = m
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("seed: messages %d-%d: %w", done, done+k, err)
		}
		done += k
		if progress != nil {
			progress(done)
		}
	}
	rooms := st.Docs.Collection(docdb.Rooms)
	subs := st.Docs.Collection(docdb.Subscriptions)
	err := st.Docs.InTx(ctx, func(ctx context.Context) error {
		for r, sr := range info.Rooms {
			lm := last[r]
			lm.MD = nil
			if err := rooms.Insert(ctx, model.Room{
				ID: sr.ID, T: model.RoomPublic, Name: sr.Name, FName: sr.Name, Ts: base, U: &user, Msgs: int64(sr.Messages),
				UsersCount: 1, LM: &lm.Ts, LastMessage: &lm, UpdatedAt: end,
			}); err != nil {
				return err
			}
			ls := end
			if err := subs.Insert(ctx, model.Subscription{
				ID: model.NewID(), RID: sr.ID, U: user, Name: sr.Name, FName: sr.Name, T: model.RoomPublic, Ts: base,
				LS: &ls, Open: true, Roles: []string{"owner"}, UpdatedAt: end,
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seed: rooms: %w", err)
	}
	info.Complete = true
	info.Took = time.Since(start).Round(time.Millisecond).String()
	return info, nil
}

// seedMessage is a plain user message with about 100 characters of text.
func seedMessage(rng *rand.Rand, id, rid string, u model.UserRef, ts time.Time) model.Message {
	var sb strings.Builder
	for sb.Len() < 100 {
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(seedWords[rng.IntN(len(seedWords))])
	}
	text := sb.String()
	return model.Message{
		ID: id, RID: rid, Msg: text, Ts: ts, U: u, UpdatedAt: ts,
		MD: mdParagraph(text),
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// mdParagraph is the md of a text without markup: one paragraph of plain text.
func mdParagraph(text string) json.RawMessage {
	b, _ := json.Marshal([]any{map[string]any{"type": "PARAGRAPH", "value": []any{map[string]any{"type": "PLAIN_TEXT", "value": text}}}})
	return b
}

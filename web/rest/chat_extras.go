package rest

import (
	"context"
	"net/http"
	"regexp"
	"time"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
)

// ChatExtras is what the reaction, pin, star, follow, list and moderation routes need;
// messaging.Service satisfies it. chatExtraRoutes serves them when Deps.Messaging does.
type ChatExtras interface {
	React(ctx context.Context, actor model.Actor, in messaging.ReactInput) error
	Pin(ctx context.Context, actor model.Actor, id string) (model.Message, error)
	Unpin(ctx context.Context, actor model.Actor, id string) error
	Pinned(ctx context.Context, actor model.Actor, rid string, offset, count int) (messaging.Page[model.Message], error)
	Star(ctx context.Context, actor model.Actor, in messaging.StarInput) (bool, error)
	Starred(ctx context.Context, actor model.Actor, rid string, offset, count int) (messaging.Page[model.Message], error)
	Mentioned(ctx context.Context, actor model.Actor, rid string, offset, count int) (messaging.Page[model.Message], error)
	Follow(ctx context.Context, actor model.Actor, mid string) error
	Unfollow(ctx context.Context, actor model.Actor, mid string) error
	SyncThreads(ctx context.Context, actor model.Actor, rid string, since time.Time) (messaging.ThreadSync, error)
	IgnoreUser(ctx context.Context, actor model.Actor, in messaging.IgnoreInput) error
	ReportMessage(ctx context.Context, actor model.Actor, messageID, description string) error
}

// chatExtraRoutes registers chat.react, the pin, star and follow routes, the pinned,
// starred and mentioned lists, chat.syncThreadsList, chat.ignoreUser and
// chat.reportMessage (PROTOCOL.md §4.1 E, §4.2).
func (a *api) chatExtraRoutes() {
	x, ok := a.Messaging.(ChatExtras)
	if !ok {
		return
	}
	h := chatExtras{x}
	a.handle("POST /api/v1/chat.react", a.authed(h.react))
	a.handle("POST /api/v1/chat.pinMessage", a.authed(h.pin))
	a.handle("POST /api/v1/chat.unPinMessage", a.authed(h.unpin))
	a.handle("POST /api/v1/chat.starMessage", a.authed(h.star(true)))
	a.handle("POST /api/v1/chat.unStarMessage", a.authed(h.star(false)))
	a.handle("POST /api/v1/chat.followMessage", a.authed(h.follow(x.Follow)))
	a.handle("POST /api/v1/chat.unfollowMessage", a.authed(h.follow(x.Unfollow)))
	a.handle("GET /api/v1/chat.getPinnedMessages", a.authed(h.list(x.Pinned)))
	a.handle("GET /api/v1/chat.getStarredMessages", a.authed(h.list(x.Starred)))
	a.handle("GET /api/v1/chat.getMentionedMessages", a.authed(h.list(x.Mentioned)))
	a.handle("GET /api/v1/chat.syncThreadsList", a.authed(h.syncThreads))
	a.handle("GET /api/v1/chat.ignoreUser", a.authed(h.ignoreUser))
	a.handle("POST /api/v1/chat.reportMessage", a.authed(h.report))
}

// chatExtras holds the handlers of chatExtraRoutes.
type chatExtras struct{ x ChatExtras }

// messageIDBody is the {messageId} body of the pin and star routes.
type messageIDBody struct {
	MessageID string `json:"messageId"`
}

func (b messageIDBody) check() error {
	if b.MessageID == "" {
		return missing("messageId")
	}
	return nil
}

// react serves POST chat.react {emoji (or the older reaction), messageId, shouldReact?}.
func (h chatExtras) react(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		messageIDBody
		Emoji       string `json:"emoji"`
		Reaction    string `json:"reaction"`
		ShouldReact *bool  `json:"shouldReact"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	if err := body.check(); err != nil {
		return err
	}
	emoji := body.Emoji
	if emoji == "" {
		emoji = body.Reaction
	}
	if emoji == "" {
		return model.Invalid("error-emoji-param-not-provided", `The required "emoji" param is missing.`)
	}
	if err := h.x.React(r.Context(), actorOf(r), messaging.ReactInput{Emoji: emoji, MessageID: body.MessageID, ShouldReact: body.ShouldReact}); err != nil {
		return err
	}
	return WriteSuccess(w, nil)
}

// pin serves POST chat.pinMessage {messageId} → {message}: the "message_pinned"
// system message (the message itself when it was pinned already).
func (h chatExtras) pin(w http.ResponseWriter, r *http.Request) error {
	var body messageIDBody
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	if err := body.check(); err != nil {
		return err
	}
	m, err := h.x.Pin(r.Context(), actorOf(r), body.MessageID)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"message": m})
}

// unpin serves POST chat.unPinMessage {messageId}.
func (h chatExtras) unpin(w http.ResponseWriter, r *http.Request) error {
	var body messageIDBody
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	if err := body.check(); err != nil {
		return err
	}
	if err := h.x.Unpin(r.Context(), actorOf(r), body.MessageID); err != nil {
		return err
	}
	return WriteSuccess(w, nil)
}

// star serves POST chat.starMessage and chat.unStarMessage {messageId}. Rocket.Chat
// answers success even when nothing changed (the actor is not in the room); Outpost
// says so instead.
func (h chatExtras) star(starred bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var body messageIDBody
		if err := DecodeJSON(r, &body); err != nil {
			return err
		}
		if err := body.check(); err != nil {
			return err
		}
		ok, err := h.x.Star(r.Context(), actorOf(r), messaging.StarInput{ID: body.MessageID, Starred: starred})
		if err != nil {
			return err
		}
		if !ok {
			return model.Invalid("error-not-allowed", "Not allowed")
		}
		return WriteSuccess(w, nil)
	}
}

// follow serves POST chat.followMessage and chat.unfollowMessage {mid}.
func (h chatExtras) follow(fn func(ctx context.Context, actor model.Actor, mid string) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var body struct {
			MID string `json:"mid"`
		}
		if err := DecodeJSON(r, &body); err != nil {
			return err
		}
		if body.MID == "" {
			return missing("mid")
		}
		if err := fn(r.Context(), actorOf(r), body.MID); err != nil {
			return err
		}
		return WriteSuccess(w, nil)
	}
}

// list serves GET chat.getPinnedMessages, chat.getStarredMessages and
// chat.getMentionedMessages ?roomId=&offset=&count= → {messages, count, offset, total}.
func (h chatExtras) list(fn func(ctx context.Context, actor model.Actor, rid string, offset, count int) (messaging.Page[model.Message], error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		if q.Get("roomId") == "" {
			return missing("roomId")
		}
		offset, count, err := pagination(q.Get("offset"), q.Get("count"))
		if err != nil {
			return err
		}
		p, err := fn(r.Context(), actorOf(r), q.Get("roomId"), offset, count)
		if err != nil {
			return err
		}
		return WriteSuccess(w, messagePage{Messages: p.Items, Count: len(p.Items), Offset: p.Offset, Total: p.Total})
	}
}

// messagePage is a paginated list of messages, its keys in Rocket.Chat's order.
type messagePage struct {
	Messages []model.Message `json:"messages"`
	Count    int             `json:"count"`
	Offset   int             `json:"offset"`
	Total    int64           `json:"total"`
}

// syncThreads serves GET chat.syncThreadsList?rid=&updatedSince= → {threads:{update, remove}}.
func (h chatExtras) syncThreads(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("rid") == "" {
		return missing("rid")
	}
	if q.Get("updatedSince") == "" {
		return missing("updatedSince")
	}
	since, err := queryDate(q, "updatedSince")
	if err != nil || since == nil {
		return model.Invalid("error-updatedSince-param-invalid", `The "updatedSince" query parameter must be a valid date.`)
	}
	res, err := h.x.SyncThreads(r.Context(), actorOf(r), q.Get("rid"), *since)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"threads": res})
}

// ignoreTrue is how Rocket.Chat reads chat.ignoreUser's ignore parameter.
var ignoreTrue = regexp.MustCompile(`true|1`)

// ignoreUser serves GET chat.ignoreUser?rid=&userId=&ignore=true|false (ignore
// defaults to true).
func (h chatExtras) ignoreUser(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	switch {
	case q.Get("rid") == "":
		return model.Invalid("error-room-id-param-not-provided", `The required "rid" param is missing.`)
	case q.Get("userId") == "":
		return model.Invalid("error-user-id-param-not-provided", `The required "userId" param is missing.`)
	}
	ignore := !q.Has("ignore") || ignoreTrue.MatchString(q.Get("ignore"))
	if err := h.x.IgnoreUser(r.Context(), actorOf(r), messaging.IgnoreInput{RID: q.Get("rid"), UserID: q.Get("userId"), Ignore: ignore}); err != nil {
		return err
	}
	return WriteSuccess(w, nil)
}

// report serves POST chat.reportMessage {messageId, description}.
func (h chatExtras) report(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		messageIDBody
		Description string `json:"description"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	if err := body.check(); err != nil {
		return err
	}
	if body.Description == "" {
		return missing("description")
	}
	if err := h.x.ReportMessage(r.Context(), actorOf(r), body.MessageID, body.Description); err != nil {
		return err
	}
	return WriteSuccess(w, nil)
}

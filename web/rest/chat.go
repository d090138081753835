package rest

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
)

// Messaging is messages; messaging.Service satisfies it. Every method checks that the
// actor may read the room (and write, for the writes).
type Messaging interface {
	Send(ctx context.Context, actor model.Actor, in messaging.SendInput) (model.Message, error)
	Update(ctx context.Context, actor model.Actor, in messaging.UpdateInput) (model.Message, error)
	Delete(ctx context.Context, actor model.Actor, in messaging.DeleteInput) (model.Message, error)
	Get(ctx context.Context, actor model.Actor, id string) (model.Message, error)
	History(ctx context.Context, actor model.Actor, in messaging.HistoryInput) (messaging.HistoryResult, error)
	Messages(ctx context.Context, actor model.Actor, rid string, offset, count int, asc bool) (messaging.Page[model.Message], error)
	Sync(ctx context.Context, actor model.Actor, in messaging.SyncInput) (messaging.SyncResult, error)
	Deleted(ctx context.Context, actor model.Actor, rid string, since time.Time, offset, count int) (messaging.Page[messaging.DeletedMessage], error)
	ThreadMessages(ctx context.Context, actor model.Actor, tmid string, offset, count int) (messaging.Page[model.Message], error)
	SyncThread(ctx context.Context, actor model.Actor, tmid string, since time.Time) (messaging.ThreadSync, error)
	Threads(ctx context.Context, actor model.Actor, in messaging.ThreadsInput) (messaging.Page[model.Message], error)
	Search(ctx context.Context, actor model.Actor, rid, text string, offset, count int) ([]model.Message, error)
	ResolveChannel(ctx context.Context, actor model.Actor, channel string) (string, error)
}

// chatRoutes registers chat.* and the rooms' history and messages routes.
func (a *api) chatRoutes() {
	a.handle("POST /api/v1/chat.sendMessage", a.authed(a.chatSendMessage))
	a.handle("POST /api/v1/chat.postMessage", a.authed(a.chatPostMessage))
	a.handle("POST /api/v1/chat.update", a.authed(a.chatUpdate))
	a.handle("POST /api/v1/chat.delete", a.authed(a.chatDelete))
	a.handle("GET /api/v1/chat.getMessage", a.authed(a.chatGetMessage))
	a.handle("GET /api/v1/chat.syncMessages", a.authed(a.chatSyncMessages))
	a.handle("GET /api/v1/chat.getDeletedMessages", a.authed(a.chatGetDeletedMessages))
	a.handle("GET /api/v1/chat.getThreadMessages", a.authed(a.chatGetThreadMessages))
	a.handle("GET /api/v1/chat.syncThreadMessages", a.authed(a.chatSyncThreadMessages))
	a.handle("GET /api/v1/chat.getThreadsList", a.authed(a.chatGetThreadsList))
	a.handle("GET /api/v1/chat.search", a.authed(a.chatSearch))
	a.chatExtraRoutes()
	a.roomHistoryRoutes()
	for _, prefix := range []string{"channels", "groups", "im", "dm"} {
		a.handle("GET /api/v1/"+prefix+".history", a.authed(a.roomHistory))
		a.handle("GET /api/v1/"+prefix+".messages", a.authed(a.roomMessages))
	}
}

// messageBody is chat.sendMessage's message object.
type messageBody struct {
	ID          string           `json:"_id"`
	RID         string           `json:"rid"`
	Msg         string           `json:"msg"`
	TMID        string           `json:"tmid"`
	TShow       bool             `json:"tshow"`
	Alias       string           `json:"alias"`
	Emoji       string           `json:"emoji"`
	Avatar      string           `json:"avatar"`
	Attachments []map[string]any `json:"attachments"`
	T           string           `json:"t"`
}

// sendMessageBody is chat.sendMessage's body. previewUrls names the message's URLs
// whose previews the client wants; Outpost is offline-first and fetches no URL
// previews, so the list is checked for its type and otherwise ignored.
type sendMessageBody struct {
	Message     *messageBody `json:"message"`
	PreviewURLs []string     `json:"previewUrls"`
}

// chatSendMessage serves POST chat.sendMessage {message:{_id?, rid, msg, tmid?, ...}}.
func (a *api) chatSendMessage(w http.ResponseWriter, r *http.Request) error {
	var body sendMessageBody
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.Message == nil {
		return missing("message")
	}
	m := body.Message
	if m.RID == "" {
		return model.Invalid(codeInvalidParams, "must have required property 'rid'")
	}
	if m.T != "" {
		return model.Invalid("error-invalid-params", "Cannot send system messages using 'chat.sendMessage'")
	}
	sent, err := a.Messaging.Send(r.Context(), actorOf(r), messaging.SendInput{ID: m.ID, RID: m.RID, Msg: m.Msg, TMID: m.TMID, TShow: m.TShow,
		Alias: m.Alias, Emoji: m.Emoji, Avatar: m.Avatar, Attachments: m.Attachments})
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"message": sent})
}

// chatPostMessage serves POST chat.postMessage {roomId | channel ("#name", "@user"),
// text, alias?, emoji?, avatar?, attachments?} → {ts, channel, message}.
func (a *api) chatPostMessage(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		RoomID      string           `json:"roomId"`
		Channel     string           `json:"channel"`
		Text        string           `json:"text"`
		Alias       string           `json:"alias"`
		Emoji       string           `json:"emoji"`
		Avatar      string           `json:"avatar"`
		Attachments []map[string]any `json:"attachments"`
		TMID        string           `json:"tmid"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	actor := actorOf(r)
	rid, channel := body.RoomID, body.RoomID
	if rid == "" {
		if body.Channel == "" {
			return model.Invalid("error-invalid-channel", "The channel or roomId must be provided")
		}
		var err error
		if rid, err = a.Messaging.ResolveChannel(r.Context(), actor, body.Channel); err != nil {
			return err
		}
		channel = body.Channel
	}
	sent, err := a.Messaging.Send(r.Context(), actor, messaging.SendInput{RID: rid, Msg: body.Text, TMID: body.TMID,
		Alias: body.Alias, Emoji: body.Emoji, Avatar: body.Avatar, Attachments: body.Attachments})
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"ts": time.Now().UnixMilli(), "channel": channel, "message": sent})
}

// chatUpdate serves POST chat.update {roomId, msgId, text}.
func (a *api) chatUpdate(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		RoomID string  `json:"roomId"`
		MsgID  string  `json:"msgId"`
		Text   *string `json:"text"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	switch {
	case body.RoomID == "":
		return missing("roomId")
	case body.MsgID == "":
		return missing("msgId")
	case body.Text == nil:
		return missing("text")
	}
	m, err := a.Messaging.Update(r.Context(), actorOf(r), messaging.UpdateInput{ID: body.MsgID, RID: body.RoomID, Msg: *body.Text})
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"message": m})
}

// chatDelete serves POST chat.delete {roomId, msgId, asUser?} → {_id, ts, message:{_id, rid, u}}.
func (a *api) chatDelete(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		RoomID string `json:"roomId"`
		MsgID  string `json:"msgId"`
		AsUser bool   `json:"asUser"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	switch {
	case body.RoomID == "":
		return missing("roomId")
	case body.MsgID == "":
		return missing("msgId")
	}
	m, err := a.Messaging.Delete(r.Context(), actorOf(r), messaging.DeleteInput{ID: body.MsgID, RID: body.RoomID, AsUser: body.AsUser})
	if err != nil {
		return err
	}
	// Rocket.Chat answers ts as Date.now().toString().
	return WriteSuccess(w, map[string]any{"_id": m.ID, "ts": strconv.FormatInt(time.Now().UnixMilli(), 10),
		"message": map[string]any{"_id": m.ID, "rid": m.RID, "u": m.U}})
}

// chatGetMessage serves GET chat.getMessage?msgId=.
func (a *api) chatGetMessage(w http.ResponseWriter, r *http.Request) error {
	id := r.URL.Query().Get("msgId")
	if id == "" {
		return model.Invalid(codeInvalidParams, `The "msgId" query parameter must be provided.`)
	}
	m, err := a.Messaging.Get(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"message": m})
}

// queryDate reads an ISO date parameter; nil when absent.
func queryDate(q map[string][]string, name string) (*time.Time, error) {
	v := first(q[name])
	if v == "" {
		return nil, nil
	}
	if t, err := parseDate(v); err == nil {
		return &t, nil
	}
	return nil, model.Invalid("error-invalid-date", "The \""+name+"\" query parameter must be a valid date.")
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// queryBool reads a boolean parameter as Rocket.Chat does: "true" or "1".
func queryBool(v string, def bool) bool {
	if v == "" {
		return def
	}
	return v == "true" || v == "1"
}

// chatSyncMessages serves GET chat.syncMessages?roomId=&lastUpdate= or
// ?roomId=&type=UPDATED|DELETED&next=|previous=&count=.
func (a *api) chatSyncMessages(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	last, err := queryDate(q, "lastUpdate")
	if err != nil {
		return model.Invalid("error-lastUpdate-param-invalid", `The "lastUpdate" query parameter must be a valid date`)
	}
	count, err := atoiOr(q.Get("count"), 0)
	if err != nil || count < 0 {
		return model.Invalid(codeInvalidParams, "count must be a non-negative integer")
	}
	res, err := a.Messaging.Sync(r.Context(), actorOf(r), messaging.SyncInput{RID: q.Get("roomId"), LastUpdate: last,
		Type: q.Get("type"), Next: q.Get("next"), Previous: q.Get("previous"), Count: count})
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"result": res})
}

// chatGetDeletedMessages serves GET chat.getDeletedMessages?roomId=&since=.
func (a *api) chatGetDeletedMessages(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("roomId") == "" {
		return missing("roomId")
	}
	since, err := queryDate(q, "since")
	if err != nil {
		return err
	}
	if since == nil {
		return missing("since")
	}
	offset, count, err := pagination(q.Get("offset"), q.Get("count"))
	if err != nil {
		return err
	}
	p, err := a.Messaging.Deleted(r.Context(), actorOf(r), q.Get("roomId"), *since, offset, count)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"messages": p.Items, "count": len(p.Items), "offset": p.Offset, "total": p.Total})
}

// chatGetThreadMessages serves GET chat.getThreadMessages?tmid= (oldest first).
func (a *api) chatGetThreadMessages(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("tmid") == "" {
		return missing("tmid")
	}
	offset, count, err := pagination(q.Get("offset"), q.Get("count"))
	if err != nil {
		return err
	}
	p, err := a.Messaging.ThreadMessages(r.Context(), actorOf(r), q.Get("tmid"), offset, count)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"messages": p.Items, "count": len(p.Items), "offset": p.Offset, "total": p.Total})
}

// chatSyncThreadMessages serves GET chat.syncThreadMessages?tmid=&updatedSince=.
func (a *api) chatSyncThreadMessages(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("tmid") == "" {
		return missing("tmid")
	}
	since, err := queryDate(q, "updatedSince")
	if err != nil || since == nil {
		return model.Invalid("error-updatedSince-param-invalid", `The "updatedSince" query parameter must be a valid date.`)
	}
	res, err := a.Messaging.SyncThread(r.Context(), actorOf(r), q.Get("tmid"), *since)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"messages": res})
}

// chatGetThreadsList serves GET chat.getThreadsList?rid=&type=&text=&offset=&count=.
func (a *api) chatGetThreadsList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("rid") == "" {
		return missing("rid")
	}
	offset, count, err := pagination(q.Get("offset"), q.Get("count"))
	if err != nil {
		return err
	}
	p, err := a.Messaging.Threads(r.Context(), actorOf(r), messaging.ThreadsInput{RID: q.Get("rid"), Type: q.Get("type"),
		Text: q.Get("text"), Offset: offset, Count: count})
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"threads": p.Items, "count": len(p.Items), "offset": p.Offset, "total": p.Total})
}

// chatSearch serves GET chat.search?roomId=&searchText=&offset=&count=.
func (a *api) chatSearch(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, count, err := pagination(q.Get("offset"), q.Get("count"))
	if err != nil {
		return err
	}
	msgs, err := a.Messaging.Search(r.Context(), actorOf(r), q.Get("roomId"), q.Get("searchText"), offset, count)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"messages": msgs})
}

// roomHistory serves GET channels.history (groups., im., dm.): roomId, latest,
// oldest, inclusive, offset, count (default 20), unreads, showThreadMessages.
func (a *api) roomHistory(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	rid := q.Get("roomId")
	if rid == "" {
		return missing("roomId")
	}
	latest, err := queryDate(q, "latest")
	if err != nil {
		return err
	}
	oldest, err := queryDate(q, "oldest")
	if err != nil {
		return err
	}
	offset, err1 := atoiOr(q.Get("offset"), 0)
	count, err2 := atoiOr(q.Get("count"), 20)
	if err1 != nil || err2 != nil || offset < 0 || count < 0 {
		return model.Invalid(codeInvalidParams, "offset and count must be non-negative integers")
	}
	res, err := a.Messaging.History(r.Context(), actorOf(r), messaging.HistoryInput{RID: rid, Latest: latest, Oldest: oldest,
		Inclusive: queryBool(q.Get("inclusive"), false), Offset: offset, Count: count,
		Unreads: queryBool(q.Get("unreads"), false), ShowThreadMessages: queryBool(q.Get("showThreadMessages"), true)})
	if err != nil {
		return err
	}
	return WriteSuccess(w, res)
}

// roomMessages serves GET channels.messages (groups., im., dm.): roomId, offset,
// count, sort={"ts":1|-1}.
func (a *api) roomMessages(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	rid := q.Get("roomId")
	if rid == "" {
		return missing("roomId")
	}
	offset, count, err := pagination(q.Get("offset"), q.Get("count"))
	if err != nil {
		return err
	}
	asc := false
	if s := q.Get("sort"); s != "" {
		fields, err := parseSortFields(s)
		if err != nil {
			return err
		}
		for _, f := range fields {
			if f.Field == "ts" {
				asc = !f.Desc
			}
		}
	}
	p, err := a.Messaging.Messages(r.Context(), actorOf(r), rid, offset, count, asc)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"messages": p.Items, "count": len(p.Items), "offset": p.Offset, "total": p.Total})
}

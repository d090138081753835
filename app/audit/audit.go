// Package audit keeps the audit log: who changed what, when and from where, for every
// change an administrator makes through the admin console (and, later, other
// administrative paths). Entries are only ever added; the console lists them newest
// first, a page at a time.
//
// Rocket.Chat Community Edition keeps no such log (its Enterprise "server-events"
// audit records setting changes only); Outpost records every console change in its own
// collection, outpost_audit, which Rocket.Chat never reads.
package audit

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// Entry is one document of outpost_audit.
type Entry struct {
	ID     string            `json:"_id"`
	Ts     time.Time         `json:"ts"`
	Actor  model.UserRef     `json:"actor"`            // who
	Action string            `json:"action"`           // what, e.g. "user.update"
	Target string            `json:"target,omitempty"` // what it was done to, e.g. a username
	Fields map[string]string `json:"fields,omitempty"` // details: changed fields and the like; never secrets
	Addr   string            `json:"addr,omitempty"`   // the client's address
	Via    string            `json:"via,omitempty"`    // the path it came by: "admin" for the console
}

// Store keeps outpost_audit; docdb.AuditStore[Entry] implements it.
type Store interface {
	// InsertAudit stores a new entry.
	InsertAudit(ctx context.Context, e Entry) error
	// AuditPage returns entries newest first, skipping offset and at most limit of
	// them, and how many there are in all.
	AuditPage(ctx context.Context, offset, limit int) ([]Entry, int64, error)
}

// Permissions is the check listing the log asks; authz.Service satisfies it.
type Permissions interface {
	Can(ctx context.Context, actor model.Actor, permission, scope string) bool
}

// PermView is the permission that shows the audit log. Rocket.Chat's Enterprise audit
// uses can-audit-log, which its Community permission list (and so Outpost's) lacks;
// view-logs is the closest it has, held by admins by default.
const PermView = "view-logs"

// Service records and lists audit entries.
type Service struct {
	store Store
	perms Permissions
	log   *slog.Logger
	now   func() time.Time
}

// New returns the audit service.
func New(store Store, perms Permissions, log *slog.Logger) *Service {
	return &Service{store: store, perms: perms, log: log, now: time.Now}
}

// Record is a change to write down.
type Record struct {
	Action string
	Target string
	Fields map[string]string
	Addr   string
	Via    string
}

// maxField bounds each recorded text, so a huge form value cannot bloat the log.
const maxField = 512

// Record writes down that actor made a change. Call it after the change committed. A
// failure is logged and returned; the change it records stands.
func (s *Service) Record(ctx context.Context, actor model.Actor, r Record) error {
	if strings.TrimSpace(r.Action) == "" {
		return model.Invalid("error-invalid-params", "An audit entry needs an action")
	}
	e := Entry{
		ID: model.NewID(), Ts: s.now().UTC().Truncate(time.Millisecond),
		Actor:  model.UserRef{ID: actor.UserID, Username: actor.Username},
		Action: clip(r.Action), Target: clip(r.Target), Addr: clip(r.Addr), Via: clip(r.Via),
	}
	if len(r.Fields) > 0 {
		e.Fields = make(map[string]string, len(r.Fields))
		for k, v := range r.Fields {
			e.Fields[clip(k)] = clip(v)
		}
	}
	if err := s.store.InsertAudit(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("writing the audit log", "action", e.Action, "by", actor.Username, "err", err)
		return model.Internal(err)
	}
	return nil
}

// Page is one page of the log, newest first.
type Page struct {
	Entries []Entry
	Offset  int
	Total   int64
}

// MaxPage is the most entries one page holds.
const MaxPage = 200

// List returns entries newest first (needs PermView). A count outside 1..MaxPage is
// clamped; a negative offset is 0.
func (s *Service) List(ctx context.Context, actor model.Actor, offset, count int) (Page, error) {
	if !s.perms.Can(ctx, actor, PermView, "") {
		return Page{}, model.Forbidden("error-not-allowed")
	}
	count = min(max(count, 1), MaxPage)
	offset = max(offset, 0)
	entries, total, err := s.store.AuditPage(ctx, offset, count)
	if err != nil {
		return Page{}, model.Internal(err)
	}
	return Page{Entries: entries, Offset: offset, Total: total}, nil
}

func clip(s string) string {
	if len(s) <= maxField {
		return s
	}
	cut := maxField
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}

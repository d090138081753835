package docdb

import (
	"context"
	"fmt"
	"time"
)

// Rocket.Chat keeps a copy of every deleted room and subscription in rocketchat__trash:
// the whole document plus __collection__ (the collection it came from) and _deletedAt.
// Clients syncing with rooms.get and subscriptions.get ?updatedSince= learn about
// removals from it. A document deleted twice (a direct message's fixed _id) keeps its
// latest copy.

// trash copies doc, deleted from collection at at, into the trash, inside ctx's
// transaction. doc must have a string _id.
func trash(ctx context.Context, db *DB, collection string, doc Doc, at time.Time) error {
	id, _ := doc.Get("_id")
	sid, ok := id.(string)
	if !ok {
		return fmt.Errorf("docdb: trash: %s document without a string _id", collection)
	}
	t := db.Collection(Trash)
	out := make(Doc, 0, len(doc)+2)
	for _, f := range doc {
		if f.Key != "__collection__" && f.Key != "_deletedAt" {
			out = append(out, f)
		}
	}
	out = append(out, Field{Key: "__collection__", Value: collection}, Field{Key: "_deletedAt", Value: at})
	return db.InTx(ctx, func(ctx context.Context) error {
		if _, err := t.Delete(ctx, ByID(sid)); err != nil {
			return err
		}
		return t.Insert(ctx, out)
	})
}

// trashedSince returns the _id and _deletedAt of the documents of collection deleted
// after since, narrowed by the extra condition when not empty.
func trashedSince(ctx context.Context, db *DB, collection string, since time.Time, extra string, args ...any) (map[string]time.Time, error) {
	where := F("__collection__") + " = ? AND " + F("_deletedAt") + " > ?"
	qargs := []any{collection, since.UnixMilli()}
	if extra != "" {
		where += " AND " + extra
		qargs = append(qargs, args...)
	}
	out := map[string]time.Time{}
	err := db.Collection(Trash).Each(ctx, Query{Where: where, Args: qargs}, func(d Doc) error {
		id, _ := d.Get("_id")
		at, _ := d.Get("_deletedAt")
		sid, ok := id.(string)
		if !ok {
			return nil
		}
		t, _ := at.(time.Time)
		out[sid] = t
		return nil
	})
	return out, err
}

package docdb

import (
	"context"
	"fmt"
	"strings"
)

// Rocket.Chat's collection names used by Outpost.
const (
	Users         = "users"
	Settings      = "rocketchat_settings"
	Rooms         = "rocketchat_room"
	Subscriptions = "rocketchat_subscription"
	Messages      = "rocketchat_message"
	Roles         = "rocketchat_roles"
	Permissions   = "rocketchat_permissions"
	Uploads       = "rocketchat_uploads"
	Trash         = "rocketchat__trash"
)

// CollectionSpec describes a collection: its Mongo indexes, created through FerretDB so
// Mongo tools list them (used for unique keys), and Outpost's own SQLite expression
// indexes, which serve the hot queries.
type CollectionSpec struct {
	Name         string
	MongoIndexes []MongoIndex
	Indexes      []Index
}

// MongoIndex is an index as Mongo tools see it.
type MongoIndex struct {
	Name   string
	Keys   []string // dotted field paths, ascending
	Unique bool
}

// Index is an expression index over dotted field paths; a path ending in " DESC" sorts
// descending, and "lower(path)" indexes the lower-cased value.
type Index struct {
	Name   string // must start with "outpost_"
	Fields []string
	Unique bool
}

// Schema lists every collection Outpost uses.
var Schema = []CollectionSpec{
	{Name: Users, Indexes: []Index{
		{Name: "outpost_users_username", Fields: []string{"lower(username)"}},
	}},
	{Name: Settings},
	{Name: Rooms, Indexes: []Index{
		{Name: "outpost_room_name", Fields: []string{"name"}},
	}},
	{Name: Subscriptions,
		MongoIndexes: []MongoIndex{{Name: "rid_1_u._id_1", Keys: []string{"rid", "u._id"}, Unique: true}},
		Indexes: []Index{
			{Name: "outpost_subscription_rid", Fields: []string{"rid"}},
			{Name: "outpost_subscription_uid", Fields: []string{"u._id"}},
		}},
	{Name: Messages, Indexes: []Index{
		{Name: "outpost_message_rid_ts", Fields: []string{"rid", "ts"}},
	}},
	{Name: Roles},
	{Name: Permissions},
	{Name: Uploads},
	{Name: Trash},
}

// migrations change existing data between versions; each runs once, in order, in its
// own transaction, and PRAGMA user_version records how many have run. Append only.
var migrations = []func(ctx context.Context, db *DB) error{}

// createIndexes creates Outpost's indexes; it is idempotent and runs before the writer
// loop takes the writer connection.
func (db *DB) createIndexes(ctx context.Context) error {
	for _, c := range Schema {
		for _, ix := range c.Indexes {
			if _, err := db.writer.ExecContext(ctx, indexSQL(db.tables[c.Name], ix)); err != nil {
				return fmt.Errorf("docdb: index %s: %w", ix.Name, err)
			}
		}
	}
	return nil
}

// migrate runs the pending migrations.
func (db *DB) migrate(ctx context.Context) error {
	var version int
	if err := db.readers.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	for i := version; i < len(migrations); i++ {
		err := db.InTx(ctx, func(ctx context.Context) error {
			if err := migrations[i](ctx, db); err != nil {
				return err
			}
			_, err := txFrom(ctx).conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("docdb: migration %d: %w", i+1, err)
		}
		db.log.Info("migrated store", "version", i+1)
	}
	return nil
}

func indexSQL(table string, ix Index) string {
	if !strings.HasPrefix(ix.Name, "outpost_") {
		panic("docdb: index name without outpost_ prefix: " + ix.Name)
	}
	cols := make([]string, len(ix.Fields))
	for i, f := range ix.Fields {
		path, desc := strings.CutSuffix(f, " DESC")
		if inner, ok := strings.CutPrefix(path, "lower("); ok {
			cols[i] = "lower(" + F(strings.TrimSuffix(inner, ")")) + ")"
		} else {
			cols[i] = F(path)
		}
		if desc {
			cols[i] += " DESC"
		}
	}
	unique := ""
	if ix.Unique {
		unique = "UNIQUE "
	}
	return fmt.Sprintf(`CREATE %sINDEX IF NOT EXISTS %q ON %q (%s)`, unique, ix.Name, table, strings.Join(cols, ", "))
}

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

// MultiKey indexes the elements of an array field, which SQLite's expression indexes
// cannot: a side table of (key, _id) rows kept right by triggers on the collection's
// table, so writes through FerretDB keep it right too. Field names the element's
// sub-field ("" for arrays of scalars); Lower folds keys to lower case.
type MultiKey struct {
	Table      string // the side table; must start with "outpost_"
	Collection string
	Path       string
	Field      string
	Lower      bool
}

// MultiKeys lists the array indexes.
var MultiKeys = []MultiKey{
	{Table: "outpost_users_login_tokens", Collection: Users, Path: "services.resume.loginTokens", Field: "hashedToken"},
	{Table: "outpost_users_emails", Collection: Users, Path: "emails", Field: "address", Lower: true},
	{Table: "outpost_users_roles", Collection: Users, Path: "roles"},
	{Table: "outpost_room_uids", Collection: Rooms, Path: "uids"},
	{Table: messageMentionsTable, Collection: Messages, Path: "mentions", Field: "_id"}, // chat.getMentionedMessages
}

// Schema lists every collection Outpost uses.
var Schema = []CollectionSpec{
	{Name: Users, Indexes: []Index{
		{Name: "outpost_users_username", Fields: []string{"lower(username)"}},
		// Listings sorted by username (users.list, the admin console); active and status
		// let the console's filters be tested on the index while it is walked (migration 2).
		{Name: "outpost_users_username_sort", Fields: []string{"username", "_id", "active", "status"}},
		// The admin console's status filter, walked in username order to the page's end,
		// with the active filter tested and counted on the index (outpost_users_status,
		// on status alone, made each page sort every user of a status).
		{Name: "outpost_users_status_username", Fields: []string{"status", "username", "_id", "active"}},
	}},
	{Name: Settings},
	{Name: Rooms, Indexes: []Index{
		{Name: "outpost_room_name", Fields: []string{"name"}},
		{Name: "outpost_room_name_lower", Fields: []string{"lower(name)"}},
		{Name: "outpost_room_t_name", Fields: []string{"t", "name"}},
		{Name: "outpost_room_default", Fields: []string{"default", "name"}},
		// The console's rooms list by name (rooms_admin.go), with the fields its filters test.
		{Name: "outpost_room_admin", Fields: []string{"name", "_id", "default", "t"}},
	}},
	{Name: Subscriptions,
		MongoIndexes: []MongoIndex{{Name: "rid_1_u._id_1", Keys: []string{"rid", "u._id"}, Unique: true}},
		Indexes: []Index{
			{Name: "outpost_subscription_rid", Fields: []string{"rid"}},
			{Name: "outpost_subscription_uid", Fields: []string{"u._id"}},
			{Name: "outpost_subscription_rid_username", Fields: []string{"rid", "u.username"}},
			// Covers a send's "alert every other member" update and the room's member ids,
			// so neither parses a member's subscription document unless it changes.
			{Name: "outpost_subscription_rid_alert_open_uid", Fields: []string{"rid", "alert", "open", "u._id"}},
			// A room's role holders (owners, moderators, leaders) without reading its other
			// members' documents (RoleHolders, the admin console's room page).
			{Name: "outpost_subscription_rid_roles", Fields: []string{"rid", "roles"}},
		}},
	{Name: Messages, Indexes: []Index{
		// History: a room's messages by date. The visibility fields the history filters
		// read (_hidden, t, tmid, tshow) are in the index, so SQLite tests them there
		// instead of parsing each message's JSON (migration 1 widened it).
		{Name: "outpost_message_rid_ts", Fields: []string{"rid", "ts", "_hidden", "t", "tmid", "tshow"}},
		{Name: "outpost_message_rid_updated", Fields: []string{"rid", "_updatedAt"}},     // chat.syncMessages
		{Name: "outpost_message_tmid_ts", Fields: []string{"tmid", "ts"}},                // thread replies
		{Name: "outpost_message_rid_tlm", Fields: []string{"rid", "tlm"}},                // threads list
		{Name: "outpost_message_rid_pinned_ts", Fields: []string{"rid", "pinned", "ts"}}, // chat.getPinnedMessages
		{Name: "outpost_message_rid_starred", Fields: []string{"rid", "starred"}},        // chat.getStarredMessages
		{Name: "outpost_message_uid", Fields: []string{"u._id"}},                         // a deleted user's messages (Message_ErasureType)
	}},
	{Name: Roles},
	{Name: Permissions},
	{Name: Uploads, Indexes: []Index{
		{Name: "outpost_uploads_rid_name", Fields: []string{"rid", "name"}}, // channels.files (groups., im.)
		// The per-user daily quota: a user's uploads since a time, sizes summed (UploadedBytes).
		{Name: "outpost_uploads_user_uploaded", Fields: []string{"userId", "uploadedAt"}},
		// rooms.images: a room's images, newest first (RoomImagesQuery).
		{Name: "outpost_uploads_rid_type_uploaded", Fields: []string{"rid", "typeGroup", "uploadedAt", "_hidden", "expiresAt"}},
		// The admin console's uploads page, newest first, and its totals (uploads_admin.go).
		{Name: "outpost_uploads_uploaded", Fields: []string{"uploadedAt", "_id", "typeGroup", "expiresAt", "userId", "rid", "size"}},
		{Name: "outpost_uploads_original", Fields: []string{"originalFileId"}}, // a file's thumbnails
	}},
	{Name: Trash, Indexes: []Index{
		{Name: "outpost_trash_collection_deleted", Fields: []string{"__collection__", "_deletedAt"}},
		// chat.syncMessages' and getDeletedMessages' deleted messages of a room.
		{Name: "outpost_trash_message_rid_deleted", Fields: []string{"__collection__", "rid", "_deletedAt"}},
	}},
	{Name: ModerationReports}, // chat.reportMessage
	{Name: Audit, Indexes: []Index{
		{Name: "outpost_audit_ts", Fields: []string{"ts"}}, // the console's audit log, newest first (read backwards)
	}},
}

// migrations change existing data between versions; each runs once, in order, in its
// own transaction, and PRAGMA user_version records how many have run. Append only.
var migrations = []func(ctx context.Context, db *DB) error{
	widenHistoryIndex,
	adminUserIndexes, // users_roles.go
}

// widenHistoryIndex rebuilds outpost_message_rid_ts, which was (rid, ts) before
// migration 1, with the columns Schema now gives it.
func widenHistoryIndex(ctx context.Context, db *DB) error {
	return db.rebuildIndex(ctx, Messages, "outpost_message_rid_ts")
}

// rebuildIndex drops an index of a collection and creates it again from Schema.
func (db *DB) rebuildIndex(ctx context.Context, collection, name string) error {
	for _, c := range Schema {
		if c.Name != collection {
			continue
		}
		for _, ix := range c.Indexes {
			if ix.Name != name {
				continue
			}
			conn := txFrom(ctx).conn
			if _, err := conn.ExecContext(ctx, fmt.Sprintf(`DROP INDEX IF EXISTS %q`, name)); err != nil {
				return err
			}
			_, err := conn.ExecContext(ctx, indexSQL(db.tables[collection], ix))
			return err
		}
	}
	return fmt.Errorf("docdb: no index %s on %s in Schema", name, collection)
}

// createIndexes creates Outpost's indexes; it is idempotent and runs before the writer
// loop takes the writer connection.
func (db *DB) createIndexes(ctx context.Context) error {
	for _, c := range Schema {
		// FerretDB finds, updates and deletes by _id with `_ferretdb_sjson->'$._id' = ?`,
		// not the expression its own _id_ index is on: without this index every such
		// statement scans the table, while holding SQLite's write lock for writes.
		table := db.tables[c.Name]
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (%s->'$._id')`, "outpost_"+table+"_ferretdb_id", table, docColumn)
		if _, err := db.writer.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("docdb: FerretDB _id index of %s: %w", c.Name, err)
		}
		for _, ix := range c.Indexes {
			if _, err := db.writer.ExecContext(ctx, indexSQL(db.tables[c.Name], ix)); err != nil {
				return fmt.Errorf("docdb: index %s: %w", ix.Name, err)
			}
		}
	}
	for _, ix := range searchIndexes { // fts.go
		if err := ix.create(ctx, db); err != nil {
			return err
		}
	}
	for _, mk := range MultiKeys {
		// A new side table is filled from the documents once; from then on the
		// triggers keep it, so a start does not read a whole (maybe huge) collection.
		var exists int
		if err := db.writer.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, mk.Table).Scan(&exists); err != nil {
			return fmt.Errorf("docdb: multikey %s: %w", mk.Table, err)
		}
		for _, q := range mk.sql(db.tables[mk.Collection], exists == 0) {
			if _, err := db.writer.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("docdb: multikey %s: %w", mk.Table, err)
			}
		}
	}
	return nil
}

// sql returns the statements that create the side table, (re)create its triggers, so
// they always match this code, and, with fill, fill it from the existing documents;
// each start runs them, and each is idempotent.
func (mk MultiKey) sql(table string, fill bool) []string {
	if !strings.HasPrefix(mk.Table, "outpost_") {
		panic("docdb: multikey table without outpost_ prefix: " + mk.Table)
	}
	F(mk.Path) // validates the path
	key := "e.value"
	if mk.Field != "" {
		F(mk.Field)
		key = "e.value->>'$." + mk.Field + "'"
	}
	if mk.Lower {
		key = "lower(" + key + ")"
	}
	fillAll := func(row string) string {
		return fmt.Sprintf(`INSERT OR IGNORE INTO %[1]s (key, id) SELECT %[2]s, %[3]s.%[4]s->>'$._id' FROM json_each(%[3]s.%[4]s, '$.%[5]s') e WHERE %[2]s IS NOT NULL;`,
			mk.Table, key, row, docColumn, mk.Path)
	}
	// fillOne is fill for one row of a trigger: the document's _id is taken once, not
	// once per array element (->> on a large document costs its size every time).
	fillOne := func(row string) string {
		return fmt.Sprintf(`INSERT OR IGNORE INTO %[1]s (key, id) SELECT %[2]s, d.id FROM (SELECT %[3]s.%[4]s->>'$._id' AS id LIMIT 1) d, json_each(%[3]s.%[4]s, '$.%[5]s') e WHERE %[2]s IS NOT NULL;`,
			mk.Table, key, row, docColumn, mk.Path)
	}
	clear := func(row string) string {
		return fmt.Sprintf(`DELETE FROM %s WHERE id = %s.%s->>'$._id';`, mk.Table, row, docColumn)
	}
	t := fmt.Sprintf("%q", table)
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS ` + mk.Table + ` (key TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (key, id)) WITHOUT ROWID`,
		`CREATE INDEX IF NOT EXISTS ` + mk.Table + `_id ON ` + mk.Table + ` (id)`,
		`DROP TRIGGER IF EXISTS ` + mk.Table + `_insert`,
		`CREATE TRIGGER ` + mk.Table + `_insert AFTER INSERT ON ` + t + ` BEGIN ` + fillOne("NEW") + ` END`,
		`DROP TRIGGER IF EXISTS ` + mk.Table + `_update`,
		`CREATE TRIGGER ` + mk.Table + `_update AFTER UPDATE ON ` + t + ` BEGIN ` + clear("OLD") + fillOne("NEW") + ` END`,
		`DROP TRIGGER IF EXISTS ` + mk.Table + `_delete`,
		`CREATE TRIGGER ` + mk.Table + `_delete AFTER DELETE ON ` + t + ` BEGIN ` + clear("OLD") + ` END`,
	}
	if fill {
		stmts = append(stmts, strings.Replace(fillAll(t), "FROM json_each", "FROM "+t+", json_each", 1))
	}
	return stmts
}

// InMultiKey is the condition "the document's _id is among those whose array at mk
// holds key", answered from mk's side table and the _id index.
func InMultiKey(table string) string {
	return docColumn + `->'_id' IN (SELECT json_quote(id) FROM ` + table + ` WHERE key = ?)`
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

// Package docdb is Outpost's document store: Rocket.Chat's collections kept as tables in
// FerretDB's own SQLite layout, read and written directly with SQL (DESIGN.md §2).
//
// One writer connection runs every write transaction; transactions that arrive while a
// commit is in flight are grouped into the next commit (group commit), and each is
// acknowledged only once that commit is durable (WAL, synchronous=FULL). Reads go to a
// pool of read-only connections, or to the writer when they run inside a transaction.
package docdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// FileName is the database file FerretDB keeps the "rocketchat" database in.
const FileName = "rocketchat.sqlite"

// ferretdb's table of collections and the column holding each document.
const (
	metadataTable = "_ferretdb_collections"
	docColumn     = "_ferretdb_sjson"
)

// DB is an open store.
type DB struct {
	log     *slog.Logger
	readers *sql.DB
	stmts   *stmtCache // prepared statements on readers
	writer  *sql.DB
	tables  map[string]string // collection name -> table name

	queue  chan *txRequest
	done   chan struct{}
	wg     sync.WaitGroup
	mu     sync.RWMutex // held to read closed while queueing; taken to set it
	closed bool

	closeOnce sync.Once
}

// Open opens the store in dir (the directory FerretDB serves). The collections in
// Schema must already exist, created through FerretDB; Open creates Outpost's own
// indexes and runs pending migrations.
func Open(ctx context.Context, dir string, log *slog.Logger) (*DB, error) {
	registerFunctions()
	path := filepath.Join(dir, FileName)
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	r.SetConnMaxLifetime(0)

	db := &DB{log: log, readers: r, stmts: newStmtCache(r, true), writer: w, queue: make(chan *txRequest, 1024), done: make(chan struct{})}
	if err := db.loadTables(ctx); err != nil {
		db.closeConns()
		return nil, err
	}
	if err := db.createIndexes(ctx); err != nil {
		db.closeConns()
		return nil, err
	}
	db.wg.Add(1)
	go db.writeLoop()
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(wal)")
	q.Add("_pragma", "synchronous(full)")
	// Statement journals (every multi-row UPDATE on a table with a unique index, and each
	// request's savepoint) stay in memory instead of spilling to a temp file past 64 KiB.
	q.Add("_pragma", "temp_store(memory)")
	// Page caches (SQLite's default is 2 MB): the writer's holds the hot index pages of
	// the big tables, so inserts with random _ids stay fast as they grow; a reader's
	// holds a room's recent history. They fill only as pages are read.
	if readOnly {
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", "cache_size(-8192)") // 8 MiB
	} else {
		q.Set("_txlock", "immediate")
		q.Add("_pragma", "cache_size(-32768)") // 32 MiB
	}
	return "file:" + path + "?" + q.Encode()
}

func (db *DB) loadTables(ctx context.Context) error {
	rows, err := db.readers.QueryContext(ctx, `SELECT name, table_name FROM `+metadataTable)
	if err != nil {
		return fmt.Errorf("docdb: reading FerretDB's collections (was the schema created?): %w", err)
	}
	defer rows.Close()
	db.tables = map[string]string{}
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			return err
		}
		db.tables[name] = table
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range Schema {
		if _, ok := db.tables[c.Name]; !ok {
			return fmt.Errorf("docdb: collection %q does not exist", c.Name)
		}
	}
	return nil
}

// Close stops the writer after the queued transactions and closes every connection.
// It checkpoints the WAL into the database file.
func (db *DB) Close() error {
	var err error
	db.closeOnce.Do(func() {
		db.mu.Lock()
		db.closed = true
		db.mu.Unlock()
		close(db.done)
		db.wg.Wait()
		if _, cerr := db.writer.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); cerr != nil {
			db.log.Warn("wal checkpoint failed", "err", cerr)
		}
		err = db.closeConns()
	})
	return err
}

func (db *DB) closeConns() error {
	return errors.Join(db.stmts.close(), db.readers.Close(), db.writer.Close())
}

// Collection returns the named collection; it panics on a name not in Schema, which is
// a programming error caught by every test.
func (db *DB) Collection(name string) *Collection {
	t, ok := db.tables[name]
	if !ok {
		panic("docdb: unknown collection " + name)
	}
	return &Collection{db: db, name: name, table: t}
}

// querier is what both the reader pool and a transaction's connection offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reader returns the transaction's connection when ctx carries one, else the pool.
func (db *DB) reader(ctx context.Context) querier {
	if tx := txFrom(ctx); tx != nil {
		return tx.stmts
	}
	return db.stmts
}

// isUniqueViolation reports whether err is a unique constraint failure.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

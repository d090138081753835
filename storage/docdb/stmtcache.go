package docdb

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// Prepared statements, for the reader pool and for the writer's connection. SQLite
// compiles every statement before it runs: a history page's lookups (the signed-in user,
// the room, the subscription, the page) spent about a tenth of their time there, and a
// send's writes (message, room, subscriptions) about a sixth. Outpost's queries come
// from a small set of shapes with their values bound, so each text is prepared once and
// kept; on the pool, database/sql prepares it again on each connection as needed. Texts
// past maxCachedStmts (queries whose text varies, such as IN lists of many lengths) run
// unprepared, so the cache stays bounded.
const maxCachedStmts = 512

type stmtCache struct {
	db preparer
	// rowsShared: QueryContext may use the cache. On a pool it may: a statement whose
	// rows are still open runs again on another connection. On one connection a
	// statement is one SQLite statement, which a second run would reset under the rows
	// still being read (Collection.Each runs its callback, which may query, between
	// rows); there only QueryDrained uses it.
	rowsShared bool
	mu         sync.RWMutex
	m          map[string]*sql.Stmt
}

// preparer is a *sql.DB (statements usable on any of its connections) or a *sql.Conn
// (statements bound to it, valid while it is open).
type preparer interface {
	querier
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

func newStmtCache(db preparer, rowsShared bool) *stmtCache {
	return &stmtCache{db: db, rowsShared: rowsShared, m: make(map[string]*sql.Stmt)}
}

// stmt returns the prepared statement of query, or nil when the cache is full or the
// text does not prepare (running it unprepared then gives the error).
func (c *stmtCache) stmt(ctx context.Context, query string) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.m[query]
	c.mu.RUnlock()
	if ok {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= maxCachedStmts {
		return nil
	}
	st, err := c.db.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	c.m[query] = st
	return st
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.m {
		errs = append(errs, st.Close())
		delete(c.m, q)
	}
	return errors.Join(errs...)
}

// ExecContext, QueryContext and QueryRowContext make the cache a querier over the pool.

func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.db.ExecContext(ctx, query, args...)
}

func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if !c.rowsShared {
		return c.db.QueryContext(ctx, query, args...)
	}
	return c.QueryDrained(ctx, query, args...)
}

// QueryDrained is QueryContext for a caller that reads the rows to the end, or closes
// them, before it runs any other statement: it always uses the prepared statement.
func (c *stmtCache) QueryDrained(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

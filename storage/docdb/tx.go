package docdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
)

// ErrClosed is returned for transactions submitted after Close.
var ErrClosed = errors.New("docdb: store is closed")

// maxBatch bounds how many transactions share one commit.
const maxBatch = 256

type txKey struct{}

// Tx is the write transaction a ctx carries inside InTx.
type Tx struct {
	conn  *sql.Conn
	stmts *stmtCache // prepared on conn; what store calls in the transaction use
}

func txFrom(ctx context.Context) *Tx {
	tx, _ := ctx.Value(txKey{}).(*Tx)
	return tx
}

type txRequest struct {
	ctx  context.Context
	fn   func(ctx context.Context) error
	done chan error
}

// InTx runs fn in a write transaction carried in the ctx given to fn; store calls made
// with that ctx join it, and so do nested InTx calls. It returns once the transaction is
// committed and durable, or with fn's error after rolling back everything fn wrote.
// fn runs on the store's single writer: it must do only store work, quickly.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if txFrom(ctx) != nil {
		return fn(ctx)
	}
	req := &txRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return ErrClosed
	}
	select {
	case <-ctx.Done():
		db.mu.RUnlock()
		return ctx.Err()
	case db.queue <- req:
	}
	db.mu.RUnlock()
	// Once queued, the request is always answered: wait for the answer even if ctx ends,
	// so the caller never mistakes a committed write for a failed one.
	return <-req.done
}

// writeLoop owns the writer connection. It takes every request waiting in the queue,
// runs each under its own savepoint inside one transaction, commits once and answers all.
func (db *DB) writeLoop() {
	defer db.wg.Done()
	ctx := context.Background()
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		db.failAll(fmt.Errorf("docdb: writer connection: %w", err))
		return
	}
	defer conn.Close()
	tx := &Tx{conn: conn, stmts: newStmtCache(conn, false)}
	defer tx.stmts.close() // before the connection, deferred above
	batch := make([]*txRequest, 0, maxBatch)
	for {
		batch = batch[:0]
		select {
		case req := <-db.queue:
			batch = append(batch, req)
		case <-db.done:
			db.drain(tx)
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case req := <-db.queue:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		db.runBatch(ctx, tx, batch)
	}
}

// drain runs what was queued before Close; nothing can be queued after it.
func (db *DB) drain(tx *Tx) {
	for {
		select {
		case req := <-db.queue:
			db.runBatch(context.Background(), tx, []*txRequest{req})
		default:
			return
		}
	}
}

func (db *DB) failAll(err error) {
	for {
		select {
		case req := <-db.queue:
			req.done <- err
		case <-db.done:
			return
		}
	}
}

func (db *DB) runBatch(ctx context.Context, tx *Tx, batch []*txRequest) {
	errs := make([]error, len(batch))
	if _, err := tx.stmts.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		for _, req := range batch {
			req.done <- fmt.Errorf("docdb: begin: %w", err)
		}
		return
	}
	for i, req := range batch {
		if err := req.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		errs[i] = db.runOne(tx, req)
	}
	if _, err := tx.stmts.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = tx.stmts.ExecContext(ctx, "ROLLBACK")
		for i := range errs {
			if errs[i] == nil {
				errs[i] = fmt.Errorf("docdb: commit: %w", err)
			}
		}
	}
	for i, req := range batch {
		req.done <- errs[i]
	}
}

// runOne runs one request under a savepoint, undoing its writes when it fails or panics.
func (db *DB) runOne(tx *Tx, req *txRequest) (err error) {
	ctx := context.WithValue(req.ctx, txKey{}, tx)
	if _, err := tx.stmts.ExecContext(ctx, "SAVEPOINT one"); err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			db.log.Error("panic in transaction", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("docdb: panic in transaction: %v", p)
		}
		bg := context.Background()
		if err != nil {
			_, _ = tx.stmts.ExecContext(bg, "ROLLBACK TO one")
		}
		if _, rerr := tx.stmts.ExecContext(bg, "RELEASE one"); rerr != nil && err == nil {
			err = rerr
		}
	}()
	return req.fn(ctx)
}

package model

import "context"

// Transactor runs fn inside one store transaction carried in the ctx it passes to fn.
// Store methods called with that ctx join the transaction; nested InTx calls join it too.
// fn must only do store work: it runs while other writers wait, and must not itself wait
// on anything that needs a new transaction. If fn returns an error, nothing it wrote is
// kept. InTx returns only after the transaction is durable on disk.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Package mongowire serves the store over the MongoDB wire protocol with embedded
// FerretDB, so mongosh, mongodump, mongorestore and Compass see Outpost's live data
// (DESIGN.md §2, face 2). It also creates the collections and the Mongo-visible indexes
// through FerretDB, which keeps FerretDB's metadata right.
package mongowire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/outpostchat/outpost/storage/docdb"
)

// Database is the Mongo database Outpost's collections live in, as in Rocket.Chat.
const Database = "rocketchat"

// Config says where FerretDB finds the SQLite files and where it listens.
type Config struct {
	Dir    string // directory holding rocketchat.sqlite
	Socket string // Unix socket path; always served
	TCP    string // optional loopback address, e.g. 127.0.0.1:27017
	Logger *slog.Logger
}

// newMu serialises ferretdb.New, which is not safe for concurrent use.
var newMu sync.Mutex

// Server is a running embedded FerretDB.
type Server struct {
	fdb    *ferretdb.FerretDB
	cancel context.CancelFunc
	done   chan struct{}
	socket string
}

// Start starts FerretDB over cfg.Dir; it is listening when Start returns.
func Start(cfg Config) (*Server, error) {
	// The caller holds the data dir's lock, so a socket file left here is stale.
	if err := os.Remove(cfg.Socket); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	dir := cfg.Dir
	if dir[len(dir)-1] != '/' {
		dir += "/"
	}
	newMu.Lock() // ferretdb.New writes a package-level variable
	fdb, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{Unix: cfg.Socket, TCP: cfg.TCP},
		Logger:   slog.New(errorsOnly{cfg.Logger.Handler()}),
		Handler:  "sqlite",
		// Immediate transactions take the write lock when they begin, waiting up to
		// FerretDB's busy_timeout; a deferred one that reads and then writes fails at
		// once with SQLITE_BUSY when Outpost's writer committed in between.
		SQLiteURL: "file:" + dir + "?_txlock=immediate",
	})
	newMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("mongowire: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{fdb: fdb, cancel: cancel, done: make(chan struct{}), socket: cfg.Socket}
	go func() {
		defer close(s.done)
		_ = fdb.Run(ctx)
	}()
	return s, nil
}

// URI is the mongodb:// address of the Unix socket.
func (s *Server) URI() string { return SocketURI(s.socket) }

// SocketURI is the mongodb:// address of a Unix socket path.
func SocketURI(path string) string { return "mongodb://" + url.PathEscape(path) + "/" }

// Close stops FerretDB and waits for it.
func (s *Server) Close() error {
	s.cancel()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		return errors.New("mongowire: FerretDB did not stop within 5s")
	}
	return nil
}

// EnsureSchema creates every collection and Mongo index in specs that is missing. It is
// idempotent and runs at every start.
func (s *Server) EnsureSchema(ctx context.Context, specs []docdb.CollectionSpec) error {
	// The Go driver lowercases the host of a URI, a socket path included, so a data dir
	// with capitals would not be found: dial the socket itself whatever address it asks.
	client, err := mongo.Connect(ctx, options.Client().ApplyURI(s.URI()).SetTimeout(30*time.Second).SetDialer(socketDialer(s.socket)))
	if err != nil {
		return fmt.Errorf("mongowire: connect: %w", err)
	}
	defer client.Disconnect(context.Background())
	db := client.Database(Database)
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("mongowire: list collections: %w", err)
	}
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	for _, c := range specs {
		if !have[c.Name] {
			if err := db.CreateCollection(ctx, c.Name); err != nil {
				return fmt.Errorf("mongowire: create %s: %w", c.Name, err)
			}
		}
		if len(c.MongoIndexes) == 0 {
			continue
		}
		models := make([]mongo.IndexModel, len(c.MongoIndexes))
		for i, ix := range c.MongoIndexes {
			keys := bson.D{}
			for _, k := range ix.Keys {
				keys = append(keys, bson.E{Key: k, Value: 1})
			}
			models[i] = mongo.IndexModel{Keys: keys, Options: options.Index().SetName(ix.Name).SetUnique(ix.Unique)}
		}
		if _, err := db.Collection(c.Name).Indexes().CreateMany(ctx, models); err != nil {
			return fmt.Errorf("mongowire: indexes of %s: %w", c.Name, err)
		}
	}
	return nil
}

// socketDialer dials the Unix socket at path, whatever address the driver asks for.
type socketDialer string

func (p socketDialer) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", string(p))
}

// errorsOnly passes on only error records: FerretDB's own chatter stays out of the log.
type errorsOnly struct{ slog.Handler }

func (h errorsOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError && h.Handler.Enabled(ctx, l)
}

func (h errorsOnly) WithAttrs(a []slog.Attr) slog.Handler {
	return errorsOnly{h.Handler.WithAttrs(a)}
}

func (h errorsOnly) WithGroup(name string) slog.Handler {
	return errorsOnly{h.Handler.WithGroup(name)}
}

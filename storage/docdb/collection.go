package docdb

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/outpostchat/outpost/app/model"
)

// Collection is one Rocket.Chat collection. Queries are SQL WHERE clauses over field
// expressions from F, so they can use the expression indexes in Schema.
type Collection struct {
	db    *DB
	name  string
	table string
}

// F returns the SQL expression for the value at a dotted field path, e.g. F("u._id").
// It is the same text the indexes are built on, which is what lets SQLite use them.
func F(path string) string {
	for _, c := range path {
		if !(c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			panic("docdb: bad field path " + strconv.Quote(path))
		}
	}
	return docColumn + "->>'$." + path + "'"
}

// idWhere matches a document by _id through the unique index FerretDB keeps on the
// JSON text of _id; its argument is that text (idText), encoded as FerretDB encodes it.
const idWhere = docColumn + `->'_id' = ?`

// idText is the JSON text of a string _id as stored.
func idText(id string) string {
	var b bytes.Buffer
	writeString(&b, id)
	return b.String()
}

// Query selects documents: Where is an SQL condition (empty for all) with Args bound to
// its placeholders; Order an SQL ORDER BY list; Limit 0 means no limit.
type Query struct {
	Where  string
	Args   []any
	Order  string
	Limit  int
	Offset int
}

// ByID is the query for one document by _id.
func ByID(id string) Query { return Query{Where: idWhere, Args: []any{idText(id)}} }

func (q Query) sql(sel, table string) string {
	var b strings.Builder
	b.WriteString(sel)
	b.WriteString(` FROM "`)
	b.WriteString(table)
	b.WriteByte('"')
	if q.Where != "" {
		b.WriteString(" WHERE ")
		b.WriteString(q.Where)
	}
	if q.Order != "" {
		b.WriteString(" ORDER BY ")
		b.WriteString(q.Order)
	}
	if q.Limit > 0 || q.Offset > 0 {
		b.WriteString(" LIMIT ")
		if q.Limit > 0 {
			b.WriteString(strconv.Itoa(q.Limit))
		} else {
			b.WriteString("-1")
		}
		if q.Offset > 0 {
			b.WriteString(" OFFSET ")
			b.WriteString(strconv.Itoa(q.Offset))
		}
	}
	return b.String()
}

// Name is the collection's Mongo name.
func (c *Collection) Name() string { return c.name }

// Insert stores a new document (a struct, map or Doc that has an _id). A taken _id or
// other unique key gives an error wrapping model.ErrDuplicate.
func (c *Collection) Insert(ctx context.Context, v any) error {
	d, err := toDoc(v)
	if err != nil {
		return err
	}
	switch id, ok := d.Get("_id"); id.(type) {
	case nil:
		if !ok {
			return errors.New("docdb: document has no _id")
		}
	case []any, Regex:
		return fmt.Errorf("docdb: _id cannot be %T", id)
	}
	data, err := marshalDoc(d)
	if err != nil {
		return err
	}
	return c.db.InTx(ctx, func(ctx context.Context) error {
		_, err := txFrom(ctx).stmts.ExecContext(ctx, `INSERT INTO "`+c.table+`" (`+docColumn+`) VALUES (?)`, string(data))
		if err != nil && isUniqueViolation(err) {
			return fmt.Errorf("%s: %w", c.name, model.ErrDuplicate)
		}
		return err
	})
}

// FindOne decodes the first match into out, or returns model.ErrNotFound.
func (c *Collection) FindOne(ctx context.Context, q Query, out any) error {
	q.Limit = 1
	var data string
	err := c.db.reader(ctx).QueryRowContext(ctx, q.sql("SELECT "+docColumn, c.table), q.Args...).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return model.ErrNotFound
	}
	if err != nil {
		return err
	}
	return decodeInto([]byte(data), out)
}

// Find decodes every match into out, a pointer to a slice.
func (c *Collection) Find(ctx context.Context, q Query, out any) error {
	sv := reflect.ValueOf(out)
	if sv.Kind() != reflect.Pointer || sv.Elem().Kind() != reflect.Slice {
		return errors.New("docdb: Find needs a pointer to a slice")
	}
	s := sv.Elem()
	s.SetLen(0)
	return c.eachRaw(ctx, q, func(data []byte) error {
		ev := reflect.New(s.Type().Elem())
		if err := decodeInto(data, ev.Interface()); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		s.Set(reflect.Append(s, ev.Elem()))
		return nil
	})
}

// Each calls fn with every match, in order, stopping at fn's first error.
func (c *Collection) Each(ctx context.Context, q Query, fn func(Doc) error) error {
	return c.eachRaw(ctx, q, func(data []byte) error {
		d, err := unmarshalDoc(data)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		return fn(d)
	})
}

// eachRaw calls fn with the stored text of every match, in order. data is reused for the
// next match: fn keeps nothing of it (the decoders copy what they keep).
func (c *Collection) eachRaw(ctx context.Context, q Query, fn func(data []byte) error) error {
	rows, err := c.db.reader(ctx).QueryContext(ctx, q.sql("SELECT "+docColumn, c.table), q.Args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var data sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&data); err != nil {
			return err
		}
		if err := fn(data); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Count returns how many documents match.
func (c *Collection) Count(ctx context.Context, q Query) (int64, error) {
	q.Order = ""
	var n int64
	err := c.db.reader(ctx).QueryRowContext(ctx, q.sql("SELECT count(*)", c.table), q.Args...).Scan(&n)
	return n, err
}

// Update applies u to every match and returns how many documents it changed.
func (c *Collection) Update(ctx context.Context, q Query, u *Update) (int64, error) {
	if q.Order != "" || q.Limit > 0 {
		return 0, errors.New("docdb: Update takes no order or limit")
	}
	var n int64
	err := c.db.InTx(ctx, func(ctx context.Context) error {
		h := registerUpdate(u)
		defer releaseUpdate(h)
		args := append([]any{h}, q.Args...)
		res, err := txFrom(ctx).stmts.ExecContext(ctx, `UPDATE "`+c.table+`" SET `+docColumn+` = outpost_apply(`+docColumn+`, ?)`+whereClause(q), args...)
		if err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("%s: %w", c.name, model.ErrDuplicate)
			}
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// UpdateOne applies u to the document with the given _id and decodes the result into
// out (unless nil); model.ErrNotFound when there is none.
func (c *Collection) UpdateOne(ctx context.Context, id string, u *Update, out any) error {
	return c.db.InTx(ctx, func(ctx context.Context) error {
		h := registerUpdate(u)
		defer releaseUpdate(h)
		var data string
		err := txFrom(ctx).stmts.QueryRowContext(ctx, `UPDATE "`+c.table+`" SET `+docColumn+` = outpost_apply(`+docColumn+`, ?) WHERE `+idWhere+` RETURNING `+docColumn, h, idText(id)).Scan(&data)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return model.ErrNotFound
		case err != nil && isUniqueViolation(err):
			return fmt.Errorf("%s: %w", c.name, model.ErrDuplicate)
		case err != nil:
			return err
		case out == nil:
			return nil
		}
		return decodeInto([]byte(data), out)
	})
}

// Delete removes every match and returns how many it removed.
func (c *Collection) Delete(ctx context.Context, q Query) (int64, error) {
	var n int64
	err := c.db.InTx(ctx, func(ctx context.Context) error {
		res, err := txFrom(ctx).stmts.ExecContext(ctx, `DELETE FROM "`+c.table+`"`+whereClause(q), q.Args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

func whereClause(q Query) string {
	if q.Where == "" {
		return ""
	}
	return " WHERE " + q.Where
}

func decodeInto(data []byte, out any) error {
	if rv := reflect.ValueOf(out); rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Struct {
		if fastDecodeStruct(data, rv.Elem()) {
			return nil
		}
		// The general path sets again every field the fast one may have set.
	}
	d, err := unmarshalDoc(data)
	if err != nil {
		return err
	}
	if p, ok := out.(*Doc); ok {
		*p = d
		return nil
	}
	return fromDoc(d, out)
}

package docdb_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/bson/primitive"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/docdb"
)

// The round-trip tests check the codec against FerretDB itself: what docdb writes, the
// Mongo driver reads through FerretDB with exactly the BSON types Rocket.Chat would have
// stored, and what the driver writes, docdb reads and rewrites without changing a byte
// of what it did not update.

var (
	rtOID  = [12]byte{0x65, 0x0f, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81, 0x92, 0xa3}
	rtUUID = []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0}
	rtWhen = time.UnixMilli(1700000000123).UTC()
	rtOld  = time.UnixMilli(-1234567).UTC() // before 1970
)

// allTypes is one document holding every BSON type Outpost stores, in both forms: as a
// docdb tree and as the driver's bson.D. id names the copy.
func allTypes(id string) (docdb.Doc, bson.D) {
	negZero := math.Copysign(0, -1)
	tree := docdb.Doc{
		{Key: "_id", Value: id},
		{Key: "str", Value: "héllo \"wörld\" \\ \n\t 🎉"},
		{Key: "empty", Value: ""},
		{Key: "i32", Value: int32(7)},
		{Key: "i32min", Value: int32(math.MinInt32)},
		{Key: "i64", Value: int64(math.MaxInt32) + 1},
		{Key: "i64small", Value: int64(3)},
		{Key: "i64max", Value: int64(math.MaxInt64)},
		{Key: "dbl", Value: 1.5},
		{Key: "dblint", Value: 1.0},
		{Key: "negzero", Value: negZero},
		{Key: "big", Value: 1e300},
		{Key: "yes", Value: true},
		{Key: "no", Value: false},
		{Key: "date", Value: rtWhen},
		{Key: "old", Value: rtOld},
		{Key: "null", Value: nil},
		{Key: "doc", Value: docdb.Doc{{Key: "a", Value: int32(1)}, {Key: "b", Value: docdb.Doc{{Key: "c", Value: "d"}}}}},
		{Key: "edoc", Value: docdb.Doc{}},
		{Key: "earr", Value: []any{}},
		{Key: "mixed", Value: []any{"s", int32(1), int64(2), 2.5, true, nil, rtWhen, docdb.Doc{{Key: "x", Value: "y"}}}},
		{Key: "docs", Value: []any{docdb.Doc{{Key: "address", Value: "a@x.org"}, {Key: "verified", Value: true}}, docdb.Doc{{Key: "address", Value: "b@x.org"}, {Key: "verified", Value: false}}}},
		{Key: "bin", Value: docdb.Binary{Subtype: 0, Data: []byte("hi")}},
		{Key: "uuid", Value: docdb.Binary{Subtype: 4, Data: rtUUID}},
		{Key: "userbin", Value: docdb.Binary{Subtype: 0x80, Data: []byte{0, 255}}},
		{Key: "oid", Value: docdb.ObjectID(rtOID)},
		{Key: "re", Value: docdb.Regex{Pattern: `^a.*"b\d$`, Options: "i"}},
		{Key: "ts", Value: docdb.Timestamp(uint64(1700000000)<<32 | 7)},
	}
	b := bson.D{
		{Key: "_id", Value: id},
		{Key: "str", Value: "héllo \"wörld\" \\ \n\t 🎉"},
		{Key: "empty", Value: ""},
		{Key: "i32", Value: int32(7)},
		{Key: "i32min", Value: int32(math.MinInt32)},
		{Key: "i64", Value: int64(math.MaxInt32) + 1},
		{Key: "i64small", Value: int64(3)},
		{Key: "i64max", Value: int64(math.MaxInt64)},
		{Key: "dbl", Value: 1.5},
		{Key: "dblint", Value: 1.0},
		{Key: "negzero", Value: negZero},
		{Key: "big", Value: 1e300},
		{Key: "yes", Value: true},
		{Key: "no", Value: false},
		{Key: "date", Value: primitive.NewDateTimeFromTime(rtWhen)},
		{Key: "old", Value: primitive.DateTime(-1234567)},
		{Key: "null", Value: nil},
		{Key: "doc", Value: bson.D{{Key: "a", Value: int32(1)}, {Key: "b", Value: bson.D{{Key: "c", Value: "d"}}}}},
		{Key: "edoc", Value: bson.D{}},
		{Key: "earr", Value: bson.A{}},
		{Key: "mixed", Value: bson.A{"s", int32(1), int64(2), 2.5, true, nil, primitive.NewDateTimeFromTime(rtWhen), bson.D{{Key: "x", Value: "y"}}}},
		{Key: "docs", Value: bson.A{bson.D{{Key: "address", Value: "a@x.org"}, {Key: "verified", Value: true}}, bson.D{{Key: "address", Value: "b@x.org"}, {Key: "verified", Value: false}}}},
		{Key: "bin", Value: primitive.Binary{Subtype: 0, Data: []byte("hi")}},
		{Key: "uuid", Value: primitive.Binary{Subtype: 4, Data: rtUUID}},
		{Key: "userbin", Value: primitive.Binary{Subtype: 0x80, Data: []byte{0, 255}}},
		{Key: "oid", Value: primitive.ObjectID(rtOID)},
		{Key: "re", Value: primitive.Regex{Pattern: `^a.*"b\d$`, Options: "i"}},
		{Key: "ts", Value: primitive.Timestamp{T: 1700000000, I: 7}},
	}
	return tree, b
}

// TestRoundTripDocdbToFerretDB: docdb writes, the driver reads every BSON type exactly.
func TestRoundTripDocdbToFerretDB(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	mc := mongoDB(t, s).Collection(docdb.Messages)
	tree, want := allTypes("fromDocdb")
	mustNoErr(t, s.Docs.Collection(docdb.Messages).Insert(ctx, tree))
	got := findRaw(t, mc, "fromDocdb")
	sameBSON(t, got, want)

	// Spot-check the types the brief names, so a failure reads plainly.
	for key, typ := range map[string]bsontype.Type{
		"str": bson.TypeString, "i32": bson.TypeInt32, "i64": bson.TypeInt64, "i64small": bson.TypeInt64,
		"dbl": bson.TypeDouble, "dblint": bson.TypeDouble, "yes": bson.TypeBoolean, "date": bson.TypeDateTime,
		"null": bson.TypeNull, "doc": bson.TypeEmbeddedDocument, "mixed": bson.TypeArray, "bin": bson.TypeBinary,
		"oid": bson.TypeObjectID, "re": bson.TypeRegex, "ts": bson.TypeTimestamp,
	} {
		if v := got.Lookup(key); v.Type != typ {
			t.Errorf("%s: BSON type %s, want %s", key, v.Type, typ)
		}
	}
	if st, _ := got.Lookup("uuid").Binary(); st != 4 {
		t.Errorf("uuid: binary subtype %d, want 4", st)
	}

	// FerretDB's filters see docdb's values too (it filters in Go after decoding).
	n, err := mc.CountDocuments(ctx, bson.D{{Key: "i64", Value: int64(math.MaxInt32) + 1}, {Key: "docs.address", Value: "b@x.org"}})
	mustNoErr(t, err)
	if n != 1 {
		t.Errorf("FerretDB filter on docdb's document matched %d, want 1", n)
	}
}

// TestRoundTripFerretDBToDocdb: the driver writes every BSON type, docdb reads it as a
// tree and into a struct, updates one field, and the driver reads back the same document
// with only that field changed.
func TestRoundTripFerretDBToDocdb(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	mc := mongoDB(t, s).Collection(docdb.Messages)
	c := s.Docs.Collection(docdb.Messages)
	wantTree, doc := allTypes("fromDriver")
	_, err := mc.InsertOne(ctx, doc)
	mustNoErr(t, err)
	// FerretDB's insert validation turns -0 into +0 (docdb keeps -0, which FerretDB reads).
	setField(doc, "negzero", 0.0)
	for i := range wantTree {
		if wantTree[i].Key == "negzero" {
			wantTree[i].Value = 0.0
		}
	}

	var got docdb.Doc
	mustNoErr(t, c.FindOne(ctx, docdb.ByID("fromDriver"), &got))
	if !docdb.SameTree(got, wantTree) {
		t.Errorf("docdb read:\n got %#v\nwant %#v", got, wantTree)
	}

	type sub struct {
		A int `json:"a"`
		B struct {
			C string `json:"c"`
		} `json:"b"`
	}
	var st struct {
		ID     string         `json:"_id"`
		Str    string         `json:"str"`
		I32    int            `json:"i32"`
		I64    int64          `json:"i64"`
		Dbl    float64        `json:"dbl"`
		DblInt float64        `json:"dblint"`
		Yes    bool           `json:"yes"`
		Date   time.Time      `json:"date"`
		Old    time.Time      `json:"old"`
		Null   *string        `json:"null"`
		Doc    sub            `json:"doc"`
		Edoc   map[string]any `json:"edoc"`
		Earr   []string       `json:"earr"`
		Docs   []model.Email  `json:"docs"`
		Bin    []byte         `json:"bin"`
		Mixed  []any          `json:"mixed"`
	}
	mustNoErr(t, c.FindOne(ctx, docdb.ByID("fromDriver"), &st))
	switch {
	case st.ID != "fromDriver" || st.Str != wantTree[1].Value || st.I32 != 7 || st.I64 != math.MaxInt32+1:
		t.Errorf("struct scalars: %+v", st)
	case st.Dbl != 1.5 || st.DblInt != 1 || !st.Yes || !st.Date.Equal(rtWhen) || !st.Old.Equal(rtOld) || st.Null != nil:
		t.Errorf("struct scalars: %+v", st)
	case st.Doc.A != 1 || st.Doc.B.C != "d" || st.Edoc == nil || len(st.Edoc) != 0 || st.Earr == nil || len(st.Earr) != 0:
		t.Errorf("struct documents: %+v", st)
	case len(st.Docs) != 2 || st.Docs[0] != (model.Email{Address: "a@x.org", Verified: true}) || st.Docs[1] != (model.Email{Address: "b@x.org"}):
		t.Errorf("struct array of documents: %+v", st.Docs)
	case string(st.Bin) != "hi" || len(st.Mixed) != 8 || st.Mixed[1] != int64(1) || st.Mixed[7].(map[string]any)["x"] != "y":
		t.Errorf("struct binary/any: %+v", st)
	}

	mustNoErr(t, c.UpdateOne(ctx, "fromDriver", docdb.U().Set("str", "changed"), nil))
	doc[1].Value = "changed"
	sameBSON(t, findRaw(t, mc, "fromDriver"), doc)
}

// rcUser is a users document as Rocket.Chat 6.x stores it, with fields Outpost's
// model.User does not name (__rooms, e2e keys).
func rcUser(id string) bson.D {
	return bson.D{
		{Key: "_id", Value: id},
		{Key: "createdAt", Value: primitive.NewDateTimeFromTime(rtWhen)},
		{Key: "services", Value: bson.D{
			{Key: "password", Value: bson.D{{Key: "bcrypt", Value: "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"}}},
			{Key: "email2fa", Value: bson.D{{Key: "enabled", Value: true}, {Key: "changedAt", Value: primitive.NewDateTimeFromTime(rtWhen)}}},
			{Key: "resume", Value: bson.D{{Key: "loginTokens", Value: bson.A{
				bson.D{{Key: "when", Value: primitive.NewDateTimeFromTime(rtWhen)}, {Key: "hashedToken", Value: "abc="}},
			}}}},
		}},
		{Key: "username", Value: "rc.user"},
		{Key: "emails", Value: bson.A{
			bson.D{{Key: "address", Value: "rc.user@example.org"}, {Key: "verified", Value: true}},
			bson.D{{Key: "address", Value: "other@example.org"}, {Key: "verified", Value: false}},
		}},
		{Key: "type", Value: "user"},
		{Key: "status", Value: "offline"},
		{Key: "active", Value: true},
		{Key: "name", Value: "RC User"},
		{Key: "roles", Value: bson.A{"user", "admin"}},
		{Key: "utcOffset", Value: int32(2)},
		{Key: "__rooms", Value: bson.A{"GENERAL", "r2"}},
		{Key: "settings", Value: bson.D{{Key: "preferences", Value: bson.D{{Key: "language", Value: "en"}, {Key: "fontSize", Value: 1.5}}}}},
		{Key: "_updatedAt", Value: primitive.NewDateTimeFromTime(rtWhen)},
	}
}

// TestRoundTripRocketChatUser: a user written by the driver as Rocket.Chat writes it is
// found by docdb's queries, decodes into model.User, and keeps every other field through
// an update.
func TestRoundTripRocketChatUser(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	mc := mongoDB(t, s).Collection(docdb.Users)
	c := s.Docs.Collection(docdb.Users)
	doc := rcUser("rcUser00000000001")
	_, err := mc.InsertOne(ctx, doc)
	mustNoErr(t, err)

	var u model.User
	mustNoErr(t, c.FindOne(ctx, docdb.Query{Where: docdb.F("username") + " = ?", Args: []any{"rc.user"}}, &u))
	want := model.User{
		ID: "rcUser00000000001", CreatedAt: rtWhen, Username: "rc.user", Type: "user", Status: "offline", Active: true,
		Name: "RC User", Roles: []string{"user", "admin"}, UTCOffset: 2, UpdatedAt: rtWhen,
		Emails: []model.Email{{Address: "rc.user@example.org", Verified: true}, {Address: "other@example.org"}},
		Services: model.UserServices{
			Password: &model.PasswordService{Bcrypt: "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
			Resume:   &model.ResumeService{LoginTokens: []model.LoginToken{{When: rtWhen, HashedToken: "abc="}}},
		},
	}
	if u.Settings == nil || u.Settings.Preferences["language"] != "en" || u.Settings.Preferences["fontSize"] != 1.5 {
		t.Errorf("settings.preferences = %+v", u.Settings)
	}
	u.Settings = nil // a map: compared above, not through bson bytes
	if !equalJSONish(u, want) {
		t.Errorf("model.User:\n got %+v\nwant %+v", u, want)
	}
	n, err := c.Count(ctx, docdb.Query{Where: docdb.F("services.password.bcrypt") + " LIKE '$2b$%'"})
	mustNoErr(t, err)
	if n != 1 {
		t.Errorf("query on services.password.bcrypt matched %d", n)
	}

	at := time.UnixMilli(1700000999000).UTC()
	mustNoErr(t, c.UpdateOne(ctx, u.ID, docdb.U().Set("status", "online").Set("_updatedAt", at).AddToSet("roles", "bot").AddToSet("roles", "user"), nil))
	setField(doc, "status", "online")
	setField(doc, "_updatedAt", primitive.NewDateTimeFromTime(at))
	setField(doc, "roles", bson.A{"user", "admin", "bot"})
	sameBSON(t, findRaw(t, mc, u.ID), doc)
}

// TestRoundTripModelUser: a model.User written by docdb reads through FerretDB with
// Rocket.Chat's types.
func TestRoundTripModelUser(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	last := time.UnixMilli(1700000000999).UTC()
	u := model.User{
		ID: "outpostUser000001", CreatedAt: rtWhen, Username: "ann", Type: "user", Status: "online", Active: true,
		Name: "Ann", Roles: []string{"user"}, UTCOffset: 5.5, LastLogin: &last, UpdatedAt: last,
		Emails:       []model.Email{{Address: "ann@example.org", Verified: true}},
		Services:     model.UserServices{Password: &model.PasswordService{Bcrypt: "$2a$10$x"}},
		CustomFields: map[string]any{"team": "red", "level": 3},
	}
	mustNoErr(t, s.Docs.Collection(docdb.Users).Insert(ctx, u))
	got := findRaw(t, mongoDB(t, s).Collection(docdb.Users), u.ID)
	want := bson.D{
		{Key: "_id", Value: u.ID},
		{Key: "createdAt", Value: primitive.NewDateTimeFromTime(rtWhen)},
		{Key: "services", Value: bson.D{{Key: "password", Value: bson.D{{Key: "bcrypt", Value: "$2a$10$x"}}}}},
		{Key: "username", Value: "ann"},
		{Key: "emails", Value: bson.A{bson.D{{Key: "address", Value: "ann@example.org"}, {Key: "verified", Value: true}}}},
		{Key: "type", Value: "user"},
		{Key: "status", Value: "online"},
		{Key: "active", Value: true},
		{Key: "name", Value: "Ann"},
		{Key: "roles", Value: bson.A{"user"}},
		{Key: "utcOffset", Value: 5.5},
		{Key: "lastLogin", Value: primitive.NewDateTimeFromTime(last)},
		{Key: "customFields", Value: bson.D{{Key: "level", Value: int32(3)}, {Key: "team", Value: "red"}}},
		{Key: "_updatedAt", Value: primitive.NewDateTimeFromTime(last)},
	}
	sameBSON(t, got, want)
}

// TestRoundTripIDEscaping: FerretDB compares the JSON text of _id (its unique index and
// its `_ferretdb_sjson->'$._id' = ?` lookups), with strings encoded by encoding/json,
// which escapes <, > and &. An _id holding them must be the same key to both faces.
func TestRoundTripIDEscaping(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	mc := mongoDB(t, s).Collection(docdb.Messages)
	c := s.Docs.Collection(docdb.Messages)

	mustNoErr(t, c.Insert(ctx, docdb.Doc{{Key: "_id", Value: "docdb<&>"}, {Key: "n", Value: int32(1)}}))
	if err := mc.FindOne(ctx, bson.D{{Key: "_id", Value: "docdb<&>"}}).Err(); err != nil {
		t.Errorf("FerretDB cannot find docdb's _id %q: %v", "docdb<&>", err)
	}

	_, err := mc.InsertOne(ctx, bson.D{{Key: "_id", Value: "ferret<&>"}, {Key: "n", Value: int32(1)}})
	mustNoErr(t, err)
	var d docdb.Doc
	if err := c.FindOne(ctx, docdb.ByID("ferret<&>"), &d); err != nil {
		t.Errorf("docdb cannot find FerretDB's _id %q: %v", "ferret<&>", err)
	}
	if err := c.Insert(ctx, docdb.Doc{{Key: "_id", Value: "ferret<&>"}}); !errors.Is(err, model.ErrDuplicate) {
		t.Errorf("docdb inserted a second document with FerretDB's _id %q: %v", "ferret<&>", err)
	}
}

func setField(d bson.D, key string, v any) {
	for i := range d {
		if d[i].Key == key {
			d[i].Value = v
			return
		}
	}
	panic("no field " + key)
}

// equalJSONish compares two values through their BSON encodings, which treats equal
// times in different locations as equal.
func equalJSONish(a, b any) bool {
	x, err1 := bson.Marshal(a)
	y, err2 := bson.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// TestRoundTripDocdbWritesWhatFerretDBAccepts: every document docdb stores must be one
// FerretDB can read and write back (an admin's update in mongosh, mongorestore of a
// dump), so docdb must refuse what FerretDB's validation refuses.
func TestRoundTripDocdbWritesWhatFerretDBAccepts(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	mc := mongoDB(t, s).Collection(docdb.Messages)
	c := s.Docs.Collection(docdb.Messages)
	for _, tc := range []struct {
		name string
		doc  docdb.Doc
	}{
		{"NUL in a key", docdb.Doc{{Key: "_id", Value: "nul"}, {Key: "reactions", Value: docdb.Doc{{Key: ":a\x00:", Value: int32(1)}}}}},
		{"quote in a top-level key", docdb.Doc{{Key: "_id", Value: "quote"}, {Key: `say"hi`, Value: int32(1)}}},
		{"dot in a key", docdb.Doc{{Key: "_id", Value: "dot"}, {Key: "customFields", Value: docdb.Doc{{Key: "a.b", Value: int32(1)}}}}},
		{"array in an array", docdb.Doc{{Key: "_id", Value: "nested"}, {Key: "coords", Value: []any{[]any{1.5, 2.5}}}}},
		{"array _id", docdb.Doc{{Key: "_id", Value: []any{"x"}}}},
		{"regex _id", docdb.Doc{{Key: "_id", Value: docdb.Regex{Pattern: "x"}}}},
	} {
		err := c.Insert(ctx, tc.doc)
		if err != nil {
			continue // refused: fine
		}
		id, _ := tc.doc.Get("_id")
		var back bson.Raw
		if back, err = mc.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw(); err != nil {
			t.Errorf("%s: docdb stored it, FerretDB cannot read it: %v", tc.name, err)
			continue
		}
		if _, err := mc.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, back); err != nil {
			t.Errorf("%s: docdb stored it, FerretDB cannot write it back: %v", tc.name, err)
		}
	}
}

package docdb_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/outpostchat/outpost/storage/docdb"
)

func TestSmoke(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	c := s.Docs.Collection(docdb.Messages)
	if err := c.Insert(ctx, map[string]any{"_id": "abc", "rid": "GENERAL", "msg": "hi", "n": 3}); err != nil {
		t.Fatal(err)
	}
	cl, err := mongo.Connect(ctx, options.Client().ApplyURI(s.Mongo.URI()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Disconnect(ctx)
	var got bson.M
	if err := cl.Database("rocketchat").Collection("rocketchat_message").FindOne(ctx, bson.D{{Key: "_id", Value: "abc"}}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	t.Logf("%#v", got)
	var back docdb.Doc
	if err := c.FindOne(ctx, docdb.ByID("abc"), &back); err != nil {
		t.Fatal(err)
	}
	t.Logf("%#v", back)
	if err := c.UpdateOne(ctx, "abc", docdb.U().Inc("n", 2).Set("u.name", "x"), &back); err != nil {
		t.Fatal(err)
	}
	t.Logf("%#v", back)
}

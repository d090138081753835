// Package streamhub is Outpost's in-process event bus. Services publish typed events on
// the [Hub] after their transaction commits; the DDP streamer, push and the admin
// console subscribe to the topics they need.
//
// # Topics
//
// A topic is a plain string: a lowercase, dash-separated kind, followed by "/<id>" when
// the stream is per entity:
//
//	settings                 every setting change
//	room-messages/<rid>      messages of one room
//	user/<uid>               events for one user
//
// [All] ("*") is the wildcard: a subscription to it receives every event, whatever its
// topic. A subscription with no topics receives nothing until topics are added, so a
// DDP session that subscribes room by room never sees a room it has not asked for.
//
// # Delivery
//
// [Hub.Publish] never waits for a subscriber. Each [Subscription] has a bounded queue;
// when an event finds it full, the hub drops that subscription: its channel is closed,
// [Subscription.Err] reports [ErrOverflow] and a warning is logged. The owner (a
// websocket session, say) then disconnects, and its client reconnects and reloads.
//
// Publish holds the hub's lock while it enqueues, so events reach every subscriber in
// one global order, the order in which Publish calls took the lock; in particular each
// publisher's events arrive in the order it published them.
//
// The hub starts no goroutines; a closed subscription or hub holds none.
package streamhub

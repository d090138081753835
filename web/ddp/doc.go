// Package ddp is Outpost's DDP transport, the "DDP streamer" (PROTOCOL.md §1–2): the
// WebSocket endpoints /websocket (raw DDP, one JSON message per text frame) and
// /sockjs/.../websocket (SockJS framing for the Meteor web client), method and
// publication registries, Rocket.Chat's streams, and the REST method.call bridge.
//
// # Wiring
//
// cmd/outpost builds one Server with New, registers methods (Server.Method),
// publications (Server.Publication) and streams (Server.Stream), and web mounts
// Server.Handler on /websocket and /sockjs/ (wrapped in web.LongLived) and
// Server.MethodCallHandler on the method.call routes. Services' events reach clients
// through Server.Emit, EmitFilter and EmitPresence, called by whoever listens on the
// event bus (app/streamhub).
//
// # Connections
//
// A connection opens with {"server_id":"0"}; its first message must be connect (else
// close 1002), and the DDP version is negotiated as Meteor does (connected, or failed
// and close). A frame that is not DDP closes it with 1007, one over
// Config.MaxMessageBytes with 1009. Pings are answered at once with the id echoed;
// after Config.PingInterval of inbound silence the server pings, and closes with 4000
// "TIMEOUT" if nothing arrives within Config.PingTimeout.
//
// Methods, subscriptions and unsubscriptions of one connection run one at a time in
// arrival order (so a sub sent after login runs as the logged-in user), on a goroutine
// that exists only while there is work; different connections run in parallel. At most
// Config.MaxPending of them wait; beyond that the server stops reading the socket
// (backpressure). Method and publication contexts outlive the connection (a write a
// client started completes) and are cancelled only when Shutdown runs out of time.
//
// Outbound messages go through a bounded queue (Config.SendQueue) to the connection's
// writer. Nothing that sends ever blocks: a connection whose queue is full is dropped
// (its client reconnects and reloads), as is one whose socket accepts no frame within
// Config.WriteTimeout.
//
// # Errors
//
// Every error a client sees goes through one function, toMeteorError: a model.Error
// becomes a Meteor error object ({"isClientSafe":true,"error":code,"reason":message,
// "message":"message [code]","errorType":"Meteor.Error","details"?}); anything else,
// internal errors and panics become 500 "Internal server error", their cause logged
// and never sent.
//
// # EJSON
//
// Marshal and Unmarshal encode and decode EJSON ({"$date":ms}, {"$binary":…},
// {"$InfNaN":…}); method params stay raw (json.RawMessage) until the method decodes
// them with Param or OptParam.
package ddp

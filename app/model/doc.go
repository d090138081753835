// Package model holds the Rocket.Chat-shaped documents, ids, the actor and the one domain
// error type that every layer of Outpost shares. It imports only the standard library.
package model

// Package app is the home of Outpost's services, one package each (accounts, settings,
// streamhub, ...), and of app/model, the shapes they share. Services never import
// net/http, web or storage: they declare the small store interfaces they need, which
// storage/docdb implements, and cmd/outpost wires them together (DESIGN.md §1).
package app

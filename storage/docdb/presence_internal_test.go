package docdb

// OnlineByIDsQuery is the query PresenceStore.OnlineByIDs runs for one chunk of ids, for
// the plan test.
var OnlineByIDsQuery = onlineByIDs

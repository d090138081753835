package docdb

// RoleHoldersQuery is RoleHolders' query, for the plan test.
var RoleHoldersQuery = Query{Where: roleHoldersWhere}

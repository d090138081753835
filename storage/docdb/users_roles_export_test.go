package docdb

// Hooks for the external tests of users_roles.go.

// RoleWalkCond is the walk's condition on a user (users_roles.go).
var RoleWalkCond = roleWalkCond

// UsernameOrder is the order of the users' listing by username.
var UsernameOrder = usernameOrder

// RoleWalks is roleWalks.
var RoleWalks = roleWalks

package docdb

// Hooks for the external tests (package docdb_test): the plan tests explain the exact
// SQL the store runs, the round-trip and update tests compare trees exactly.

// SelectSQL is the statement Find, FindOne and Each run for q on table.
func SelectSQL(q Query, table string) string { return q.sql("SELECT "+docColumn, table) }

// CountSQL is the statement Count runs for q on table.
func CountSQL(q Query, table string) string {
	q.Order = ""
	return q.sql("SELECT count(*)", table)
}

// UpdateOneSQL is the statement UpdateOne runs, with the table for %s.
const UpdateOneSQL = `UPDATE "%s" SET ` + docColumn + ` = outpost_apply(` + docColumn + `, ?) WHERE ` + idWhere + ` RETURNING ` + docColumn

// DeleteSQL is the statement Delete runs for q on table.
func DeleteSQL(q Query, table string) string { return `DELETE FROM "` + table + `"` + whereClause(q) }

// SameTree compares document trees exactly (types, -0, time locations).
var SameTree = sameTree

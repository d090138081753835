package docdb

// UploadedBytesSQL is the statement UploadedBytes runs for q on table.
func UploadedBytesSQL(q Query, table string) string { return q.sql(uploadedBytesSelect, table) }

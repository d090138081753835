package logbuf_test

import "context"

var bg = context.Background()

# Outpost's tasks. A machine with Go and Node needs nothing else:
#
#   npx -y rust-just RECIPE      (or `just RECIPE` where just is installed)
#
# Bare `npx -y rust-just` lists the recipes.

set shell := ["bash", "-euo", "pipefail", "-c"]

version := `git describe --always --dirty 2>/dev/null || echo dev`

# ferretdb_no_postgresql leaves out FerretDB's PostgreSQL backend (Outpost uses SQLite):
# about 4 MB less binary.
tags := "ferretdb_no_postgresql"
build_flags := "-trimpath -tags " + tags + " -ldflags '-s -w -X main.version=" + version + "'"

# List the recipes.
help:
    @{{ just_executable() }} --justfile {{ justfile() }} --list --unsorted

# Serve on :3000 with ./outpost-data (args go to `outpost serve`, e.g. --listen 127.0.0.1:3001).
run *args:
    go run -tags {{ tags }} ./cmd/outpost serve {{ args }}

# Back up ./outpost-data into its backups/ while it runs or not (args go to `outpost backup`, e.g. --data DIR).
backup *args:
    go run -tags {{ tags }} ./cmd/outpost backup {{ args }}

# Build the static release binary ./outpost.
build:
    CGO_ENABLED=0 go build {{ build_flags }} -o outpost ./cmd/outpost

# Everything CI checks: gofmt, go vet, generated templ code up to date, all tests with -race, then e2e.
test: lint check-generated && e2e
    #!/usr/bin/env bash
    set -euo pipefail
    # -race needs cgo, so a C compiler; without one, say so and test without it.
    if [ "$(go env CGO_ENABLED)" = 1 ] && command -v "$(go env CC)" >/dev/null; then
        go test -race ./...
    else
        echo "test: no C compiler, so no race detector: install gcc (apt-get install gcc) to test with -race" >&2
        go test ./...
    fi

# End-to-end: the built binary driven by Rocket.Chat's npm client libraries, and the admin console in headless Chromium (e2e/, Node 20+, npm registry, Debian's chromium).
e2e:
    cd e2e && npm ci --no-audit --no-fund && node --test --test-reporter=spec outpost.test.js chat.test.js files.test.js admin.test.js

# Benchmarks: the document store at 100k and 1M messages (about 2 min, 1.5 GB in $TMPDIR), then every other package's.
bench:
    go test -run '^$' -bench Store -benchtime 2000x ./storage/docdb/
    go test -run '^$' -bench . $(go list ./... | grep -v '/storage/docdb$')

# The same operations through embedded FerretDB at 100k messages, for the ratio (about 1 min: seconds per query).
bench-ferretdb:
    go test -run '^$' -bench FerretDB -benchtime 5x ./storage/docdb/

# Static release binaries for linux/amd64, linux/arm64 and linux/arm (GOARM=7, Raspberry Pi) in dist/.
cross: cross-amd64 cross-arm64 cross-armv7
    cd dist && sha256sum outpost-linux-* > SHA256SUMS

# dist/outpost-linux-amd64
cross-amd64:
    CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build {{ build_flags }} -o dist/outpost-linux-amd64 ./cmd/outpost

# dist/outpost-linux-arm64 (Raspberry Pi 3/4/5 on a 64-bit OS, ARM servers)
cross-arm64:
    CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build {{ build_flags }} -o dist/outpost-linux-arm64 ./cmd/outpost

# dist/outpost-linux-armv7 (Raspberry Pi 2/3/4 on a 32-bit OS)
cross-armv7:
    CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 go build {{ build_flags }} -o dist/outpost-linux-armv7 ./cmd/outpost

# Regenerate the templ components' Go code (*_templ.go, committed).
generate:
    go tool templ generate

# Fail if `just generate` would change any generated file.
check-generated:
    go tool templ generate -check -log-level warn

# gofmt (no file may need formatting) and go vet.
lint:
    @files="$(gofmt -l .)"; if [ -n "$files" ]; then echo "gofmt -w these files:" >&2; echo "$files" >&2; exit 1; fi
    go vet ./...

# DDP load test on loopback against the issue's targets (about 90 s): 10,000 idle authenticated connections, resume and password logins.
load:
    #!/usr/bin/env bash
    set -euo pipefail
    # The server and ddpload each hold 10,000+ sockets: lift the soft fd limit to the hard one.
    ulimit -n "$(ulimit -Hn)"
    if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 10300 ]; then
        echo "load: the hard fd limit is $(ulimit -Hn), under the 10300 needed: raise it (ulimit -Hn as root, or LimitNOFILE=)" >&2
        exit 1
    fi
    dir="$(mktemp -d)"
    pid=""
    stop() {
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
        rm -rf "$dir"
    }
    trap stop EXIT
    CGO_ENABLED=0 go build {{ build_flags }} -o "$dir/outpost" ./cmd/outpost
    go build -o "$dir/ddpload" ./cmd/ddpload
    export ADMIN_USERNAME=load ADMIN_PASS="load-$RANDOM$RANDOM" ADMIN_EMAIL=load@example.com
    "$dir/outpost" serve --listen 127.0.0.1:0 --data "$dir/data" 2> "$dir/server.log" &
    pid=$!
    addr=""
    for _ in $(seq 300); do
        addr="$(sed -n 's/.*outpost is serving.* addr=\(127\.0\.0\.1:[0-9]*\).*/\1/p' "$dir/server.log")"
        [ -n "$addr" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$addr" ]; then echo "load: the server did not start:" >&2; cat "$dir/server.log" >&2; exit 1; fi
    rc=0
    "$dir/ddpload" -addr "$addr" -server-pid "$pid" -mode idle,resume,password -hold 30s -duration 10s || rc=$?
    if ! kill -0 "$pid" 2>/dev/null; then echo "load: the server died; its log:" >&2; tail -50 "$dir/server.log" >&2; exit 1; fi
    if [ "$rc" = 4 ]; then echo "load: measured, but a target was missed (see the table)" >&2; fi
    exit "$rc"

# Chat load against the issue's targets (about 4 min): ddpload -preset room500 (500 users in one room of 500, 50 msg/s: p99 delivery < 50 ms), then rooms100 (1,000 users in 100 rooms of 10: ≥ 1,000 msg/s accepted), on a fresh server.
load-chat:
    #!/usr/bin/env bash
    set -euo pipefail
    # The server and ddpload each hold 1,000+ sockets: lift the soft fd limit to the hard one.
    ulimit -n "$(ulimit -Hn)"
    dir="$(mktemp -d)"
    trap 'rm -rf "$dir"' EXIT
    CGO_ENABLED=0 go build {{ build_flags }} -o "$dir/outpost" ./cmd/outpost
    go build -o "$dir/ddpload" ./cmd/ddpload
    rc=0
    "$dir/ddpload" -serve "$dir/outpost" -preset room500,rooms100 || rc=$?
    if [ "$rc" = 4 ]; then echo "load-chat: measured, but a target was missed (see the table)" >&2; fi
    exit "$rc"

# Uploads against the issue's targets (about 1 min, 2.5 GB in $TMPDIR): a 100 MiB file's upload (rooms.media) and download (/file-upload) at ≥ 0.7 of a copy + fsync on the same disk, and server RSS < 64 MB above idle during a 1 GiB upload.
load-upload:
    #!/usr/bin/env bash
    set -euo pipefail
    dir="$(mktemp -d)"
    trap 'rm -rf "$dir"' EXIT
    CGO_ENABLED=0 go build {{ build_flags }} -o "$dir/outpost" ./cmd/outpost
    go build -o "$dir/ddpload" ./cmd/ddpload
    rc=0
    "$dir/ddpload" -mode upload -serve "$dir/outpost" || rc=$?
    if [ "$rc" = 4 ]; then echo "load-upload: measured, but a target was missed (see the table)" >&2; fi
    exit "$rc"

# Room history at 1M messages (p99 < 5 ms for the newest 50 over REST): the first run seeds ./outpost-load-1m (about 4 min, 1.4 GB), later runs reuse it.
load-history:
    #!/usr/bin/env bash
    set -euo pipefail
    dir="$(mktemp -d)"
    trap 'rm -rf "$dir"' EXIT
    CGO_ENABLED=0 go build {{ build_flags }} -o "$dir/outpost" ./cmd/outpost
    go build -o "$dir/ddpload" ./cmd/ddpload
    rc=0
    "$dir/ddpload" -mode history -serve "$dir/outpost" -data ./outpost-load-1m || rc=$?
    if [ "$rc" = 4 ]; then echo "load-history: measured, but a target was missed (see the table)" >&2; fi
    exit "$rc"

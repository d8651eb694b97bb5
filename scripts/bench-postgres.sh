#!/usr/bin/env bash
# The many-hosts benchmark (BENCHMARKS.md): a durable PostgreSQL of its own (fsync on, as in
# production) and an SQLite file, measured in one run: five-line invoices per second from 1, 2
# and 4 host processes, beside each database's raw durable commit rate.
#   scripts/bench-postgres.sh [COUNT_PER_PROCESS]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${INVOICING_PG_BIN:-/usr/lib/postgresql/15/bin}
COUNT=${1:-200}
DIR=$(mktemp -d /tmp/erp-bench-pg-XXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
AS=""; [ "$(id -u)" = 0 ] && { chown -R postgres "$DIR"; AS="setpriv --reuid=postgres --regid=postgres --init-groups"; }
cd "$DIR" && $AS "$BIN/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 --locale=C >/dev/null && cd - >/dev/null
$AS "$BIN/postgres" -D "$DIR/data" -p "$PORT" -c listen_addresses=127.0.0.1 \
    -c unix_socket_directories="$DIR" >"$DIR/log" 2>&1 &
PG=$!
trap 'kill -INT $PG; wait $PG 2>/dev/null; rm -rf "$DIR"' EXIT
until "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; do sleep 0.1; done
"$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres bench
cargo run -q --release -p host-harness -- bench-hosts --count "$COUNT" \
    --db "$DIR/bench.db" --db "postgres://postgres@127.0.0.1:$PORT/bench"

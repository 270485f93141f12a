#!/usr/bin/env bash
# A throwaway PostgreSQL for the grading tests, on 127.0.0.1 only.
#   export AUTOGRADER_TEST_PG_URL="$(bash .ci/postgres.sh)"
# Installs Debian's postgresql package if no server is installed (needs root),
# starts a server in the background from a fresh data folder under /tmp (as the
# postgres user when run as root), creates a database and prints its URL on
# stdout; everything else goes to stderr. Stop it with:
#   pg_ctl -D "$(cat /tmp/autograder-pg.dir)" stop
set -euo pipefail
PORT="${AUTOGRADER_PG_PORT:-55432}"
DB=autograder_test
# The first free port from PORT on (another run's server may hold it).
while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do PORT=$((PORT + 1)); done

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
BIN="$(find_bin)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
    echo "installing postgresql from Debian packages..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    BIN="$(find_bin)"
fi

DATA="$(mktemp -d /tmp/autograder-pg.XXXXXX)"
echo "$DATA" > /tmp/autograder-pg.dir
if [ "$(id -u)" = 0 ]; then
    chown postgres "$DATA"
    as_server_user() { runuser -u postgres -- "$@"; }
    USER_NAME=postgres
else
    as_server_user() { "$@"; }
    USER_NAME="$(id -un)"
fi
as_server_user "$BIN/initdb" -D "$DATA" -A trust -U "$USER_NAME" >/dev/null
as_server_user "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA" start >&2
as_server_user "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U "$USER_NAME" "$DB"
echo "postgresql://$USER_NAME@127.0.0.1:$PORT/$DB"

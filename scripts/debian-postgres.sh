#!/usr/bin/env bash
# Starts (or stops) a throwaway Debian PostgreSQL 15 cluster on 127.0.0.1 for the test suite.
#   scripts/debian-postgres.sh start   -> prints the DATABASE_URL
#   scripts/debian-postgres.sh stop
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
DIR=${HEXAPLANE_PG15_DIR:-/tmp/hexaplane-pg15}
PORT=${HEXAPLANE_PG15_PORT:-55432}
RUN_AS=()
[ "$(id -u)" -eq 0 ] && RUN_AS=(runuser -u postgres --)

case "${1:-}" in
  start)
    rm -rf "$DIR" && mkdir -p "$DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres "$DIR"
    "${RUN_AS[@]}" "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust --locale=C.UTF-8 -E UTF8 >/dev/null
    "${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
      -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c max_connections=200 -c fsync=off" start >/dev/null
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    "${RUN_AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac

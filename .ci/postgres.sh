#!/usr/bin/env bash
# Sourced by .ci/run: a throwaway PostgreSQL cluster for test/sql (the postgres dialect run on a real
# server). Installs Debian's postgresql when absent, makes a cluster in a temp dir owned by the
# postgres user (the server refuses root), starts it on a unix socket, exports TALLYMAN_TEST_PG, and
# stops it when the shell exits.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
# A client alone (psql without initdb) or no postgres user is not a server: install one.
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ] || ! id postgres >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
pg_dir=$(mktemp -d /tmp/tallyman-pg.XXXXXX)
chown postgres "$pg_dir"
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }
as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust --no-sync >/dev/null
as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -o "-k $pg_dir -c listen_addresses='' -c fsync=off" start >/dev/null
trap 'as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$pg_dir"' EXIT
export TALLYMAN_TEST_PG="postgresql://postgres@/postgres?host=$pg_dir"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') at $pg_dir for test/sql"

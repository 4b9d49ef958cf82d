-- A pg_dump -Fc file (not an archive) as the backup: streamed to the target as
-- one file, verified by its whole SHA-256 against ${name}.sha256, restored with
-- pg_restore into a scratch PostgreSQL, checked by row count. Make it with
-- lab-postgres-setup.sh, then lab-pg-more-setup.sh, on lab1.
local BIN = "BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); D=${dir}; "
local PSQL = BIN .. "cd /; q() { \"$BIN/psql\" -h \"$D\" -U postgres -d shop -X -At -v ON_ERROR_STOP=1 -c \"$1\"; }; "

return gameday.drill {
  id = "rad-lab-pgdump", title = "Restore the shop database from its newest pg_dump -Fc file",
  backup = { on = "lab[0]", glob = "/srv/pgdump/shop-*.dump", kind = "file", manifest = "${name}.sha256" },
  target = { on = "lab[1]", dir = "/srv/restore" },
  restore = { on = "target", timeout = "10m", cmd = BIN .. [[
set -e
cd "$D"
DUMP=$(ls "$D"/shop-*.dump)
chown postgres:postgres "$D"
PG() { runuser -u postgres -- "$@"; }
PG "$BIN/initdb" -D "$D/pgdata" -A trust -U postgres --no-sync >"$D/initdb.log" 2>&1 || { cat "$D/initdb.log" >&2; exit 1; }
PG "$BIN/pg_ctl" -D "$D/pgdata" -l "$D/server.log" -w -t 60 \
  -o "-c listen_addresses='' -c unix_socket_directories=$D -c fsync=off -c shared_buffers=16MB" start >/dev/null ||
  { cat "$D/server.log" >&2; exit 1; }
PG "$BIN/createdb" -h "$D" -U postgres shop
PG "$BIN/pg_restore" -h "$D" -U postgres -d shop --exit-on-error --no-owner "$DUMP"
]] },
  verify = {
    probe.exec { name = "row count", on = "target", min = 5000, max = 5000, cmd = PSQL .. [[q "SELECT count(*) FROM orders"]] },
  },
  teardown = { on = "target", timeout = "2m", cmd = BIN ..
    [[cd /; if [ -f "$D/pgdata/postmaster.pid" ]; then runuser -u postgres -- "$BIN/pg_ctl" -D "$D/pgdata" stop -m immediate -w -t 60; fi]] },
  objectives = { rto = "10m", rpo = "26h" },
}

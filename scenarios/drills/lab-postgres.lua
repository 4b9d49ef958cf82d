-- A real database drill on the lab: the newest pg_dump of database "shop" on
-- lab1 (/srv/backups/shop-YYYYmmdd-HHMMSS.tar.gz, checked against its
-- SHA256SUMS) is streamed to lab2:/srv/restore, restored into a scratch
-- PostgreSQL there (unix socket in /srv/restore only, no TCP), then checked:
-- the row count and a content checksum against the values lab1 computed at
-- backup time (expected.txt in the archive), and the data's freshness: the age
-- of the newest order is the real RPO. The scratch server is stopped and the
-- target removed afterwards. Make the backup first:
--   gameday lab up --hosts 2 --srv-size 256
--   gameday exec -i INV 'lab[0]' -- "$(cat scenarios/drills/lab-postgres-setup.sh)"
local BIN = "BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); D=${dir}; "
local PSQL = BIN .. "cd /; q() { \"$BIN/psql\" -h \"$D\" -U postgres -d shop -X -At -v ON_ERROR_STOP=1 -c \"$1\"; }; "
local WANT = "want() { sed -n \"s/^$1=//p\" \"$D/expected.txt\"; }; "

return gameday.drill {
  id = "rad-lab-postgres", title = "Restore the shop database from its newest pg_dump into a scratch PostgreSQL",
  backup = { on = "lab[0]", glob = "/srv/backups/shop-*.tar.gz", pick = "newest", manifest = "SHA256SUMS",
    age_from = "name", name_time = "%Y%m%d-%H%M%S" },
  target = { on = "lab[1]", dir = "/srv/restore", clean = true },
  restore = { on = "target", timeout = "10m", cmd = BIN .. [[
set -e
cd "$D"
test -s "$D/shop.dump"
chown postgres:postgres "$D"
PG() { runuser -u postgres -- "$@"; }
PG "$BIN/initdb" -D "$D/pgdata" -A trust -U postgres --no-sync >"$D/initdb.log" 2>&1 || { cat "$D/initdb.log" >&2; exit 1; }
PG "$BIN/pg_ctl" -D "$D/pgdata" -l "$D/server.log" -w -t 60 \
  -o "-c listen_addresses='' -c unix_socket_directories=$D -c fsync=off -c shared_buffers=16MB" start >/dev/null ||
  { cat "$D/server.log" >&2; exit 1; }
PG "$BIN/createdb" -h "$D" -U postgres shop
PG "$BIN/pg_restore" -h "$D" -U postgres -d shop --exit-on-error --no-owner "$D/shop.dump"
echo "restored shop into the scratch server at $D/pgdata"
]] },
  verify = {
    probe.exec { name = "row count", on = "target", min = 5000, max = 5000, exit = 0, cmd = PSQL .. WANT ..
      [=[n=$(q "SELECT count(*) FROM orders"); echo "$n rows, $(want rows) at backup time"; [ "$n" = "$(want rows)" ]]=] },
    probe.exec { name = "content checksum", on = "target", exit = 0, cmd = PSQL .. WANT ..
      [[s=$(q "SELECT md5(string_agg(id::text || ':' || amount::text, ',' ORDER BY id)) FROM orders"); ]] ..
      [=[echo "md5 $s, $(want md5) at backup time"; [ "$s" = "$(want md5)" ]]=] },
    -- the real RPO: seconds since the newest order, against the 2 h objective
    probe.exec { name = "freshness (real RPO, s)", on = "target", max = 7200, exit = 0, cmd = PSQL ..
      [[q "SELECT extract(epoch FROM now() - max(created_at))::bigint || ' s since the newest order, at ' || max(created_at) FROM orders"]] },
  },
  teardown = { on = "target", timeout = "2m", cmd = BIN ..
    [[cd /; if [ -f "$D/pgdata/postmaster.pid" ]; then runuser -u postgres -- "$BIN/pg_ctl" -D "$D/pgdata" stop -m immediate -w -t 60; fi]] },
  objectives = { rto = "10m", rpo = "2h" },
}

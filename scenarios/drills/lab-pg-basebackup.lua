-- A pg_basebackup -Ft -z backup: a directory per backup holding base.tar.gz,
-- pg_wal.tar.gz and backup_manifest. base.tar.gz is checked file by file
-- against PostgreSQL's own backup_manifest (SHA-256) and restored as the data
-- dir, pg_wal.tar.gz into its pg_wal, the manifest beside them; then
-- pg_verifybackup checks the restored copy, the server is started on it and
-- the rows are counted. Make it with lab-postgres-setup.sh, then
-- lab-pg-more-setup.sh, on lab1.
local BIN = "BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); D=${dir}; "
local PSQL = BIN .. "cd /; q() { \"$BIN/psql\" -h /srv/restore-sock -U postgres -d shop -X -At -v ON_ERROR_STOP=1 -c \"$1\"; }; "

return gameday.drill {
  id = "rad-lab-pg-basebackup", title = "Restore the shop cluster from its newest pg_basebackup",
  backup = { on = "lab[0]", glob = "/srv/pgbase/*", archives = {
    { file = "base.tar.gz", into = ".", manifest = { file = "backup_manifest", format = "backup_manifest" } },
    { file = "pg_wal.tar.gz", into = "pg_wal" },
    { file = "backup_manifest", kind = "file" },
  } },
  target = { on = "lab[1]", dir = "/srv/restore" },
  restore = { on = "target", timeout = "10m", cmd = BIN .. [[
set -e
chown -R postgres:postgres "$D"
chmod 700 "$D"
runuser -u postgres -- "$BIN/pg_verifybackup" -q "$D"
install -d -o postgres -m 700 /srv/restore-sock
runuser -u postgres -- "$BIN/pg_ctl" -D "$D" -l /srv/restore-sock/server.log -w -t 120 \
  -o "-c listen_addresses='' -c unix_socket_directories=/srv/restore-sock -c fsync=off" start >/dev/null ||
  { cat /srv/restore-sock/server.log >&2; exit 1; }
]] },
  verify = {
    probe.exec { name = "row count", on = "target", min = 5000, max = 5000, cmd = PSQL .. [[q "SELECT count(*) FROM orders"]] },
  },
  teardown = { on = "target", timeout = "2m", cmd = BIN ..
    [[cd /; if [ -f "$D/postmaster.pid" ]; then runuser -u postgres -- "$BIN/pg_ctl" -D "$D" stop -m immediate -w -t 60; fi; rm -rf /srv/restore-sock]] },
  objectives = { rto = "10m", rpo = "26h" },
}

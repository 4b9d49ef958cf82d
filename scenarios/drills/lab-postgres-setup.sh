#!/bin/sh
# lab-postgres-setup.sh: the "production" side of the PostgreSQL restore drill
# (scenarios/drills/lab-postgres.lua). Run it on the backup host, as root:
#   gameday exec -i INV 'lab[0]' -- "$(cat scenarios/drills/lab-postgres-setup.sh)"
# It initialises a small cluster under /srv/pg-prod (owner postgres, a unix
# socket in /srv/pg-prod only, no TCP), fills database shop with an orders
# table of ROWS rows whose newest created_at is AGE_MIN minutes old, then
# writes /srv/backups/shop-YYYYmmdd-HHMMSS.tar.gz holding
#   shop.dump      pg_dump -Fc of shop
#   expected.txt   rows=N and md5=CHECKSUM, computed here at backup time
# and its manifest /srv/backups/SHA256SUMS. The cluster keeps running; stop it
# with: runuser -u postgres -- PG_CTL -D /srv/pg-prod/data stop -m fast
# (the pidfile is /srv/pg-prod/data/postmaster.pid).
# Environment: ROWS (5000), AGE_MIN (90).
set -eu
cd /
ROWS=${ROWS:-5000}
AGE_MIN=${AGE_MIN:-90}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$BIN" ] && [ -x "$BIN/initdb" ] || { echo "no PostgreSQL under /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2; exit 3; }
id postgres >/dev/null 2>&1 || { echo "no user postgres (apt-get install postgresql)" >&2; exit 3; }
PROD=/srv/pg-prod
PG() { runuser -u postgres -- "$@"; }

if [ -f "$PROD/data/postmaster.pid" ]; then
	PG "$BIN/pg_ctl" -D "$PROD/data" stop -m fast >/dev/null 2>&1 || true
fi
rm -rf "$PROD"
install -d -o postgres -g postgres -m 0700 "$PROD"
PG "$BIN/initdb" -D "$PROD/data" -A trust -U postgres --no-sync >"$PROD/initdb.log" 2>&1 ||
	{ cat "$PROD/initdb.log" >&2; exit 1; }
PG "$BIN/pg_ctl" -D "$PROD/data" -l "$PROD/server.log" -w -t 60 \
	-o "-c listen_addresses='' -c unix_socket_directories=$PROD -c fsync=off -c shared_buffers=16MB" start >/dev/null ||
	{ cat "$PROD/server.log" >&2; exit 1; }
PSQL() { PG "$BIN/psql" -h "$PROD" -U postgres -X -v ON_ERROR_STOP=1 -q "$@"; }
PSQL -d postgres -c "CREATE DATABASE shop"
PSQL -d shop <<SQL
CREATE TABLE orders (
  id         integer PRIMARY KEY,
  customer   text NOT NULL,
  amount     numeric(10,2) NOT NULL,
  created_at timestamptz NOT NULL
);
INSERT INTO orders
SELECT i, 'customer-' || (i % 97), round((i * 7.31) % 1000, 2),
       now() - interval '$AGE_MIN minutes' - (($ROWS - i) * interval '1 minute')
FROM generate_series(1, $ROWS) AS i;
SQL
SUM=$(PSQL -d shop -At -c "SELECT md5(string_agg(id::text || ':' || amount::text, ',' ORDER BY id)) FROM orders")
N=$(PSQL -d shop -At -c "SELECT count(*) FROM orders")

STAGE=$PROD/stage
STAMP=$(date -u +%Y%m%d-%H%M%S)
install -d -o postgres -g postgres "$STAGE"
PG "$BIN/pg_dump" -h "$PROD" -U postgres -Fc -f "$STAGE/shop.dump" shop
printf 'rows=%s\nmd5=%s\n' "$N" "$SUM" >"$STAGE/expected.txt"
mkdir -p /srv/backups
(cd "$STAGE" && sha256sum shop.dump expected.txt >/srv/backups/SHA256SUMS)
tar czf "/srv/backups/shop-$STAMP.tar.gz.part" -C "$STAGE" shop.dump expected.txt
mv "/srv/backups/shop-$STAMP.tar.gz.part" "/srv/backups/shop-$STAMP.tar.gz"
rm -rf "$STAGE"
echo "backup /srv/backups/shop-$STAMP.tar.gz: $N rows, md5 $SUM, newest row ${AGE_MIN} min old"

#!/bin/sh
# lab-pg-more-setup.sh: two more backups of the shop database of
# lab-postgres-setup.sh (run that first; its cluster must be running):
#   /srv/pgdump/shop-STAMP.dump (+ .sha256)  a pg_dump -Fc file, not an archive
#                                            (scenarios/drills/lab-pgdump.lua)
#   /srv/pgbase/STAMP/                       pg_basebackup -Ft -z: base.tar.gz,
#                                            pg_wal.tar.gz, backup_manifest with
#                                            SHA-256 (lab-pg-basebackup.lua)
# Run it on the backup host, as root:
#   gameday exec -i INV 'lab[0]' -- "$(cat scenarios/drills/lab-pg-more-setup.sh)"
set -eu
cd /
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PROD=/srv/pg-prod
PG() { runuser -u postgres -- "$@"; }
[ -S "$PROD/.s.PGSQL.5432" ] || { echo "no cluster on $PROD: run lab-postgres-setup.sh first" >&2; exit 3; }
STAMP=$(date -u +%Y%m%d-%H%M%S)
install -d -o postgres -g postgres /srv/pgdump /srv/pgbase
PG "$BIN/pg_dump" -h "$PROD" -U postgres -Fc -f "/srv/pgdump/shop-$STAMP.dump" shop
(cd /srv/pgdump && sha256sum "shop-$STAMP.dump" >"shop-$STAMP.dump.sha256")
PG "$BIN/pg_basebackup" -h "$PROD" -U postgres -D "/srv/pgbase/$STAMP.part" -Ft -z -X stream -c fast \
	--manifest-checksums=SHA256 --no-sync
mv "/srv/pgbase/$STAMP.part" "/srv/pgbase/$STAMP"
echo "pg_dump /srv/pgdump/shop-$STAMP.dump, pg_basebackup /srv/pgbase/$STAMP: $(ls /srv/pgbase/$STAMP | tr '\n' ' ')"

#!/bin/sh
# lab-sources-setup.sh: backups kept in backup tools, for the restic and borg
# drills (lab-restic.lua, lab-borg.lua). Run it on the backup host, as root:
#   gameday exec -i INV 'lab[0]' -- "$(cat scenarios/drills/lab-sources-setup.sh)"
# It fills /srv/data with some files (text, binary, a symlink), backs it up
# into a restic repository (/srv/restic, password in /srv/restic.pass) and a
# borg repository (/srv/borg, unencrypted), and writes the files' sha256sum
# manifest as the tools' archives name them (srv/data/...) to
# /srv/manifests/data.sha256. Environment: FILES (200).
set -eu
cd /
FILES=${FILES:-200}
for t in restic borg sha256sum; do
	command -v $t >/dev/null || { echo "no $t (apt-get install restic borgbackup)" >&2; exit 3; }
done
rm -rf /srv/data /srv/restic /srv/borg /srv/.borg /srv/manifests /srv/restic.pass
mkdir -p /srv/data/etc /srv/data/blobs /srv/manifests
i=0
while [ $i -lt "$FILES" ]; do
	printf 'line %s of the app config\n' $i >/srv/data/etc/conf-$i.txt
	i=$((i + 1))
done
head -c 2000000 /dev/urandom >/srv/data/blobs/state.bin
ln -s etc/conf-1.txt /srv/data/current.conf
find srv/data -type f -print0 | sort -z | xargs -0 sha256sum >/srv/manifests/data.sha256
umask 077
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >/srv/restic.pass
restic -q --no-cache -r /srv/restic --password-file /srv/restic.pass init
restic -q --no-cache -r /srv/restic --password-file /srv/restic.pass backup /srv/data
export BORG_BASE_DIR=/srv/.borg  # its cache and keys stay on the host's /srv
BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes borg init -e none /srv/borg
borg create /srv/borg::data-$(date -u +%Y%m%d-%H%M%S) /srv/data
echo "restic and borg backups of /srv/data: $(wc -l </srv/manifests/data.sha256) files"

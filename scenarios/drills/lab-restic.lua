-- A drill of a backup kept in restic, read with restic itself: the newest
-- snapshot of the repository on lab1 (listed by `restic snapshots`, with its
-- time as the RPO) is dumped as a tar (`restic dump ID / --archive tar`),
-- every file checked against the manifest taken at backup time, and restored
-- to lab2. Make the repository first:
--   gameday exec -i INV 'lab[0]' -- "$(cat scenarios/drills/lab-sources-setup.sh)"
local RESTIC = "restic --no-cache -r /srv/restic --password-file /srv/restic.pass "

return gameday.drill {
  id = "rad-lab-restic", title = "Restore the app data from its newest restic snapshot",
  backup = {
    on = "lab[0]",
    -- "EPOCH NAME" lines: each snapshot's time and id
    list = RESTIC .. [[snapshots --json | python3 -c 'import json, re, sys, datetime
for s in json.load(sys.stdin):
    t = datetime.datetime.fromisoformat(re.sub(r"\.\d+", "", s["time"]).replace("Z", "+00:00"))
    print(int(t.timestamp()), s["short_id"])']],
    cmd = RESTIC .. "dump ${name} / --archive tar",
    manifest = { file = "/srv/manifests/data.sha256" },
    size = "64M",
  },
  target = { on = "lab[1]", dir = "/srv/restore", clean = true },
  verify = {
    probe.exec { name = "files restored", on = "target", cmd = "find ${dir}/srv/data -type f | wc -l", min = 10 },
    probe.exec { name = "symlink kept", on = "target", cmd = "readlink ${dir}/srv/data/current.conf", match = "^etc/conf-1.txt" },
  },
  objectives = { rto = "10m", rpo = "26h" },
}

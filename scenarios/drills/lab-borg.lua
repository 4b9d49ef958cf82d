-- A drill of a backup kept in borg: the newest archive of the repository on
-- lab1 (`borg list`, its time the RPO) streamed by `borg export-tar` through
-- the verifier (every file against the manifest taken at backup time) to
-- lab2. Make the repository first:
--   gameday exec -i INV 'lab[0]' -- "$(cat scenarios/drills/lab-sources-setup.sh)"
return gameday.drill {
  id = "rad-lab-borg", title = "Restore the app data from its newest borg archive",
  backup = {
    on = "lab[0]",
    list = "BORG_BASE_DIR=/srv/.borg borg list --format '{time:%s} {archive}{NL}' /srv/borg",
    cmd = "BORG_BASE_DIR=/srv/.borg borg export-tar /srv/borg::${name} -",
    manifest = { file = "/srv/manifests/data.sha256" },
    size = "64M",
  },
  target = { on = "lab[1]", dir = "/srv/restore", clean = true },
  verify = {
    probe.exec { name = "files restored", on = "target", cmd = "find ${dir}/srv/data -type f | wc -l", min = 10 },
  },
  objectives = { rto = "10m", rpo = "26h" },
}

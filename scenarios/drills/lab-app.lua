-- A restore drill for the lab: the newest /srv/backups/*.tar.gz on lab1,
-- checked against its SHA256SUMS, restored to lab2:/srv/restore, counted,
-- then cleaned. Make a backup first, on lab1:
--   cd /srv/src && sha256sum * > /srv/backups/SHA256SUMS && tar czf /srv/backups/app-1.tar.gz -C /srv/src .
return gameday.drill {
  id = "rad-lab-app", title = "Restore the lab app from its newest backup",
  backup = { on = "lab[0]", glob = "/srv/backups/*.tar.gz", pick = "newest", manifest = "SHA256SUMS" },
  target = { on = "lab[1]", dir = "/srv/restore", clean = true },
  verify = {
    probe.exec { name = "files restored", on = "target", cmd = "find /srv/restore -type f | wc -l", min = 1 },
  },
  objectives = { rto = "30m", rpo = "26h" },
}

-- Disk full: /srv on one host fills to 95 %. Does the service keep answering
-- and come back once space is freed? (On the lab, /srv is a private 64 MiB tmpfs.)
return gameday.scenario {
  id = "disk-full",
  title = "Disk full on the data volume",
  tags = { "disk", "storage" },
  topics = { "troubleshooting", "monitoring" },
  runbook = "runbooks/disk.md#full",
  narrative = [[
02:40, page: "lab1 /srv 95% full". Writes start to fail. Find what filled
the volume, free space without losing data, and say how you would alert
before it happens again.]],
  targets = { data = "lab[0]" },
  steady_state = {
    -- healthy: /srv has room and takes writes
    probe.exec { name = "/srv below 90%", on = "data",
      cmd = "df -P /srv | awk 'NR==2 { sub(\"%\", \"\", $5); print $5 }'", max = 90 },
    probe.exec { name = "/srv takes a write", on = "data",
      cmd = "dd if=/dev/zero of=/srv/.probe bs=1M count=4 2>/dev/null && rm -f /srv/.probe", exit = 0 },
  },
  faults = {
    fault.disk_fill { on = "data", path = "/srv", percent = 95, duration = "2m" },
  },
  alerts = {
    probe.alert { alert = "DiskAlmostFull", labels = { host = "lab1" }, within = "20s", clears_within = "30s" },
  },
  observe = { duration = "6s", every = "2s" },
  expect = "degrade",
  injects = { { at = "2s", from = "On-call bot", say = "lab1: /srv 95% full" } },
  hints = { { after = "3m", cost = 1, text = "df -h, then du -sh /srv/* | sort -h" } },
}

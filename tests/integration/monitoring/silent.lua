-- a fault the team's alert does not catch: /srv to 50% never trips
-- DiskAlmostFull (over 90%), so monitoring stays silent
return gameday.scenario {
  id = "monitoring-silent", title = "A disk filling that no alert catches",
  targets = { data = "lab[1]" },
  steady_state = {
    probe.exec { name = "/srv takes a write", on = "data", cmd = "touch /srv/.p && rm -f /srv/.p", exit = 0 },
  },
  faults = { fault.disk_fill { on = "data", path = "/srv", percent = 50, duration = "1m" } },
  alerts = { probe.alert { alert = "DiskAlmostFull", labels = { host = "lab2" }, within = "6s" } },
  observe = { duration = "2s", every = "1s" },
  expect = "hold",
}

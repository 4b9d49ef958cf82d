-- The network between the API and the database is cut (a firewall change, a
-- switch failure). The runner keeps its own SSH path to the host, so it can
-- always revert. Does the API fail fast, and does it reconnect afterwards?
-- Lab: sudo gameday lab up --services --hosts 2
return gameday.scenario {
  id = "partition",
  title = "API and database cannot reach each other",
  tags = { "network", "partition" },
  topics = { "architecture", "troubleshooting" },
  runbook = "runbooks/orders.md#db-unreachable",
  narrative = [[
02:50: "connection refused" and timeouts from the API to the database, but
both hosts answer ping from your laptop. What changed between them?]],
  targets = { api = "lab[0]", db = "lab[1]" },
  steady_state = {
    probe.exec { name = "api reaches db:8080", on = "api", cmd = "timeout 2 bash -c '</dev/tcp/${db}/8080'",
      exit = 0, timeout = "5s" },
  },
  faults = {
    fault.partition { on = "api", peer = "db", duration = "2m" },
  },
  -- the API host's connections to the database go unanswered
  alerts = {
    probe.alert { alert = "UpstreamErrors", labels = { host = "lab1" }, within = "20s", clears_within = "30s" },
  },
  observe = { duration = "3s", every = "1s" },
  expect = "degrade",
}

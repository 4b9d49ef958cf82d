-- The database link degrades: 300 ms more on every packet the database host
-- sends. Do the API's timeouts and alerts cope? Needs tc netem on the host
-- (sch_netem); where the kernel lacks it, preflight refuses and says so.
-- Lab: sudo gameday lab up --services --hosts 2
return gameday.scenario {
  id = "db-latency",
  title = "Orders API when the database link degrades",
  tags = { "network", "database", "latency" },
  topics = { "troubleshooting", "monitoring" },
  runbook = "runbooks/orders.md#latency",
  narrative = [[
03:12, page: "orders p99 > 2 s". Nothing was deployed. The database host
looks idle. Where is the time going?]],
  targets = { api = "lab[0]", db = "lab[1]" },
  steady_state = {
    probe.http { name = "db answers fast", url = "http://${db}:8080/health", status = 200, max_ms = 200,
      timeout = "2s" },
    probe.exec { name = "api reaches db", on = "api", cmd = "timeout 2 bash -c '</dev/tcp/${db}/8080'", exit = 0 },
  },
  faults = {
    fault.net_delay { on = "db", delay = "300ms", jitter = "50ms", duration = "5m" },
  },
  observe = { duration = "2m", every = "5s" },
  expect = "degrade",
  injects = { { at = "1m", from = "Customer support", say = "Checkout is slow for everyone" } },
  hints = { { after = "3m", cost = 1, text = "Look at the database host's network: tc qdisc show" } },
}

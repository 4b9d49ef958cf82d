-- A frozen process (SIGSTOP: a GC pause, a hung NFS read, a deadlock) still
-- holds its port, so "is the process running?" checks stay green while users
-- time out. Does your health check see it? Revert sends SIGCONT.
-- Lab: sudo gameday lab up --services
return gameday.scenario {
  id = "web-frozen",
  title = "The web process hangs while still holding its port",
  tags = { "process", "hang" },
  topics = { "troubleshooting", "monitoring" },
  runbook = "runbooks/web.md#hung",
  narrative = [[
04:05: users report the site spinning. The process is there, the port is
open, CPU is zero. What do you look at first?]],
  targets = { web = "lab[0]" },
  steady_state = {
    probe.http { name = "web answers /health", url = "http://${web}:8080/health", status = 200,
      max_ms = 500, timeout = "1s" },
    probe.tcp { name = "port 8080 open", on = "web", port = 8080, timeout = "1s" },
  },
  faults = {
    fault.process_stop { on = "web", pidfile = "/run/web.pid", duration = "2m" },
  },
  observe = { duration = "3s", every = "1s" },
  expect = "degrade",
  hints = { { after = "3m", cost = 1, text = "Look at the process state column of ps: T means stopped" } },
}

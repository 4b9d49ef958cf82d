-- A killed service should come back by itself: its supervisor (systemd,
-- runit, the lab's restart loop) restarts it. Template: point `pidfile` at
-- your service's pidfile, or use `name` for the exact process name.
-- Lab: sudo gameday lab up --services
return gameday.scenario {
  id = "web-killed",
  title = "The web service is killed and must come back by itself",
  tags = { "process", "supervision" },
  topics = { "architecture", "monitoring" },
  runbook = "runbooks/web.md#restart",
  narrative = [[
03:12, page: "web health check failing on lab1". The process is gone. Is it
restarting by itself? How long was it down, and did the alert fire?]],
  targets = { web = "lab[0]" },
  steady_state = {
    probe.http { name = "web answers /health", url = "http://${web}:8080/health", status = 200,
      body = "^ok", max_ms = 500, timeout = "2s" },
  },
  faults = {
    fault.process_kill { on = "web", pidfile = "/run/web.pid", signal = "KILL", duration = "1m" },
  },
  -- the team's page: with `lab up --monitoring`, the real WebDown must fire
  -- within 20s of the kill and clear within 30s of the revert
  alerts = {
    probe.alert { alert = "WebDown", labels = { host = "lab1" }, within = "20s", clears_within = "30s" },
  },
  observe = { duration = "4s", every = "1s" },
  expect = "recover",
  injects = { { at = "1s", from = "Customer support", say = "The shop shows an error page" } },
  hints = { { after = "2m", cost = 1, text = "Who restarts it? Look at the supervisor's pidfile" } },
}

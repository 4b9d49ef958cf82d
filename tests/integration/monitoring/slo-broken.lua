-- an SLO broken: the web service is killed; its restart takes over a second
return gameday.scenario {
  id = "monitoring-slo-broken", title = "The web SLO breaks when the service dies",
  targets = { web = "lab[0]" },
  steady_state = {
    slo { name = "web SLO", probe = probe.http { name = "web", url = "http://${web}:8080/health", timeout = "1s" },
      every = "200ms", availability = 99.5, target = 99.9, period = "30d" },
  },
  faults = { fault.process_kill { on = "web", pidfile = "/run/web.pid", signal = "KILL", duration = "1m" } },
  observe = { duration = "3s", every = "1s" },
  expect = "recover",
}

-- an SLO kept: a busy loop on lab2 leaves lab1's web service alone
return gameday.scenario {
  id = "monitoring-slo-kept", title = "The web SLO holds while another host is busy",
  targets = { web = "lab[0]", other = "lab[1]" },
  steady_state = {
    slo { name = "web SLO", probe = probe.http { name = "web", url = "http://${web}:8080/health", timeout = "2s" },
      every = "200ms", availability = 95, latency = { p = 95, max = "1s" }, target = 99.9, period = "30d" },
  },
  faults = { fault.cpu_hog { on = "other", workers = 1, duration = "30s" } },
  observe = { duration = "3s", every = "1s" },
  expect = "hold",
}

-- WebDown on lab1, in Prometheus and in Alertmanager
return gameday.scenario {
  id = "monitoring-webdown", title = "WebDown fires",
  targets = { web = "lab[0]" },
  steady_state = {
    probe.alert { name = "rule fires", alert = "WebDown", labels = { host = "lab1" } },
    probe.alert { name = "page goes out", url = "${alertmanager}", alert = "WebDown", labels = { host = "lab1" } },
    probe.alert { name = "not on lab2", alert = "WebDown", labels = { host = "lab2" }, expect = "inactive" },
  },
  run = function() end,
}

-- probe.prometheus's outcomes and probe.alert against the lab's monitoring
return gameday.scenario {
  id = "monitoring-probes", title = "probe.prometheus and probe.alert outcomes",
  targets = { web = "lab[0]" },
  steady_state = {
    probe.prometheus { name = "nodes up", query = 'up{job="node"}', min = 1, for_each = "host" },
    probe.prometheus { name = "empty", query = 'up{job="no-such-job"}' },
    probe.prometheus { name = "empty is fine", query = 'up{job="no-such-job"}', empty = "ok" },
    probe.prometheus { name = "bad query", query = 'up{' },
    probe.prometheus { name = "dead server", url = "http://127.0.0.1:9", query = "up", timeout = "2s" },
    probe.prometheus { name = "srv below 50%", for_each = "host",
      query = '100 * (1 - node_filesystem_avail_bytes{mountpoint="/srv"} / node_filesystem_size_bytes{mountpoint="/srv"})',
      max = 50 },
    probe.alert { alert = "WebDown", expect = "inactive" },
    probe.alert { name = "no page", url = "${alertmanager}", alert = "WebDown", expect = "inactive" },
  },
  run = function() end,
}

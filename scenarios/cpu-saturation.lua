-- Two busy loops on the web host: does the service still answer in time?
-- The hog ends by itself when its duration is over, whatever happens.
-- Lab: sudo gameday lab up --services
return gameday.scenario {
  id = "cpu-saturation",
  title = "The web host's CPU is saturated",
  tags = { "cpu", "capacity" },
  topics = { "architecture", "monitoring" },
  runbook = "runbooks/web.md#cpu",
  narrative = [[
14:20, Black Friday: load average on lab1 is 8 and climbing, yet the
latency alert is silent. Is the service still answering in time? Which
process is burning the CPU, and would you kill it, throttle it or scale out?]],
  hints = { { after = "2m", cost = 1, text = "top -o %CPU, then look at the busy process's parent" } },
  targets = { web = "lab[0]" },
  steady_state = {
    probe.http { name = "web answers in 500 ms", url = "http://${web}:8080/health", status = 200, max_ms = 500,
      timeout = "2s" },
  },
  faults = {
    fault.cpu_hog { on = "web", workers = 2, duration = "1m" },
  },
  -- HighCPU counts runnable processes against the host's CPUs: two busy
  -- loops saturate a 2-core lab machine (raise workers on a bigger one)
  alerts = {
    probe.alert { alert = "HighCPU", labels = { host = "lab1" }, within = "20s", clears_within = "30s" },
  },
  observe = { duration = "3s", every = "1s" },
  expect = "hold",
}

-- slotest: gameday.slo's SLIs, percentiles, judgement and error budget,
-- run by tests/unit/test_slo.c.
local slo = require("gameday.slo")

local M = {}

local function fail(fmt, ...) error(string.format(fmt, ...), 0) end
local function eq(what, got, want)
  if got ~= want then fail("%s: got %s, want %s", what, tostring(got), tostring(want)) end
end

local cases = {}

-- nearest rank: pN is the value at rank ceil(N/100 * n), always a measured value
cases.percentile_nearest_rank = function()
  local v = {}
  for i = 1, 20 do v[i] = i * 10 end
  eq("p50 of 20", slo.percentile(v, 50), 100)
  eq("p95 of 20", slo.percentile(v, 95), 190)
  eq("p99 of 20", slo.percentile(v, 99), 200)
  eq("p1 of 20", slo.percentile(v, 1), 10)
  eq("p50 of 2", slo.percentile({ 3, 7 }, 50), 3)
  eq("p90 of 2", slo.percentile({ 3, 7 }, 90), 7)
  eq("empty", slo.percentile({}, 50), nil)
end

-- latency from the good samples only; availability from all
cases.sli_from_samples = function()
  local s = {}
  for i = 1, 18 do s[#s + 1] = { ok = true, ms = i } end
  s[#s + 1] = { ok = false, ms = 5000 }
  s[#s + 1] = { ok = false, ms = 5000 }
  local x = slo.sli(s)
  eq("samples", x.samples, 20)
  eq("bad", x.bad, 2)
  eq("availability", x.availability, 90)
  eq("p50", x.latency.p50, 9)
  eq("max", x.latency.max, 18)
  eq("p99", x.latency.p99, 18)
  local y = slo.sli(s, 99.9)
  eq("an extra percentile", y.latency.p99_9, 18)
end

-- a broken SLO names why; the budget is bad samples x every over (100 - target) % of the period
cases.judge_and_budget = function()
  local t = slo.check({ probe = { __probe = true, name = "web" }, every = "500ms", availability = 99,
    latency = { p = 90, max = "300ms" }, target = 99.9, period = "30d" }, "slo")
  local samples = {}
  for i = 1, 95 do samples[i] = { ok = true, ms = 100 } end
  for i = 96, 100 do samples[i] = { ok = false, ms = 0 } end
  local j = slo.judge(slo.sli(samples, 90), t, t.every_ms)
  eq("broken", j.ok, false)
  eq("reason", j.reasons[1], "availability 95.00% is below 99.00%")
  eq("bad time", j.budget.bad_ms, 2500)
  eq("budget", string.format("%.3f", j.budget.budget_ms), "2592000.000")   -- 43m12s
  eq("used", string.format("%.6f", j.budget.used_percent), string.format("%.6f", 100 * 2500 / 2592000))
  local slow = {}
  for i = 1, 10 do slow[i] = { ok = true, ms = i <= 8 and 100 or 400 } end
  local k = slo.judge(slo.sli(slow, 90), t, t.every_ms)
  eq("p90 over the limit", k.ok, false)
  eq("latency reason", k.reasons[1], "p90 latency 400 ms is over 300 ms")
  local m = slo.judge(slo.sli(slow, 80), t, t.every_ms)   -- p80 is 100 ms, but the SLO is p90
  eq("judged at its own percentile", m.ok, false)
end

cases.check_refuses_bad_slos = function()
  local p = { __probe = true, name = "web" }
  for what, t in pairs {
    ["no objective"] = { probe = p },
    ["availability over 100"] = { probe = p, availability = 101 },
    ["latency without max"] = { probe = p, latency = { p = 95 } },
    ["not a probe"] = { probe = "web", availability = 99 },
    ["every too short"] = { probe = p, availability = 99, every = "10ms" },
    ["unknown field"] = { probe = p, availability = 99, budget = 1 },
  } do
    if pcall(slo.check, t, "slo") then fail("%s was accepted", what) end
  end
end

function M.list()
  local names = {}
  for k in pairs(cases) do names[#names + 1] = k end
  table.sort(names)
  return names
end

function M.run(args)
  local ok, err = pcall(cases[args.name])
  return { ok = ok, msg = not ok and tostring(err) or nil }
end

return M

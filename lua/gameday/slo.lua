-- gameday.slo: service level indicators from probe samples, SLOs judged on
-- them, and the error budget a window used. Percentiles are nearest-rank
-- over the samples themselves; a mean is never given alone.
local util = require("gameday.util")

local M = {}

M.PERCENTILES = { 50, 90, 95, 99 }

-- Nearest-rank percentile p (0-100] of an ascending list; nil when empty.
function M.percentile(sorted, p)
  if #sorted == 0 then return nil end
  local k = math.ceil(p / 100 * #sorted)
  if k < 1 then k = 1 end
  return sorted[k]
end

-- samples: { { ok = bool, ms = n }, ... } -> { samples, good, bad,
-- availability (percent), latency = { p50, p90, p95, p99, max, min, mean } }.
-- Latency is over the good samples: a failure's time says nothing of speed.
function M.sli(samples, extra_p)
  local good, lat = 0, {}
  for _, s in ipairs(samples) do
    if s.ok then
      good = good + 1
      lat[#lat + 1] = s.ms or 0
    end
  end
  table.sort(lat)
  local out = { samples = #samples, good = good, bad = #samples - good,
    availability = #samples > 0 and (100 * good / #samples) or nil, latency = {} }
  local ps = {}
  for _, p in ipairs(M.PERCENTILES) do ps[#ps + 1] = p end
  if extra_p then ps[#ps + 1] = extra_p end
  for _, p in ipairs(ps) do out.latency["p" .. string.format("%g", p):gsub("%.", "_")] = M.percentile(lat, p) end
  if #lat > 0 then
    local sum = 0
    for _, v in ipairs(lat) do sum = sum + v end
    out.latency.min, out.latency.max, out.latency.mean = lat[1], lat[#lat], sum / #lat
  end
  return out
end

local DAY = 86400000

-- Checks an slo table from a scenario: { probe, every, availability,
-- latency = { p, max }, target, period }; returns it with *_ms fields.
function M.check(t, what)
  util.only(t, { "name", "probe", "every", "availability", "latency", "target", "period" }, what)
  if type(t.probe) ~= "table" or not t.probe.__probe then error(what .. ": 'probe' must be a probe (probe.http { ... })", 0) end
  if t.availability == nil and t.latency == nil then error(what .. ": give 'availability', 'latency' or both", 0) end
  local s = util.copy(t)
  s.name = t.name or ("SLO of " .. t.probe.name)
  s.every_ms = util.duration_ms(t.every or "1s", what .. " every")
  if s.every_ms < 100 then error(what .. ": 'every' must be at least 100ms", 0) end
  if t.availability ~= nil and (type(t.availability) ~= "number" or t.availability <= 0 or t.availability > 100) then
    error(what .. ": 'availability' is a percentage above 0 and at most 100, like 99.5", 0)
  end
  if t.latency ~= nil then
    if type(t.latency) ~= "table" then error(what .. ": 'latency' is { p = 95, max = \"300ms\" }", 0) end
    util.only(t.latency, { "p", "max" }, what .. ".latency")
    if type(t.latency.p) ~= "number" or t.latency.p <= 0 or t.latency.p > 100 then
      error(what .. ": 'latency.p' is a percentile above 0 and at most 100, like 95", 0)
    end
    s.latency = { p = t.latency.p, max_ms = util.duration_ms(t.latency.max, what .. " latency.max") }
  end
  s.target = t.target or t.availability or 99.9
  if type(s.target) ~= "number" or s.target <= 0 or s.target >= 100 then
    error(what .. ": 'target' is the SLO's percentage over its period, below 100, like 99.9", 0)
  end
  s.period_ms = util.duration_ms(t.period or "30d", what .. " period")
  s.__slo = true
  return s
end

-- Judges an SLI against an SLO; the budget is the bad time this window
-- spent (bad samples times the sampling interval) over the period's budget
-- ((100 - target) % of the period). -> { ok, reasons = {...}, budget = {...} }
function M.judge(sli, slo, every_ms)
  local reasons, ok = {}, true
  if sli.samples == 0 then return { ok = false, reasons = { "no samples" } } end
  if slo.availability and sli.availability < slo.availability then
    ok = false
    reasons[#reasons + 1] = string.format("availability %.2f%% is below %.2f%%", sli.availability, slo.availability)
  end
  if slo.latency then
    local key = "p" .. string.format("%g", slo.latency.p):gsub("%.", "_")
    local v = sli.latency[key]
    if v == nil then
      ok = false
      reasons[#reasons + 1] = string.format("no good sample to take p%s latency from", slo.latency.p)
    elseif v > slo.latency.max_ms then
      ok = false
      reasons[#reasons + 1] = string.format("p%s latency %s is over %s", slo.latency.p, util.fmt_ms(v),
        util.fmt_ms(slo.latency.max_ms))
    end
  end
  local bad_ms = sli.bad * (every_ms or 0)
  local budget_ms = (100 - slo.target) / 100 * slo.period_ms
  return { ok = ok, reasons = reasons, budget = { target = slo.target, period_ms = slo.period_ms,
    budget_ms = budget_ms, bad_ms = bad_ms, used_percent = budget_ms > 0 and (100 * bad_ms / budget_ms) or nil } }
end

-- One line of SLIs: "20 samples, 95.00% good; latency p50 3 ms, p90 ..., max ..."
function M.line(sli)
  if sli.samples == 0 then return "no samples" end
  local l = sli.latency
  local parts = {}
  for _, p in ipairs(M.PERCENTILES) do
    local v = l["p" .. p]
    if v then parts[#parts + 1] = string.format("p%d %s", p, util.fmt_ms(v)) end
  end
  if l.max then parts[#parts + 1] = "max " .. util.fmt_ms(l.max) end
  return string.format("%d samples, %.2f%% good%s", sli.samples, sli.availability,
    #parts > 0 and ("; latency " .. table.concat(parts, ", ")) or "; no good sample")
end

M.DAY_MS = DAY
return M

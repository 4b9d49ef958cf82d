-- gameday.engine.observe: the steady state checks, and the observe window
-- in which probes are sampled into the timeline while the faults are on.
local core = require("gameday.core")
local util = require("gameday.util")
local probe = require("gameday.probe")
local errors = require("gameday.engine.errors")
local monitoring = require("gameday.monitoring")

local M = {}

-- Raises an aborted error when a signal is pending.
function M.check_abort()
  if core.aborted() then errors.raise("aborted", "aborted by %s", core.aborted()) end
end

-- Sleeps ms; an abort raises.
function M.sleep(ms)
  if not core.sleep(ms) then errors.raise("aborted", "aborted by %s", core.aborted() or "a signal") end
end

-- Evaluates probes as the phase `name`; returns whether all held, and the results.
function M.steady(c, rt, name, probes)
  c.phase = name
  local results, all = {}, true
  for _, p in ipairs(probes) do
    p = monitoring.plain(p)  -- an SLO entry is checked once by its probe here
    local r = probe.eval(p, rt)
    results[#results + 1] = r
    c:event { kind = "probe", name = p.name, ok = r.ok, ms = r.ms, detail = r.detail }
    if not r.ok then all = false end
  end
  c.R.phases[name] = { ok = all, probes = results }
  return all, results
end

-- The scenario's injects (messages) due by now_ms, said once each.
function M.say_due(c, pending, now_ms, say)
  for i = #pending, 1, -1 do
    if pending[i].at_ms <= now_ms then
      c:event { kind = "message", name = pending[i].from or "inject", detail = pending[i].say or "" }
      say("  [%s] %s: %s", util.fmt_ms(pending[i].at_ms), pending[i].from or "inject", pending[i].say or "")
      table.remove(pending, i)
    end
  end
end

-- One sample of probes; the names and details of those that failed. A
-- halt probe that fails raises a halted error.
local function sample(c, rt, probes)
  local bad = {}
  for _, p in ipairs(probes) do
    local r = probe.eval(p, rt)
    c:event { kind = "probe", name = p.name, ok = r.ok, ms = r.ms, detail = r.detail }
    if not r.ok then
      bad[#bad + 1] = p.name .. " (" .. r.detail .. ")"
      c.R.detected_ms = c.R.detected_ms or c:now()
      if p.halt then
        c.halted = "probe '" .. p.name .. "' failed: " .. r.detail
        errors.raise("halted", "halt: %s", c.halted)
      end
    end
  end
  return bad
end

-- The observe window: every `every`, the steady state and observe probes.
function M.observe(c, sc, rt)
  if not sc.observe then return end
  c.phase = "observe"
  local probes = {}
  -- SLO entries are sampled on their own interval by the watcher, and judged over the window
  for _, p in ipairs(sc.steady_state) do if not p.__slo then probes[#probes + 1] = p end end
  for _, p in ipairs(sc.observe.probes) do probes[#probes + 1] = p end
  local w = c.watch
  local start = core.now_ms()
  local pending = {}
  for _, inj in ipairs(sc.injects or {}) do pending[#pending + 1] = inj end
  c:log("observe: %s, a sample every %s", util.fmt_ms(sc.observe.duration_ms), util.fmt_ms(sc.observe.every_ms))
  local next_ms, nbad = 0, 0
  while true do
    local now = core.now_ms() - start
    if now >= next_ms then
      M.say_due(c, pending, now, function(...) c:log(...) end)
      local bad = sample(c, rt, probes)
      nbad = #bad
      c:log("  +%s %s", util.fmt_ms(now), #bad == 0 and "all probes ok" or ("failing: " .. table.concat(bad, ", ")))
      next_ms = now + sc.observe.every_ms
    end
    -- the team's alerts and SLOs; an expected alert not yet fired keeps the window open up to its `within`
    local wwait = w and w:tick("observe", sc.observe.every_ms) or math.huge
    if nbad == 0 and not (w and w:failing()) and c.R.detected_ms and not c.R.recovered_ms then
      c.R.recovered_ms = c:now()
    end
    now = core.now_ms() - start
    if now >= sc.observe.duration_ms and not (w and w:pending()) then break end
    local wait = math.min(next_ms - now, wwait)
    if now < sc.observe.duration_ms then wait = math.min(wait, sc.observe.duration_ms - now) end
    M.sleep(math.max(0, wait))
  end
end

-- Whether any probe failed during the observe window.
function M.held(c)
  for _, e in ipairs(c.R.timeline) do
    if e.phase == "observe" and e.kind == "probe" and not e.ok then return false end
  end
  return true
end

return M

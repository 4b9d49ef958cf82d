-- gameday.engine.live: a live session. Instead of a fixed window, the game
-- master marks detected, mitigated and resolved with keys while the steady
-- state is sampled; the probes must hold again for a resolve to count. Times
-- run from the first inject.
local core = require("gameday.core")
local util = require("gameday.util")
local probe = require("gameday.probe")
local monitoring = require("gameday.monitoring")
local observe = require("gameday.engine.observe")
local preflight = require("gameday.engine.preflight")

local M = {}

local function say(fmt, ...) core.log(string.format(fmt, ...)) end

local function first_inject(c)
  local first
  for _, inst in ipairs(c.injected) do
    if inst.injected_ms and (not first or inst.injected_ms < first) then first = inst.injected_ms end
  end
  return c.t0 + (first or c:now())
end

-- The live state: L (R.live), the clock from the first inject, the
-- pending messages and hints.
local function new(c, sc)
  local args = c.args
  local L = { hints = {}, hint_cost = 0, limit_ms = args.limit_ms or preflight.LIVE_LIMIT_MS }
  c.R.live = L
  c.R.participant, c.R.seed = args.participant, args.seed
  local s = { c = c, sc = sc, L = L, first = first_inject(c), pending = {}, nhint = 1,
    every = sc.observe and sc.observe.every_ms or 2000 }
  for _, inj in ipairs(sc.injects or {}) do s.pending[#s.pending + 1] = inj end
  return s
end

local function since(s) return core.now_ms() - s.first end

local function sample(s, rt)
  local bad = {}
  observe.say_due(s.c, s.pending, since(s), say)
  for _, p in ipairs(s.sc.steady_state) do
    p = monitoring.plain(p)  -- an SLO entry is checked by its probe here
    local r = probe.eval(p, rt)
    s.c:event { kind = "probe", name = p.name, ok = r.ok, ms = r.ms, detail = r.detail }
    if not r.ok then bad[#bad + 1] = p.name .. " (" .. r.detail .. ")" end
  end
  return bad
end

local function mark(s, what)
  local L, R = s.L, s.c.R
  if L[what .. "_ms"] then return end
  L[what .. "_ms"] = since(s)
  R[what .. "_ms"] = s.c:now()
  s.c:event { kind = "mark", name = what, ok = true, detail = "the game master marked " .. what }
  say("live: %s at +%s", what, util.fmt_ms(L[what .. "_ms"]))
end

local function hint(s)
  local L = s.L
  local h = (s.sc.hints or {})[s.nhint]
  if not h then return say("live: no more hints") end
  s.nhint = s.nhint + 1
  local cost = tonumber(h.cost) or 0
  L.hints[#L.hints + 1] = { text = h.text and tostring(h.text) or "", cost = cost, at_ms = since(s) }
  L.hint_cost = L.hint_cost + cost
  s.c:event { kind = "hint", name = "hint " .. #L.hints, ok = true, detail = L.hints[#L.hints].text }
  say("hint %d (costs %g): %s", #L.hints, cost, L.hints[#L.hints].text)
end

-- One key from the game master.
local function key(s, rt, k)
  local L, R = s.L, s.c.R
  if k == "d" then
    mark(s, "detected")
  elseif k == "m" then
    mark(s, "detected"); mark(s, "mitigated")
  elseif k == "r" then
    local bad = sample(s, rt)
    if #bad > 0 then return say("not resolved yet: %s", bad[1]) end
    mark(s, "detected"); mark(s, "mitigated"); mark(s, "resolved")
    R.recovered_ms = R.resolved_ms
    L.outcome = "resolved"
  elseif k == "h" then
    hint(s)
  elseif k == "q" or k == "" then
    L.outcome = "gave-up"
    s.c.aborted = k == "q" and "the game master gave up (q)" or "the game master's input ended: given up"
    say("live: %s", s.c.aborted)
  elseif k ~= nil and not k:match("%s") then
    say("live: unknown key '%s': d detected, m mitigated, r resolved, h hint, q give up", k)
  end
end

function M.run(c, sc, rt)
  c.phase = "observe"
  local s = new(c, sc)
  local L = s.L
  c.R.detected_ms, c.R.recovered_ms = nil, nil  -- the game master's marks, not the probes', count here
  if sc.narrative then say("%s", sc.narrative) end
  say("live: keys: d detected, m mitigated, r resolved, h hint, q give up; ends unresolved after %s",
    util.fmt_ms(L.limit_ms))
  local next_at = core.now_ms()
  while not L.outcome do
    if core.now_ms() >= next_at then
      local bad = sample(s, rt)
      say("  +%s %s", util.fmt_ms(since(s)), #bad == 0 and "all probes ok" or ("failing: " .. table.concat(bad, ", ")))
      next_at = core.now_ms() + s.every
    end
    if since(s) >= L.limit_ms then
      L.outcome = "unresolved"
      say("live: the limit of %s is up, unresolved", util.fmt_ms(L.limit_ms))
      break
    end
    local k = core.key(math.max(0, math.min(next_at - core.now_ms(), L.limit_ms - since(s))))
    observe.check_abort()
    key(s, rt, k)
  end
end

return M

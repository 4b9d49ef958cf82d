-- gameday.monitoring: the team's own monitoring in a game day. Alert probes
-- are timed against the first injection (did it fire, how fast: the time to
-- detect by monitoring) and the revert (did it clear); SLO steady states are
-- sampled on their own interval over the observe window and judged, with
-- the error budget the game day used. All times are on the run's clock.
local core = require("gameday.core")
local util = require("gameday.util")
local probe = require("gameday.probe")
local slo = require("gameday.slo")
local net = require("gameday.net")
local json = require("gameday.json")

local M = {}

-- The probe to check once (before, after, again) for a steady-state entry.
function M.plain(p)
  return p.__slo and p.probe or p
end

local W = {}
W.__index = W

-- sc: the scenario (sc.alerts, SLO entries in sc.steady_state); rt as the
-- engine's; c the run's context (its clock, timeline and result).
function M.watcher(sc, rt, c)
  local w = setmetatable({ rt = rt, c = c, alerts = {}, slos = {} }, W)
  w.event = function(e) c:event(e) end
  for _, p in ipairs(sc.alerts or {}) do
    w.alerts[#w.alerts + 1] = { p = p, name = p.name, alert = p.alert, labels = p.labels, expect = p.expect,
      within_ms = p.within_ms or (sc.observe and sc.observe.duration_ms) or 60000,
      clears_within_ms = p.clears_within_ms, fired = false, errors = 0, samples = 0, next_ms = 0 }
  end
  for _, s in ipairs(sc.steady_state or {}) do
    if s.__slo then w.slos[#w.slos + 1] = { s = s, samples = {}, next_ms = 0 } end
  end
  return w
end

function W:active() return #self.alerts > 0 or #self.slos > 0 end

local function now(self) return self.c:now() end

-- Before the injection: an expected alert that already fires would fake a
-- detection, so the steady state does not hold. -> ok, why
function W:before()
  if self.skipped then return true end
  for _, a in ipairs(self.alerts) do
    local r = probe.eval(a.p, self.rt)
    self.event { kind = "alert", name = a.name, ok = r.outcome == "inactive", ms = r.ms, detail = r.detail }
    if r.outcome == "error" and r.detail:match("^no URL for") then
      -- no monitoring to ask (a lab without --monitoring): said, not hidden
      self.skipped = "alerts not checked: " .. r.detail
      self.alerts = {}
      return true
    elseif r.outcome == "firing" then
      return false, a.alert .. " is already firing before the injection"
    elseif r.outcome ~= "inactive" then
      return false, "alert probe '" .. a.name .. "': " .. r.detail
    end
    a.source = r.source
    if r.source == "prometheus" and not self.rules then self.rules = M.rule_names(a.p, self.rt) end
  end
  return true
end

-- The alerting rules Prometheus evaluates (/api/v1/rules), for the coverage
-- page's "never proven"; nil when it cannot say.
function M.rule_names(p, rt)
  local ok, url = pcall(probe.url_of, p, rt)
  if not ok then return nil end
  local r = net.http { url = url .. "/api/v1/rules?type=alert", timeout_ms = p.timeout_ms, max_body = 16 << 20 }
  local body = r.ok and r.status == 200 and json.decode(r.body)
  if type(body) ~= "table" or type(body.data) ~= "table" then return nil end
  local names, seen = {}, {}
  for _, g in ipairs(body.data.groups or {}) do
    for _, rule in ipairs(g.rules or {}) do
      if rule.type == "alerting" and type(rule.name) == "string" and not seen[rule.name] then
        seen[rule.name] = true
        names[#names + 1] = rule.name
      end
    end
  end
  table.sort(names)
  return names
end

function W:injected(ms) self.first_inj = self.first_inj or ms end
function W:reverted(ms) self.revert_ms = self.revert_ms or ms end

-- Samples whatever is due; returns the ms until something is due next.
function W:tick(phase, every_ms)
  local t = now(self)
  for _, s in ipairs(self.slos) do
    if t >= s.next_ms and phase == "observe" then
      local r = probe.eval(s.s.probe, self.rt)
      s.samples[#s.samples + 1] = { ok = r.ok, ms = r.ms }
      s.failing = not r.ok
      if not r.ok then
        self.event { kind = "slo", name = s.s.name, ok = false, ms = r.ms, detail = r.detail }
        self.c.R.detected_ms = self.c.R.detected_ms or now(self)  -- the synthetic user saw it
      end
      s.next_ms = t + s.s.every_ms
    end
  end
  for _, a in ipairs(self.alerts) do
    if t >= a.next_ms and self:wants(a) then
      local r = probe.eval(a.p, self.rt)
      local tt = now(self)
      a.samples = a.samples + 1
      a.source = r.source or a.source
      if r.outcome == "firing" then
        if not a.fired then
          a.fired, a.fired_ms = true, tt
          self.event { kind = "alert", name = a.name, ok = a.expect == "firing", ms = r.ms, detail = r.detail }
        end
        a.cleared_ms = nil
      elseif r.outcome == "inactive" then
        if a.fired and self.revert_ms and not a.cleared_ms then
          a.cleared_ms = tt
          self.event { kind = "alert", name = a.name, ok = true, ms = r.ms, detail = a.alert .. " cleared" }
        end
      else
        a.errors, a.last_error = a.errors + 1, r.detail
        self.event { kind = "alert", name = a.name, ok = false, ms = r.ms, detail = r.detail }
      end
      a.next_ms = tt + math.min(every_ms or 500, 500)
    end
  end
  local wait = math.huge
  for _, s in ipairs(self.slos) do if phase == "observe" then wait = math.min(wait, s.next_ms - now(self)) end end
  for _, a in ipairs(self.alerts) do if self:wants(a) then wait = math.min(wait, a.next_ms - now(self)) end end
  return wait
end

-- Whether an alert still needs sampling: before the revert, until it fired
-- (or, when expected inactive, throughout); after it, until it cleared.
function W:wants(a)
  if not self.first_inj then return false end
  local t = now(self)
  if not self.revert_ms then
    if a.expect == "inactive" then return true end
    return not a.fired and t - self.first_inj <= a.within_ms + 1000
  end
  return a.fired and a.expect == "firing" and a.clears_within_ms ~= nil and not a.cleared_ms and
    t - self.revert_ms <= a.clears_within_ms + 1000
end

-- Whether an SLO's last sample failed.
function W:failing()
  for _, s in ipairs(self.slos) do if s.failing then return true end end
  return false
end

-- Whether observe should go on past its duration: an expected alert has
-- not fired yet and its `within` has not passed.
function W:pending()
  for _, a in ipairs(self.alerts) do
    if a.expect == "firing" and not a.fired and self.first_inj and now(self) - self.first_inj <= a.within_ms then
      return true
    end
  end
  return false
end

-- After the revert: whether a fired alert is still to clear within its time.
function W:clearing()
  for _, a in ipairs(self.alerts) do if self:wants(a) then return true end end
  return false
end

-- Waits (sampling) while fn() says so, at most limit_ms. Returns false when aborted.
function W:wait_while(fn, phase, limit_ms)
  local deadline = core.now_ms() + limit_ms
  while fn(self) and core.now_ms() < deadline do
    local wait = self:tick(phase, 1000)
    if not core.sleep(math.max(0, math.min(wait, 250, deadline - core.now_ms()))) then return false end
  end
  return true
end

-- The results: R.alerts, R.slos, R.monitoring, and findings.
function W:finish(R)
  if self.skipped then R.monitoring = { skipped = self.skipped } end
  if not self:active() then return end
  local ttd
  R.alerts = {}
  for _, a in ipairs(self.alerts) do
    local rec = { name = a.name, alert = a.alert, labels = a.labels, expect = a.expect, source = a.source,
      within_ms = a.within_ms, clears_within_ms = a.clears_within_ms, fired = a.fired, samples = a.samples,
      errors = a.errors, last_error = a.last_error }
    if a.fired and self.first_inj then
      rec.fired_ms, rec.ttd_ms = a.fired_ms, math.max(0, a.fired_ms - self.first_inj)
    end
    if a.cleared_ms and self.revert_ms then
      rec.cleared_ms, rec.clear_ms = a.cleared_ms, math.max(0, a.cleared_ms - self.revert_ms)
    end
    if a.expect == "firing" then
      rec.ok = a.fired and rec.ttd_ms <= a.within_ms
      if rec.ok and a.clears_within_ms then rec.ok = rec.clear_ms ~= nil and rec.clear_ms <= a.clears_within_ms end
      if not a.fired and self.first_inj then
        R.findings[#R.findings + 1] = { kind = "monitoring-failure", alert = a.alert,
          text = string.format("%s did not fire within %s of the injection%s: the fault went unnoticed by monitoring",
            a.alert, util.fmt_ms(a.within_ms), a.errors > 0 and (" (" .. a.last_error .. ")") or "") }
      elseif a.fired and rec.ttd_ms > a.within_ms then
        R.findings[#R.findings + 1] = { kind = "monitoring-failure", alert = a.alert,
          text = string.format("%s fired %s after the injection, later than its %s", a.alert, util.fmt_ms(rec.ttd_ms),
            util.fmt_ms(a.within_ms)) }
      elseif a.fired and a.clears_within_ms and not rec.clear_ms then
        R.findings[#R.findings + 1] = { kind = "alert-not-cleared", alert = a.alert,
          text = string.format("%s still fired %s after the revert", a.alert, util.fmt_ms(a.clears_within_ms)) }
      end
      if rec.ttd_ms and (not ttd or rec.ttd_ms < ttd) then ttd = rec.ttd_ms end
    else
      rec.ok = not a.fired
      if a.fired then
        R.findings[#R.findings + 1] = { kind = "unexpected-alert", alert = a.alert,
          text = a.alert .. " fired, though the scenario expects it to stay quiet" }
      end
    end
    R.alerts[#R.alerts + 1] = rec
  end
  R.slos = {}
  for _, s in ipairs(self.slos) do
    local sli = slo.sli(s.samples, s.s.latency and s.s.latency.p)
    local j = slo.judge(sli, s.s, s.s.every_ms)
    R.slos[#R.slos + 1] = { name = s.s.name, probe = s.s.probe.name, every_ms = s.s.every_ms,
      availability = s.s.availability, latency = s.s.latency, target = s.s.target, period_ms = s.s.period_ms,
      sli = sli, ok = j.ok, reasons = j.reasons, budget = j.budget }
  end
  R.monitoring = { ttd_ms = ttd, rules = self.rules, skipped = self.skipped }
  if ttd and R.detected_ms and self.first_inj then
    R.monitoring.probes_ttd_ms = math.max(0, R.detected_ms - self.first_inj)
    R.monitoring.difference_ms = ttd - R.monitoring.probes_ttd_ms
  end
end

-- Whether the SLOs held (the verdict's part of them); reasons when not.
function M.slos_ok(R)
  local ok, why = true, {}
  for _, s in ipairs(R.slos or {}) do
    if not s.ok then
      ok = false
      why[#why + 1] = s.name .. ": " .. table.concat(s.reasons, "; ")
    end
  end
  return ok, table.concat(why, "; ")
end

-- Report lines for the text report.
function M.lines(R)
  local out = {}
  local m = R.monitoring
  if m and m.skipped then out[#out + 1] = m.skipped end
  if m and m.ttd_ms then
    out[#out + 1] = string.format("time to detect by monitoring %s, by gameday's probes %s%s", util.fmt_ms(m.ttd_ms),
      m.probes_ttd_ms and util.fmt_ms(m.probes_ttd_ms) or "-",
      m.difference_ms and string.format(" (monitoring %s %s)", m.difference_ms >= 0 and "later by" or "earlier by",
        util.fmt_ms(math.abs(m.difference_ms))) or "")
  end
  for _, a in ipairs(R.alerts or {}) do
    out[#out + 1] = string.format("  alert %-20s expect %-8s %s%s%s", a.alert, a.expect,
      a.fired and ("fired after " .. (a.ttd_ms and util.fmt_ms(a.ttd_ms) or "?")) or "did not fire",
      a.clear_ms and (", cleared " .. util.fmt_ms(a.clear_ms) .. " after the revert") or "",
      a.ok and "" or "  FAIL")
  end
  for _, s in ipairs(R.slos or {}) do
    local b = s.budget or {}
    out[#out + 1] = string.format("  SLO %s: %s; %s%s", s.name, slo.line(s.sli), s.ok and "met" or
      ("broken: " .. table.concat(s.reasons, "; ")),
      b.used_percent and string.format("; used %.3g%% of the error budget (%.4g%% over %s)", b.used_percent, b.target,
        util.fmt_ms(b.period_ms)) or "")
  end
  return out
end

return M

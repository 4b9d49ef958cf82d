-- gameday.probe: what a healthy service looks like, checked from outside.
--   probe.http { name, url, status = 200, body = "regex", max_ms = 300, timeout = "5s", halt = false }
--   probe.exec { name, on = "target", cmd, exit = 0, match = "regex", min = n, max = n, timeout = "10s", halt = false }
--   probe.tcp  { name, on = "target" | host = "addr", port, timeout = "3s", halt = false }
--   probe.prometheus { name, url = "${prometheus}", query = "PromQL", min = n, max = n,
--                      for_each = "label", empty = "fail" | "ok", timeout = "5s", halt = false }
--   probe.alert { name, url = "${prometheus}", alert = "Name", labels = { k = "v" },
--                 expect = "firing" | "inactive", within = "2m", clears_within = "5m",
--                 source = "prometheus" | "alertmanager", timeout = "5s" }
-- A probe that fails while `halt = true` stops the run and reverts (exit 4).
-- `${target}` in a url, host or cmd is the address of the target's first host;
-- `${prometheus}` and `${alertmanager}` are the inventory's gameday_prometheus_url
-- and gameday_alertmanager_url (`gameday lab up --monitoring` sets both).
local util = require("gameday.util")
local net = require("gameday.net")
local ssh = require("gameday.ssh")
local core = require("gameday.core")

local M = {}

local COMMON = { "name", "timeout", "halt" }

local function base(kind, t, fields, what)
  if type(t) ~= "table" then error(what .. ": takes a table: probe." .. kind .. " { ... }", 0) end
  local allowed = {}
  for _, f in ipairs(COMMON) do allowed[#allowed + 1] = f end
  for _, f in ipairs(fields) do allowed[#allowed + 1] = f end
  util.only(t, allowed, what)
  util.check(t, "name", "string", true, what)
  local p = util.copy(t)
  p.kind = kind
  p.timeout_ms = util.duration_ms(t.timeout or (kind == "exec" and "10s" or "5s"), what .. " timeout")
  p.halt = t.halt and true or false
  p.__probe = true
  return p
end

function M.http(t)
  local what = "probe.http"
  local p = base("http", t, { "url", "status", "body", "max_ms", "method" }, what)
  util.check(t, "url", "string", true, what)
  util.check(t, "status", "number", false, what)
  util.check(t, "body", "string", false, what)
  util.check(t, "max_ms", "number", false, what)
  if t.body then net.match(t.body, "") end  -- a bad regex fails here, not mid-run
  p.status = t.status or 200
  return p
end

function M.exec(t)
  local what = "probe.exec"
  local p = base("exec", t, { "on", "cmd", "exit", "match", "min", "max" }, what)
  util.check(t, "on", "string", true, what)
  util.check(t, "cmd", "string", true, what)
  util.check(t, "match", "string", false, what)
  util.check(t, "min", "number", false, what)
  util.check(t, "max", "number", false, what)
  if t.match then net.match(t.match, "") end
  if t.exit == nil and t.match == nil and t.min == nil and t.max == nil then p.exit = 0 end
  return p
end

function M.tcp(t)
  local what = "probe.tcp"
  local p = base("tcp", t, { "on", "host", "port" }, what)
  util.check(t, "port", "number", true, what)
  if not t.on and not t.host then error(what .. ": give 'on' (a target) or 'host'", 0) end
  return p
end

local SERVER_VARS = { prometheus = "gameday_prometheus_url", alertmanager = "gameday_alertmanager_url" }

-- The first value of an inventory variable among all hosts, or nil.
local function inventory_var(var, rt)
  local ok, hosts = pcall(rt.hosts, "all")
  for _, h in ipairs(ok and hosts or {}) do
    local v = (ssh.host(h).vars or {})[var]
    if v and v ~= "" then return v end
  end
end

-- Replaces ${target} with the address of the target's first host, and
-- ${prometheus} / ${alertmanager} with the server's URL from the inventory.
local function expand(s, rt)
  return (s:gsub("%${([%w_]+)}", function(name)
    local var = SERVER_VARS[name]
    local v = var and inventory_var(var, rt)
    if v then return (v:gsub("/+$", "")) end
    local okh, hosts = pcall(rt.hosts, name)
    if var and not (okh and hosts and #hosts > 0) then
      error("no URL for ${" .. name .. "}: set " .. var .. " in the inventory (gameday lab up --monitoring does)", 0)
    end
    local hosts = rt.hosts(name)
    if not hosts or #hosts == 0 then error("no host for ${" .. name .. "}", 0) end
    return ssh.host(hosts[1]).addr
  end))
end

function M.prometheus(t)
  local what = "probe.prometheus"
  local p = base("prometheus", t, { "url", "query", "min", "max", "for_each", "empty" }, what)
  util.check(t, "url", "string", false, what)
  util.check(t, "query", "string", true, what)
  util.check(t, "min", "number", false, what)
  util.check(t, "max", "number", false, what)
  util.check(t, "for_each", "string", false, what)
  util.check(t, "empty", "string", false, what)
  if t.empty and t.empty ~= "fail" and t.empty ~= "ok" then
    error(what .. ": 'empty' must be \"fail\" or \"ok\", not '" .. t.empty .. "'", 0)
  end
  if t.min and t.max and t.min > t.max then error(what .. ": 'min' is above 'max'", 0) end
  p.url = t.url or "${prometheus}"
  p.empty = t.empty or "fail"
  return p
end

function M.alert(t)
  local what = "probe.alert"
  if type(t) == "table" and t.name == nil and type(t.alert) == "string" then
    t = util.copy(t)
    t.name = "alert " .. t.alert
  end
  local p = base("alert", t, { "url", "alert", "labels", "expect", "within", "clears_within", "source" }, what)
  util.check(t, "url", "string", false, what)
  util.check(t, "alert", "string", true, what)
  util.check(t, "labels", "table", false, what)
  util.check(t, "expect", "string", false, what)
  util.check(t, "source", "string", false, what)
  p.expect = t.expect or "firing"
  if p.expect ~= "firing" and p.expect ~= "inactive" then
    error(what .. ": 'expect' must be \"firing\" or \"inactive\", not '" .. tostring(t.expect) .. "'", 0)
  end
  if t.source and t.source ~= "prometheus" and t.source ~= "alertmanager" then
    error(what .. ": 'source' must be \"prometheus\" or \"alertmanager\"", 0)
  end
  p.labels = {}
  for k, v in pairs(t.labels or {}) do
    if type(k) ~= "string" or type(v) ~= "string" then
      error(what .. ": 'labels' maps label names to strings, like { host = \"lab1\" }", 0)
    end
    p.labels[k] = v
  end
  if t.within then p.within_ms = util.duration_ms(t.within, what .. " within") end
  if t.clears_within then p.clears_within_ms = util.duration_ms(t.clears_within, what .. " clears_within") end
  p.url = t.url or "${prometheus}"
  return p
end

-- The hosts a probe (or fault) names with `on`: a target, else a pattern.
function M.hosts_of(on, rt)
  return rt.hosts(on)
end

local function eval_http(p, rt)
  local url = expand(p.url, rt)
  local r = net.http { url = url, method = p.method, timeout_ms = p.timeout_ms }
  if not r.ok then return false, r.ms, r.error end
  if r.status ~= p.status then
    return false, r.ms, string.format("status %d, want %d", r.status, p.status)
  end
  if p.body and not net.match(p.body, r.body) then
    return false, r.ms, string.format("body does not match /%s/", p.body)
  end
  if p.max_ms and r.ms > p.max_ms then
    return false, r.ms, string.format("%d ms, over %d ms", r.ms, p.max_ms)
  end
  return true, r.ms, string.format("status %d", r.status)
end

local function eval_tcp(p, rt)
  local host = p.host and expand(p.host, rt) or ssh.host(rt.hosts(p.on)[1]).addr
  local r = net.tcp { host = host, port = p.port, timeout_ms = p.timeout_ms }
  return r.ok, r.ms, r.ok and ("connected to " .. host .. ":" .. p.port) or r.error
end

-- judges one host's exec result
local function exec_ok(p, r)
  if r.status ~= "ok" then return false, r.error end
  if p.exit ~= nil and r.exit ~= p.exit then
    return false, string.format("exit %s, want %d%s", tostring(r.exit or r.signal), p.exit,
      r.stderr ~= "" and (": " .. r.stderr:gsub("%s+$", "")) or "")
  end
  if p.match and not net.match(p.match, r.stdout) then
    return false, string.format("output does not match /%s/", p.match)
  end
  if p.min or p.max then
    local n = tonumber(r.stdout:match("^%s*(%-?%d+%.?%d*)"))
    if not n then return false, "output is not a number: " .. r.stdout:sub(1, 60) end
    if p.min and n < p.min then return false, string.format("%s < min %s", n, p.min) end
    if p.max and n > p.max then return false, string.format("%s > max %s", n, p.max) end
  end
  return true, (r.stdout:gsub("%s+$", "")):sub(1, 80)
end

local function eval_exec(p, rt)
  local hosts = rt.hosts(p.on)
  local jobs = {}
  local cmd = expand(p.cmd, rt)
  for i, h in ipairs(hosts) do jobs[i] = { host = h, cmd = cmd } end
  local res = ssh.exec(jobs, { timeout_ms = p.timeout_ms })
  local ok, worst, details = true, 0, {}
  for _, r in ipairs(res) do
    local good, why = exec_ok(p, r)
    if r.ms > worst then worst = r.ms end
    if not good then ok = false end
    details[#details + 1] = (#res > 1 and (r.host .. ": ") or "") .. (why or "")
  end
  return ok, worst, table.concat(details, "; ")
end

-- {a="b", c="d"} in PromQL's order (by name), without __name__.
local function fmt_labels(labels)
  local keys = {}
  for k in pairs(labels or {}) do if k ~= "__name__" then keys[#keys + 1] = k end end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do out[#out + 1] = string.format('%s="%s"', k, labels[k]) end
  return "{" .. table.concat(out, ", ") .. "}"
end
M.fmt_labels = fmt_labels

-- An outcome that is not an answer: its own word first, so a dead server
-- never reads as a quiet one.
local function api_failure(r)
  if r.outcome == "unreachable" then return "unreachable: " .. (r.error or "") end
  if r.outcome == "query-error" then return "query error: " .. (r.error or "") end
  return "bad reply: " .. (r.error or "")
end

local function eval_prometheus(p, rt)
  local r = net.prom_query { url = expand(p.url, rt), query = p.query, timeout_ms = p.timeout_ms }
  if r.outcome ~= "ok" and r.outcome ~= "empty" then
    return false, r.ms, api_failure(r), { outcome = r.outcome }
  end
  if r.outcome == "empty" then
    return p.empty == "ok", r.ms, "empty result: no series for " .. p.query, { outcome = "empty", series = {} }
  end
  local all, parts, series = true, {}, {}
  for _, s in ipairs(r.series) do
    local v = s.value
    if v == nil then  -- not finite: JSON carries it as text
      v = (s.text:match("^%+?Inf$") and math.huge) or (s.text == "-Inf" and -math.huge) or (0 / 0)
    end
    local good, why = true, nil
    if v ~= v then good, why = false, "NaN"
    elseif p.min and v < p.min then good, why = false, string.format("< min %s", p.min)
    elseif p.max and v > p.max then good, why = false, string.format("> max %s", p.max) end
    local label = p.for_each and (s.labels[p.for_each] or (p.for_each .. " unset")) or fmt_labels(s.labels)
    series[#series + 1] = { labels = s.labels, value = v, ok = good }
    parts[#parts + 1] = string.format("%s %.4g%s", label, v, why and (" " .. why) or "")
    if not good then all = false end
  end
  return all, r.ms, table.concat(parts, "; "), { outcome = all and "ok" or "fail", series = series }
end

-- What each alerts URL is (asked once per run): prometheus or alertmanager.
local sources = {}

local function clock(ms)
  if not ms or ms < 0 then return "?" end
  return core.date("%H:%M:%S", ms // 1000)
end

local function eval_alert(p, rt)
  local url = expand(p.url, rt)
  local r = net.prom_alerts { url = url, source = p.source or sources[url], timeout_ms = p.timeout_ms }
  if r.outcome ~= "ok" and r.outcome ~= "empty" then
    return false, r.ms, api_failure(r), { outcome = r.outcome }
  end
  sources[url] = r.source
  local matching, firing = {}, nil
  for _, a in ipairs(r.alerts) do
    local match = a.labels.alertname == p.alert
    for k, v in pairs(p.labels) do if a.labels[k] ~= v then match = false end end
    if match then
      matching[#matching + 1] = { labels = a.labels, state = a.state, active_at_ms = a.active_at_ms }
      if a.state == "firing" and not firing then firing = a end
    end
  end
  local what = p.alert .. (next(p.labels) and (" " .. fmt_labels(p.labels)) or "")
  local detail
  if firing then
    detail = string.format("%s firing in %s %s (active since %s)", p.alert, r.source, fmt_labels(firing.labels),
      clock(firing.active_at_ms))
  elseif #matching > 0 then
    detail = string.format("%s %s in %s, not firing", what, matching[1].state, r.source)
  else
    detail = string.format("%s not firing in %s", what, r.source)
  end
  local ok = (firing ~= nil) == (p.expect == "firing")
  return ok, r.ms, detail, { outcome = firing and "firing" or "inactive", alerts = matching, source = r.source }
end

local EVAL = { http = eval_http, exec = eval_exec, tcp = eval_tcp, prometheus = eval_prometheus,
  alert = eval_alert }

-- eval(p, rt) -> { name, ok, ms, detail [, outcome, series, alerts, source] };
-- rt.hosts(target_or_pattern) -> names
function M.eval(p, rt)
  local ok, a, b, c, extra = pcall(EVAL[p.kind], p, rt)
  if not ok then
    if core.aborted() then error(a, 0) end  -- a stop that is due goes on up
    return { name = p.name, ok = false, ms = 0, detail = tostring(a), outcome = "error" }
  end
  local r = { name = p.name, ok = a, ms = b or 0, detail = c or "" }
  for k, v in pairs(extra or {}) do r[k] = v end
  return r
end

-- A prometheus or alert probe's server URL, expanded.
function M.url_of(p, rt)
  return expand(p.url, rt)
end

-- The commands a probe runs on hosts, for --dry-run.
function M.describe(p, rt)
  if p.kind == "exec" then return "exec on " .. p.on .. ": " .. expand(p.cmd, rt) end
  if p.kind == "http" then return "http " .. (p.method or "GET") .. " " .. expand(p.url, rt) end
  if p.kind == "prometheus" then return "promql " .. expand(p.url, rt) .. "/api/v1/query: " .. p.query end
  if p.kind == "alert" then return "alerts " .. expand(p.url, rt) .. ": " .. p.alert .. " " .. p.expect end
  return "tcp connect " .. (p.host and expand(p.host, rt) or p.on) .. ":" .. p.port
end

return M

-- gameday.probe: what a healthy service looks like, checked from outside.
--   probe.http { name, url, status = 200, body = "regex", max_ms = 300, timeout = "5s", halt = false }
--   probe.exec { name, on = "target", cmd, exit = 0, match = "regex", min = n, max = n, timeout = "10s", halt = false }
--   probe.tcp  { name, on = "target" | host = "addr", port, timeout = "3s", halt = false }
-- A probe that fails while `halt = true` stops the run and reverts (exit 4).
-- `${target}` in a url, host or cmd is the address of the target's first host.
local util = require("gameday.util")
local net = require("gameday.net")
local ssh = require("gameday.ssh")

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

-- Replaces ${target} with the address of the target's first host.
local function expand(s, rt)
  return (s:gsub("%${([%w_]+)}", function(name)
    local hosts = rt.hosts(name)
    if not hosts or #hosts == 0 then error("no host for ${" .. name .. "}", 0) end
    return ssh.host(hosts[1]).addr
  end))
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

local EVAL = { http = eval_http, exec = eval_exec, tcp = eval_tcp }

-- eval(p, rt) -> { name, ok, ms, detail }; rt.hosts(target_or_pattern) -> names
function M.eval(p, rt)
  local ok, a, b, c = pcall(EVAL[p.kind], p, rt)
  if not ok then
    if tostring(a):match("aborted by") then error(a, 0) end
    return { name = p.name, ok = false, ms = 0, detail = tostring(a) }
  end
  return { name = p.name, ok = a, ms = b or 0, detail = c or "" }
end

-- The commands a probe runs on hosts, for --dry-run.
function M.describe(p, rt)
  if p.kind == "exec" then return "exec on " .. p.on .. ": " .. expand(p.cmd, rt) end
  if p.kind == "http" then return "http " .. (p.method or "GET") .. " " .. expand(p.url, rt) end
  return "tcp connect " .. (p.host and expand(p.host, rt) or p.on) .. ":" .. p.port
end

return M

-- gameday: what scenario files see. gameday.scenario { ... } validates a
-- game day; probe.* and fault.* build its parts. Scenario files run in a
-- sandbox of their own (sandbox_env) where an unknown global is an error.
local core = require("gameday.core")
local util = require("gameday.util")
local probe = require("gameday.probe")
local slo = require("gameday.slo")
local fault = require("gameday.fault")
local drill = require("gameday.drill")

local M = { version = core.version }

local FIELDS = { "id", "title", "tags", "topics", "runbook", "alert", "alerts", "narrative", "targets", "steady_state",
  "faults", "observe", "expect", "recovery", "injects", "hints", "questions", "run", "timeout" }
local EXPECT = { recover = true, degrade = true, hold = true }

local function list_of(t, field, pred, what)
  local v = t[field]
  if v == nil then return {} end
  if type(v) ~= "table" then error(string.format("scenario: '%s' must be a list", field), 0) end
  for i, x in ipairs(v) do
    if not pred(x) then error(string.format("scenario: %s[%d] must be %s", field, i, what), 0) end
  end
  return v
end

local function is_string(x) return type(x) == "string" end
-- made by probe.* or fault.*, not a table that says it is one
local function is_probe(x) return util.frozen(x) and x.__probe end
local function is_slo(x) return util.frozen(x) and x.__slo end
local function is_fault(x) return util.frozen(x) and x.__fault end

local function validate(t)
  if type(t) ~= "table" then error("gameday.scenario takes a table: gameday.scenario { id = ..., ... }", 0) end
  -- read without its metamethods, into tables the scenario cannot reach: what
  -- is checked here is what the engine runs, and no scenario code runs when
  -- the engine reads it
  t = util.rawcopy(t, "scenario")
  util.only(t, FIELDS, "scenario")
  util.check(t, "id", "string", true, "scenario")
  if not t.id:match("^[%w][%w%-_%.]*$") then
    error("scenario: 'id' may hold letters, digits, '-', '_' and '.', like \"db-latency\"", 0)
  end
  util.check(t, "title", "string", true, "scenario")
  list_of(t, "tags", is_string, "a string")
  list_of(t, "topics", is_string, "a string")
  util.check(t, "runbook", "string", false, "scenario")
  util.check(t, "narrative", "string", false, "scenario")
  util.check(t, "run", "function", false, "scenario")
  t.targets = t.targets or {}
  if type(t.targets) ~= "table" then error("scenario: 'targets' must be a table of name = \"host pattern\"", 0) end
  for k, v in pairs(t.targets) do
    if type(k) ~= "string" or type(v) ~= "string" then
      error("scenario: 'targets' must map names to host patterns, like { db = \"db[0]\" }", 0)
    end
  end
  t.steady_state = list_of(t, "steady_state", function(x) return is_probe(x) or is_slo(x) end,
    "a probe (probe.http, probe.exec, probe.tcp, probe.prometheus, probe.alert) or an slo { ... }")
  -- the team's alerts, timed against the injection and the revert
  t.alerts = list_of(t, "alerts", function(x) return is_probe(x) and x.kind == "alert" end, "a probe.alert { ... }")
  t.faults = list_of(t, "faults", is_fault, "a fault (fault.disk_fill, fault.net_delay, ...)")
  t.expect = t.expect or "recover"
  if not EXPECT[t.expect] then error("scenario: 'expect' must be recover, degrade or hold", 0) end
  if t.observe ~= nil then
    if type(t.observe) ~= "table" then error("scenario: 'observe' must be { duration = \"2m\", every = \"5s\" }", 0) end
    util.only(t.observe, { "duration", "every", "probes" }, "scenario.observe")
    t.observe.duration_ms = util.duration_ms(t.observe.duration or "30s", "observe.duration")
    t.observe.every_ms = util.duration_ms(t.observe.every or "5s", "observe.every")
    if t.observe.every_ms < 100 then error("scenario: observe.every must be at least 100ms", 0) end
    t.observe.probes = list_of(t.observe, "probes", is_probe, "a probe")
  end
  t.recovery_ms = util.duration_ms(t.recovery or "30s", "recovery")
  t.timeout_ms = t.timeout and util.duration_ms(t.timeout, "timeout") or nil
  for i, inj in ipairs(list_of(t, "injects", function(x) return type(x) == "table" end, "a table { at =, from =, say = }")) do
    inj.at_ms = util.duration_ms(inj.at or "0s", "injects[" .. i .. "].at")
  end
  for i, h in ipairs(list_of(t, "hints", function(x) return type(x) == "table" end, "a table { after =, cost =, text = }")) do
    h.after_ms = util.duration_ms(h.after or "0s", "hints[" .. i .. "].after")
  end
  if #t.faults == 0 and not t.run then error("scenario: give 'faults' (or a 'run' function)", 0) end
  t.__scenario = true
  return t
end

-- Errors point at the line of the scenario file that called.
local function at_caller(f)
  return function(t)
    local ok, r = pcall(f, t)
    if not ok then error(r, 2) end
    return r
  end
end

M.scenario = at_caller(validate)

-- A constructor as scenarios see it: it reads a copy of its table made
-- without the table's metamethods, and what it returns is read-only.
local function made(what, build)
  return at_caller(function(t)
    if type(t) == "table" then t = util.rawcopy(t, what) end
    return util.freeze(build(t), what)
  end)
end

local function constructors(mod, prefix, names)
  local out = {}
  for _, n in ipairs(names) do out[n] = made(prefix .. n, mod[n]) end
  return out
end

local LOAD_MS = 5000  -- for a file to build what it returns

-- Loads a scenario or drill plan file in its sandbox, within a deadline;
-- returns what it built (a gameday.<kind> { ... }) or nil, message.
function M.load(file, kind)
  local fn, err = core.loadfile(file, M.sandbox_env())
  if not fn then return nil, err end
  local ok, v = core.within(LOAD_MS, file, fn)
  if not ok then
    -- `return gameday.scenario {...}` is a tail call, which leaves no line to point at
    if not v:find(file, 1, true) then v = file .. ": " .. v end
    return nil, v
  end
  if type(v) ~= "table" or not v["__" .. kind] then
    return nil, file .. ": must return gameday." .. kind .. " { ... }"
  end
  return v
end

function M.sandbox_env()
  local env = {}
  for _, k in ipairs { "assert", "error", "ipairs", "next", "pairs", "select", "tonumber",
    "tostring", "type", "rawequal", "rawlen" } do
    env[k] = _G[k]
  end
  -- pcall and xpcall that do not catch a stop (deadline, abort, memory cap),
  -- setmetatable without __gc (finalizers run where no deadline reaches)
  for k, f in pairs(core.sandbox()) do env[k] = f end
  env.print = function(...)
    local parts = {}
    for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
    core.log(table.concat(parts, "\t"))
  end
  for _, lib in ipairs { "string", "table", "math", "utf8" } do env[lib] = util.copy(_G[lib]) end
  env._VERSION = _VERSION
  env.gameday = { scenario = M.scenario, drill = drill.drill, version = M.version }
  env.probe = constructors(probe, "probe.", { "http", "exec", "tcp", "prometheus", "alert" })
  env.slo = made("slo", function(t) return slo.check(t, "slo") end)
  local kinds = {}
  for k in pairs(fault.kinds) do kinds[#kinds + 1] = k end
  env.fault = constructors(fault, "fault.", kinds)
  return setmetatable(env, {
    __index = function(_, k) error("nonexistent global '" .. tostring(k) .. "'", 2) end,
    __newindex = function(_, k) error("assignment to undeclared global '" .. tostring(k) .. "' (use local)", 2) end,
  })
end

return M

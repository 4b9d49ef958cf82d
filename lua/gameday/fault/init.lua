-- gameday.fault: the fault catalog. Each fault kind is data over the exec
-- primitive, defined in lua/gameday/fault/<family>.lua as
--
--   define {
--     kind = "disk_fill", summary = "...", params = { "path", "percent", "size" },
--     tools = { "fallocate|dd", "df" },    -- commands the host needs ("a|b": either)
--     root = true,                           -- needs uid 0 (root login or ansible_become)
--     validate = function(p) ... end,        -- raises on bad parameters
--     describe = function(p) -> "fill /srv to 90%",
--     preflight = function(p, q) -> shell that exits non-zero with a reason on stderr (optional)
--     facts = function(p, q, ctx) -> shell printing key=value lines, read-only (optional)
--     plan = function(p, facts, q, token) -> { inject = sh, revert = sh, check = sh }
--     dry_run_only = true,                   -- refused outside --dry-run (clock skew)
--   }
--
-- Every parameter that reaches a command goes through q, or through a check
-- that leaves nothing but a whitelist (digits, a signal's name, a rate).
-- Scenarios get what a constructor returns read-only (gameday.sandbox_env):
-- once checked, a fault cannot be changed by the scenario that made it.
-- q is the one shell-quoting function (core.quote); token is unique to the
-- fault on that host in that run ([a-z0-9-]). `revert` must be idempotent;
-- `check` exits 0 while the fault is active and non-zero once it is gone.
-- ctx.runner_addr / ctx.ssh_port: the runner's address as the host sees it,
-- and the host's SSH port, so that network faults can spare the runner.
local util = require("gameday.util")

local M = { kinds = {} }
local COMMON = { "on", "duration", "label" }

local function define(def)
  assert(def.kind and def.plan and def.describe, "fault definition needs kind, plan, describe")
  M.kinds[def.kind] = def
  M[def.kind] = function(t)
    local what = "fault." .. def.kind
    if type(t) ~= "table" then error(what .. ": takes a table: fault." .. def.kind .. " { on = ..., ... }", 0) end
    -- a copy the scenario cannot reach, read without its metamethods, then checked
    local f = util.rawcopy(t, what)
    local allowed = {}
    for _, k in ipairs(COMMON) do allowed[#allowed + 1] = k end
    for _, k in ipairs(def.params or {}) do allowed[#allowed + 1] = k end
    util.only(f, allowed, what)
    util.check(f, "on", "string", true, what)
    util.check(f, "label", "string", false, what)
    for k, v in pairs(f) do  -- a table or function would reach a command through its metamethods
      if type(v) ~= "string" and type(v) ~= "number" and type(v) ~= "boolean" then
        error(string.format("%s: '%s' must be a string or a number, not a %s", what, k, type(v)), 0)
      end
    end
    f.kind = def.kind
    f.__fault = true
    if f.duration ~= nil then f.duration_ms = util.duration_ms(f.duration, what .. " duration") end
    if def.validate then
      local ok, err = pcall(def.validate, f)
      if not ok then error(what .. ": " .. tostring(err), 0) end
    end
    return f
  end
end

M.define = define

function M.def(kind)
  return M.kinds[kind]
end

-- The catalog for `gameday list --faults` and the README.
function M.catalog()
  local out = {}
  for kind, def in pairs(M.kinds) do
    out[#out + 1] = { kind = kind, summary = def.summary or "", params = def.params or {},
      tools = def.tools or {}, root = def.root or false }
  end
  table.sort(out, function(a, b) return a.kind < b.kind end)
  return out
end

for _, family in ipairs { "disk", "file", "process", "resource", "net", "time" } do
  local define_family = require("gameday.fault." .. family)
  define_family(define)
end

return M

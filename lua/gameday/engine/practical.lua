-- gameday.engine.practical: a quiz's practical question changes lab hosts
-- (its setup breaks something) the way a game day does: the run record, the
-- hosts' leases, an intent per host whose revert is the question's cleanup,
-- a dead-man timer that runs the cleanup if the quiz is killed, then the
-- setup. cleanup() undoes it and records that; whatever is left open, the
-- session's recover pass or `gameday recover` cleans up.
local core = require("gameday.core")
local ssh = require("gameday.ssh")
local util = require("gameday.util")
local errors = require("gameday.engine.errors")
local context = require("gameday.engine.context")
local preflight = require("gameday.engine.preflight")
local lease = require("gameday.engine.lease")

local M = {}
local why = util.why
local c        -- this quiz's context, across calls
local seq = 0
local open = {}  -- question id -> { instances }

local function first_line(s)
  return (util.trim(s):match("^[^\n]*"))
end

-- setup { run_id, token, id, hosts = { names }, setup, cleanup, duration_ms }
-- -> { ok, error, unreachable }: leases, intents, dead-man timers, then setup.
function M.setup(a)
  if not c then
    c = context.new { run_id = a.run_id, token = a.token, quiet = true }
    c:record { type = "run", run = a.run_id, kind = "quiz", bank = a.bank, pid = core.pid(),
      runner = core.hostname() }
  end
  local list = {}
  for _, h in ipairs(a.hosts) do
    seq = seq + 1
    list[#list + 1] = { host = h, seq = seq, duration_ms = a.duration_ms,
      token = "gd-" .. a.token .. "-" .. seq }
  end
  open[a.id] = list
  local ok, e = pcall(function()
    lease.take(c, list)
    if a.cleanup then
      for _, inst in ipairs(list) do
        inst.arm, inst.disarm = preflight.deadman(inst.token, inst.duration_ms, a.cleanup,
          lease.after_deadman_sh(a.run_id, a.token, inst.token))
        c:record { type = "intent", seq = inst.seq, host = context.host_record(inst.host), fault = "practical",
          label = "question '" .. a.id .. "'", inject = a.setup, revert = a.cleanup, disarm = inst.disarm,
          guard = lease.guard_sh(a.run_id) }
      end
      local jobs = {}
      for i, inst in ipairs(list) do jobs[i] = { host = inst.host, cmd = inst.arm } end
      for _, r in ipairs(ssh.exec(jobs, { timeout_ms = 30000 })) do
        if r.status ~= "ok" then errors.raise("unreachable", "%s: unreachable: %s", r.host, r.error or "") end
        if r.exit ~= 0 then errors.raise("tool", "%s: cannot arm the dead-man timer: %s", r.host, why(r)) end
      end
    end
    local jobs = {}
    for i, inst in ipairs(list) do jobs[i] = { host = inst.host, cmd = a.setup } end
    for _, r in ipairs(ssh.exec(jobs, { timeout_ms = a.timeout_ms })) do
      if r.status == "unreachable" then errors.raise("unreachable", "%s: unreachable: %s", r.host, r.error or "") end
      if r.status == "timeout" then errors.raise("tool", "question '%s': setup timed out on %s", a.id, r.host) end
      if r.exit ~= 0 then
        errors.raise("tool", "question '%s': setup failed on %s: exit %s: %s", a.id, r.host, tostring(r.exit),
          first_line(r.stderr ~= "" and r.stderr or r.stdout))
      end
    end
  end)
  if ok then return { ok = true } end
  e = errors.of(e)
  return { ok = false, error = e.msg, unreachable = errors.exit(e.kind) == 3, aborted = e.kind == "aborted" }
end

-- cleanup { id, cleanup, timeout_ms } -> { ok, detail }: the cleanup and
-- disarm on every host of the question, recorded; the leases freed.
function M.cleanup(a)
  local list = open[a.id] or {}
  open[a.id] = nil
  local detail = "ok"
  if a.cleanup and #list > 0 then
    local jobs = {}
    for i, inst in ipairs(list) do
      jobs[i] = { host = inst.host, cmd = "( " .. a.cleanup .. "\n) && { " .. (inst.disarm or "true") .. "; }" }
    end
    for i, r in ipairs(ssh.exec(jobs, { timeout_ms = a.timeout_ms })) do
      local good = r.status == "ok" and r.exit == 0
      if not good and detail == "ok" then
        detail = r.status == "unreachable" and ("failed: " .. r.host .. ": unreachable: " .. (r.error or "")) or
          string.format("failed on %s: exit %s: %s", r.host, tostring(r.exit), first_line(r.stderr ~= "" and r.stderr or r.stdout))
      end
      if list[i].disarm then
        pcall(c.record, c, { type = "reverted", seq = list[i].seq, ok = good, verified = good, by = "run",
          error = (not good) and why(r) or nil })
      end
    end
  end
  if c then pcall(lease.release, c) end
  return { ok = detail == "ok", detail = detail }
end

return M

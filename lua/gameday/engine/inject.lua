-- gameday.engine.inject: putting faults on and taking them off. Before any
-- command changes a host its intent (host, exact revert, check, disarm) is
-- journaled; each fault's dead-man timer is armed before it goes on. Faults
-- on one host go in rounds, in order; reverts in rounds in reverse order.
local core = require("gameday.core")
local ssh = require("gameday.ssh")
local util = require("gameday.util")
local errors = require("gameday.engine.errors")
local context = require("gameday.engine.context")
local lease = require("gameday.engine.lease")

local M = {}
local why = util.why

local function exec_round(round, field, timeout_ms, default)
  local jobs = {}
  for i, inst in ipairs(round) do jobs[i] = { host = inst.host, cmd = inst[field] or default } end
  return ssh.exec(jobs, { timeout_ms = timeout_ms })
end

-- One round: arm each dead-man timer, inject, record, check it took effect.
-- Returns the first failure's text, or nil.
local function inject_round(c, round)
  for i, r in ipairs(exec_round(round, "arm", 30000)) do
    if r.status ~= "ok" or r.exit ~= 0 then
      errors.raise(r.status == "ok" and "tool" or "unreachable",
        "%s: cannot arm the dead-man timer, so %s was not injected: %s", r.host, round[i].fault.kind, why(r))
    end
  end
  local failed
  for i, r in ipairs(exec_round(round, "inject", 60000)) do
    local inst = round[i]
    local good = r.status == "ok" and r.exit == 0
    c:record { type = "injected", seq = inst.seq, ok = good, exit = r.exit, error = (not good) and why(r) or nil }
    c:event { kind = "inject", name = inst.label, host = inst.host, ok = good, ms = r.ms,
      detail = good and "injected" or why(r) }
    inst.injected_ms = c:now()
    c:log("inject: %s: %s: %s", inst.host, inst.label, good and "done" or why(r))
    if not good then failed = failed or string.format("%s: %s failed: %s", inst.host, inst.label, why(r)) end
  end
  for i, r in ipairs(exec_round(round, "check", 30000, "true")) do
    round[i].active = r.status == "ok" and r.exit == 0
  end
  return failed
end

-- Injects list: every intent journaled first, then round by round. A fault
-- that would not go on raises a tool error after the others went on.
function M.inject(c, list)
  c.phase = "inject"
  for _, inst in ipairs(list) do
    c:record { type = "intent", seq = inst.seq, host = context.host_record(inst.host), fault = inst.fault.kind,
      label = inst.label, inject = inst.inject, revert = inst.revert, check = inst.check, disarm = inst.disarm,
      guard = lease.guard_sh(c.args.run_id) }
    c.injected[#c.injected + 1] = inst
  end
  local failed
  for _, round in ipairs(context.rounds(list)) do
    failed = inject_round(c, round) or failed
  end
  if failed then errors.raise("tool", "%s", failed) end
end

local function gone(chk)
  return chk.status == "ok" and chk.exit ~= nil and chk.exit ~= 0
end

-- What a revert found, recorded, logged, and put into R.faults. pre is the
-- check run before the revert, when the fault should still have been on.
local function settle(c, inst, r, chk, pre)
  local ran = r.status == "ok" and r.exit == 0
  local changed = ran and pre ~= nil and inst.active and gone(pre)
  local good = ran and not changed and gone(chk)
  local detail = not ran and ("revert failed: " .. why(r)) or
    (changed and "the host was not as this run left it: the fault was gone before the revert " ..
      "(someone or something else changed it); reverted, but nothing to verify") or
    (good and "reverted, verified gone" or ("revert ran but the fault is still active" ..
      (chk.status ~= "ok" and (": " .. why(chk)) or "")))
  c:record { type = "reverted", seq = inst.seq, ok = ran, verified = good, by = "run",
    error = (not good) and detail or nil }
  inst.reverted_ms = c:now()
  inst.revert_ok = good
  c:event { kind = "revert", name = inst.label, host = inst.host, ok = good, ms = r.ms, detail = detail }
  c:log("revert: %s: %s: %s", inst.host, inst.label, detail)
  if not good then
    c.R.findings[#c.R.findings + 1] = { kind = changed and "host-changed" or "revert-failed",
      text = inst.host .. ": " .. inst.label .. ": " .. detail }
  end
  for _, f in ipairs(c.R.faults) do
    if f.seq == inst.seq then
      f.injected_ms, f.reverted_ms, f.active = inst.injected_ms, inst.reverted_ms, inst.active
      f.reverted, f.revert_detail = inst.revert_ok, detail
    end
  end
end

-- Reverts every injected fault, newest first (a host's faults in reverse
-- order, hosts at once), and checks each is gone. With c.intact (hold and
-- degrade scenarios: nothing but the revert should take a fault off), each
-- fault is checked first, so that a host someone else changed is said to be
-- so rather than "verified". Signals wait meanwhile.
function M.revert_all(c)
  core.shield(true)
  c.phase = "revert"
  local newest = {}
  for i = #c.injected, 1, -1 do newest[#newest + 1] = c.injected[i] end
  for _, round in ipairs(context.rounds(newest)) do
    local pres = c.intact and exec_round(round, "check", 30000, "true") or {}
    local jobs = {}
    for i, inst in ipairs(round) do
      -- a subshell, since a revert may exit; a failed one leaves the dead-man armed as a safety net
      jobs[i] = { host = inst.host, cmd = "( " .. inst.revert .. "\n) && { " .. inst.disarm .. "; }" }
    end
    local res = ssh.exec(jobs, { timeout_ms = 60000 })
    local cres = exec_round(round, "check", 30000, "false")
    for i, inst in ipairs(round) do settle(c, inst, res[i], cres[i], pres[i]) end
  end
  c.injected = {}
  core.shield(false)
end

return M

-- gameday.engine.preflight: everything checked before a host is changed:
-- targets resolved, each fault planned on its hosts, the hosts connected,
-- each fault's tools, privileges and facts read, its commands and its
-- dead-man timer built. Raises errors of gameday.engine.errors.
local core = require("gameday.core")
local ssh = require("gameday.ssh")
local util = require("gameday.util")
local probe = require("gameday.probe")
local monitoring = require("gameday.monitoring")
local fault = require("gameday.fault")
local state = require("gameday.fault.state")
local errors = require("gameday.engine.errors")
local context = require("gameday.engine.context")
local lease = require("gameday.engine.lease")

local M = {}
local q = core.quote
local trim, why = util.trim, util.why
local DEFAULT_FAULT_MS = 600000  -- a fault without a duration: its host undoes it after 10 minutes
M.LIVE_LIMIT_MS = 900000         -- a live session ends unresolved after 15 minutes

-- Target names and host patterns to host names, checked once.
function M.runtime(sc)
  local cache = {}
  local rt = {}
  function rt.hosts(name)
    if cache[name] then return cache[name] end
    local pattern = sc.targets[name] or name
    local hosts, err = ssh.resolve(pattern)
    if not hosts then error(err, 0) end
    cache[name] = hosts
    return hosts
  end
  function rt.addrs(peer)
    local ok, hosts = pcall(rt.hosts, peer)
    local out = {}
    if ok and #hosts > 0 then
      for _, h in ipairs(hosts) do out[#out + 1] = ssh.host(h).addr end
    elseif peer:match("^[%x%.:]+$") then
      out[1] = peer
    end
    return out
  end
  return rt
end

local function need_hosts(rt, name, what)
  local hosts = rt.hosts(name)
  if #hosts == 0 then
    error(string.format("%s: '%s' matches no host in the inventory", what, name), 0)
  end
  return hosts
end

-- Shell for the dead-man timer: systemd-run where systemd runs, else a
-- detached sleep that reverts unless its marker file is gone by then. after
-- (optional) runs after the revert: the host's lease freed once the last fires.
function M.deadman(token, ms, revert, after)
  if after then revert = "( " .. revert .. "\n); " .. after end  -- a revert may exit
  local secs = string.format("%d", (ms + 999) // 1000)
  local marker = '"$D/' .. token .. '.deadman"'
  -- counts its own seconds: killing a `sleep` or moving the clock cannot fire it early
  local later = 'i=0; while [ $i -lt ' .. secs .. ' ]; do sleep 1; i=$((i+1)); done; ' ..
    'if [ -e "$0" ]; then rm -f "$0"; ' .. revert .. '; fi'
  local arm = state.dir_sh .. "; if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then " ..
    "systemd-run --quiet --collect --unit=gameday-" .. token .. " --on-active=" .. secs ..
    " --timer-property=AccuracySec=1s /bin/sh -c " .. q(revert) .. " && echo systemd > " .. marker .. "; " ..
    "else nohup setsid /bin/sh -c " .. q(later) .. " " .. marker .. " </dev/null >/dev/null 2>&1 & " ..
    "echo $! > " .. marker .. "; fi"
  local disarm = state.dir_sh .. "; f=" .. marker .. "; if [ -f \"$f\" ]; then p=$(cat \"$f\"); rm -f \"$f\"; " ..
    "if [ \"$p\" = systemd ]; then systemctl stop gameday-" .. token .. ".timer 2>/dev/null; " ..
    "elif [ -n \"$p\" ] && grep -q " .. token .. " /proc/$p/cmdline 2>/dev/null; then kill -- -$p 2>/dev/null; fi; fi; true"
  return arm, disarm
end

local function tools_sh(tools)
  local out = {}
  for _, t in ipairs(tools or {}) do
    local alts, tests = {}, {}
    for a in t:gmatch("[^|]+") do
      alts[#alts + 1] = a
      tests[#tests + 1] = "command -v " .. a .. " >/dev/null 2>&1"
    end
    out[#out + 1] = "{ " .. table.concat(tests, " || ") .. "; } || { echo 'needs " ..
      table.concat(alts, " or ") .. ", which is not installed' >&2; exit 3; }"
  end
  return table.concat(out, "; ")
end

local function parse_facts(out)
  local facts, seen = {}, false
  for line in out:gmatch("[^\n]+") do
    if line == "__gameday_facts__" then
      seen = true
    elseif seen then
      local k, v = line:match("^([%w_]+)=(.*)$")
      if k then facts[k] = v end
    end
  end
  return facts
end

-- The fault instances of a scenario: one per fault and host, in order.
-- Raises an input error for a probe or fault without hosts, a production
-- host without --yes, or a dry-run-only fault outside --dry-run.
function M.plan(c, sc, rt)
  local args, instances = c.args, {}
  local ok, e = pcall(function()
    for _, p in ipairs(sc.steady_state) do
      p = monitoring.plain(p)  -- an SLO entry: its probe
      if p.on then need_hosts(rt, p.on, "probe '" .. p.name .. "'") end
    end
    for _, f in ipairs(sc.faults) do
      for _, h in ipairs(need_hosts(rt, f.on, "fault." .. f.kind)) do
        local info = ssh.host(h)
        if info.production and not args.yes then
          error(string.format("host %s is marked production: true; add --yes to inject %s there", h, f.kind), 0)
        end
        if info.production and args.lab then
          error(string.format("host %s is marked production: true, which --lab refuses", h), 0)
        end
        -- a live session lasts up to its limit, not the observe window
        local window = args.live and (args.limit_ms or M.LIVE_LIMIT_MS) or (sc.observe and sc.observe.duration_ms)
        instances[#instances + 1] = { fault = f, def = fault.def(f.kind), host = h,
          duration_ms = f.duration_ms or (window and (window + 60000)) or DEFAULT_FAULT_MS }
      end
    end
  end)
  if not ok then errors.raise("input", "%s", tostring(e)) end
  c.run_token = args.token or core.random_hex(4)
  for i, inst in ipairs(instances) do
    if inst.def.dry_run_only and not args.dry_run then
      errors.raise("input", "fault.%s runs only with --dry-run", inst.fault.kind)
    end
    inst.seq = i
    inst.token = "gd-" .. c.run_token .. "-" .. i
    inst.label = inst.fault.label or inst.def.describe(inst.fault)
  end
  return instances
end

-- Every host an exec probe of the steady state runs on must answer.
local function connect_probe_hosts(sc, rt)
  local seen, jobs = {}, {}
  for _, p in ipairs(sc.steady_state) do
    p = monitoring.plain(p)
    if p.kind == "exec" then
      for _, h in ipairs(rt.hosts(p.on)) do
        if not seen[h] then seen[h] = true; jobs[#jobs + 1] = { host = h, cmd = "true" } end
      end
    end
  end
  for _, r in ipairs(#jobs > 0 and ssh.exec(jobs, { timeout_ms = 30000 }) or {}) do
    if r.status ~= "ok" then errors.raise("unreachable", "%s: %s", r.host, why(r)) end
  end
end

-- One round (a host at most once): tools, privileges, the fault's own
-- preflight, then the facts it reads (they need the runner's address).
local function check_round(round, rt)
  local jobs = {}
  for i, inst in ipairs(round) do
    local f, def = inst.fault, inst.def
    local parts = {}
    if def.root then   -- first: without it, nothing else matters
      local become = ssh.host(inst.host).become
      parts[#parts + 1] = "[ \"$(id -u)\" = 0 ] || { echo \"gameday-needs-root: $(id -un) is not root there" ..
        (become and ", although ansible_become is set" or " and ansible_become is not set: log in as root or set it") ..
        "\" >&2; exit 3; }"
    end
    parts[#parts + 1] = tools_sh(def.tools)   -- after root: a user's PATH may lack sbin
    if def.preflight then parts[#parts + 1] = def.preflight(f, q) end
    parts[#parts + 1] = "echo __gameday_facts__"
    jobs[i] = { host = inst.host, cmd = table.concat(parts, "; ") }
  end
  for i, r in ipairs(ssh.exec(jobs, { timeout_ms = 30000 })) do
    local inst = round[i]
    if r.status ~= "ok" then errors.raise("unreachable", "%s: %s", r.host, why(r)) end
    if r.exit ~= 0 then
      local err = trim(r.stderr)
      local info = ssh.host(r.host)
      if err:match("gameday%-needs%-root: ") then
        errors.raise("tool", "%s: fault.%s needs root: %s", r.host, inst.fault.kind,
          err:match("gameday%-needs%-root: ([^\n]*)"))
      elseif inst.def.root and info.become and err:match("sudo") then
        -- the become wrapper itself failed: sudo -n is not allowed, or not there
        errors.raise("tool", "%s: fault.%s needs root: %s logs in with ansible_become, but sudo -n " ..
          "does not work there: %s", r.host, inst.fault.kind, info.user or "the login user", err)
      end
      errors.raise("tool", "%s: fault.%s cannot run there: %s", r.host, inst.fault.kind,
        err ~= "" and err or why(r))
    end
    inst.ctx = { runner_addr = r.local_addr or "127.0.0.1", ssh_port = ssh.host(r.host).port,
      duration_ms = inst.duration_ms, addrs = rt.addrs }
  end
  local order = {}
  jobs = {}
  for _, inst in ipairs(round) do
    if inst.def.facts then
      jobs[#jobs + 1] = { host = inst.host, cmd = "echo __gameday_facts__; " .. inst.def.facts(inst.fault, q, inst.ctx) }
      order[#order + 1] = inst
    end
  end
  for i, r in ipairs(#jobs > 0 and ssh.exec(jobs, { timeout_ms = 30000 }) or {}) do
    if r.status ~= "ok" then errors.raise("unreachable", "%s: reading facts: %s", r.host, why(r)) end
    if r.exit ~= 0 then errors.raise("tool", "%s: reading facts: %s", r.host, why(r)) end
    order[i].facts = parse_facts(r.stdout)
  end
end

-- Connects, checks every instance on its host (same-host faults in rounds)
-- and builds its commands; adds each to R.faults.
function M.check(c, sc, rt, instances)
  connect_probe_hosts(sc, rt)
  for _, round in ipairs(context.rounds(instances)) do check_round(round, rt) end
  for _, inst in ipairs(instances) do
    local okp, plan = pcall(inst.def.plan, inst.fault, inst.facts or {}, q, inst.token, inst.ctx)
    if not okp then errors.raise("tool", "%s: fault.%s: %s", inst.host, inst.fault.kind, tostring(plan)) end
    inst.inject, inst.revert, inst.check = plan.inject, plan.revert, plan.check
    inst.arm, inst.disarm = M.deadman(inst.token, inst.duration_ms, plan.revert,
      lease.after_deadman_sh(c.args.run_id, c.run_token, inst.token))
    c.R.faults[#c.R.faults + 1] = { seq = inst.seq, host = inst.host, kind = inst.fault.kind, label = inst.label,
      duration_ms = inst.duration_ms, inject = inst.inject, revert = inst.revert, check = inst.check }
  end
end

-- What a dry run prints: every command on every host.
function M.dry_run_text(sc, rt, instances)
  local lines = {}
  local function say(s) lines[#lines + 1] = s end
  say(string.format("dry run of %s (%s): nothing was changed on any host", sc.id, sc.title))
  for _, p in ipairs(sc.steady_state) do
    say("  steady state: " .. p.name .. ": " .. probe.describe(monitoring.plain(p), rt))
  end
  for _, p in ipairs(sc.alerts or {}) do
    local ok, d = pcall(probe.describe, p, rt)
    say("  alert: " .. p.name .. ": " .. (ok and d or ("not checked: " .. tostring(d))))
  end
  for _, inst in ipairs(instances) do
    say(string.format("  %s: fault.%s: %s (undone by its host after %s)", inst.host, inst.fault.kind, inst.label,
      util.fmt_ms(inst.duration_ms)))
    say("    arm:    " .. inst.arm)
    say("    inject: " .. inst.inject)
    say("    check:  " .. (inst.check or "(none)"))
    say("    revert: " .. inst.revert)
    say("    disarm: " .. inst.disarm)
  end
  return table.concat(lines, "\n") .. "\n"
end

return M

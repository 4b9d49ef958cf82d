-- gameday.engine: a game day's life, always in this order:
--   preflight -> steady state before -> inject -> observe -> steady state after
--   -> revert (each verified) -> steady state again -> verdict.
-- Before any command changes a host, an intent with its exact revert command
-- is fsync'd to the journal, and a dead-man timer on the host itself reverts
-- the fault when its duration is over, even if this runner is killed or cut off.
local core = require("gameday.core")
local ssh = require("gameday.ssh")
local journal = require("gameday.journal")
local util = require("gameday.util")
local probe = require("gameday.probe")
local fault = require("gameday.fault")
local state = require("gameday.fault.state")
local gameday = require("gameday")

local M = {}
local q = core.quote
local DEFAULT_FAULT_MS = 600000  -- a fault without a duration: its host undoes it after 10 minutes
local LIVE_LIMIT_MS = 900000    -- a live session ends unresolved after 15 minutes

-- Loads a scenario file in its sandbox; returns the scenario or nil, message.
function M.load(file)
  return gameday.load(file, "scenario")
end

-- Target names and host patterns to host names, checked once.
local function runtime(sc)
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
-- detached sleep that reverts unless its marker file is gone by then.
local function deadman(token, ms, revert)
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

local function host_record(name)
  local h = ssh.host(name)
  return { name = h.name, addr = h.addr, port = h.port, user = h.user, key_file = h.key_file,
    known_hosts = h.known_hosts, become = h.become }
end

local trim, why = util.trim, util.why

function M.run(args)
  local R = { run = args.run_id, verdict = "error", exit = 2, timeline = {}, faults = {}, findings = {},
    phases = {}, file = args.file, dry_run = args.dry_run or false }
  local t0 = core.now_ms()
  R.started = core.epoch_ms()
  local phase = "load"
  local quiet = args.quiet

  local function log(fmt, ...)
    if not quiet then core.log(string.format(fmt, ...)) end
  end
  local function event(e)
    e.t_ms = core.now_ms() - t0
    e.phase = phase
    R.timeline[#R.timeline + 1] = e
  end
  local function finish(verdict, exit, err)
    R.verdict, R.exit = verdict, exit
    if err then R.error = err end
    R.ended = core.epoch_ms()
    R.duration_ms = core.now_ms() - t0
    return R
  end
  local function record(rec)
    local ok, err = journal.append(rec)
    if not ok then error("cannot write the journal: " .. err, 0) end
  end

  -- load and check everything before touching a host
  local sc, err = M.load(args.file)
  if not sc then return finish("error", 2, err) end
  R.scenario = { id = sc.id, title = sc.title, expect = sc.expect, tags = sc.tags, topics = sc.topics,
    runbook = sc.runbook, narrative = sc.narrative, alert = sc.alert }
  local rt = runtime(sc)
  local instances = {}
  local ok, e = pcall(function()
    for _, p in ipairs(sc.steady_state) do
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
        local window = args.live and (args.limit_ms or LIVE_LIMIT_MS) or (sc.observe and sc.observe.duration_ms)
        instances[#instances + 1] = { fault = f, def = fault.def(f.kind), host = h,
          duration_ms = f.duration_ms or (window and (window + 60000)) or DEFAULT_FAULT_MS }
      end
    end
  end)
  if not ok then return finish("error", 2, e) end
  for i, inst in ipairs(instances) do
    if inst.def.dry_run_only and not args.dry_run then
      return finish("error", 2, "fault." .. inst.fault.kind .. " runs only with --dry-run")
    end
    inst.seq = i
    inst.token = "gd-" .. (args.token or core.random_hex(4)) .. "-" .. i
    inst.label = inst.fault.label or inst.def.describe(inst.fault)
  end

  -- preflight: connect, check tools and privileges, read the facts each fault needs
  phase = "preflight"
  log("preflight: %d fault%s on %d host%s", #sc.faults, #sc.faults == 1 and "" or "s", #instances,
    #instances == 1 and "" or "s")
  local rounds = {}
  for _, inst in ipairs(instances) do
    local k = 1
    while rounds[k] and rounds[k][inst.host] do k = k + 1 end
    rounds[k] = rounds[k] or {}
    rounds[k][inst.host] = inst
  end
  local probe_hosts = {}
  for _, p in ipairs(sc.steady_state) do
    if p.kind == "exec" then for _, h in ipairs(rt.hosts(p.on)) do probe_hosts[h] = true end end
  end
  do
    local jobs = {}
    for h in pairs(probe_hosts) do jobs[#jobs + 1] = { host = h, cmd = "true" } end
    for _, r in ipairs(#jobs > 0 and ssh.exec(jobs, { timeout_ms = 30000 }) or {}) do
      if r.status ~= "ok" then return finish("error", 3, r.host .. ": " .. why(r)) end
    end
  end
  for _, round in ipairs(rounds) do
    local jobs, order = {}, {}
    for h, inst in pairs(round) do
      local f, def = inst.fault, inst.def
      local parts = { tools_sh(def.tools) }
      if def.root then
        parts[#parts + 1] = "[ \"$(id -u)\" = 0 ] || { echo 'needs root: log in as root or set ansible_become' >&2; exit 3; }"
      end
      if def.preflight then parts[#parts + 1] = def.preflight(f, q) end
      parts[#parts + 1] = "echo __gameday_facts__"
      jobs[#jobs + 1] = { host = h, cmd = table.concat(parts, "; ") }
      order[#order + 1] = inst
    end
    local res = ssh.exec(jobs, { timeout_ms = 30000 })
    for i, r in ipairs(res) do
      local inst = order[i]
      if r.status ~= "ok" then return finish("error", 3, r.host .. ": " .. why(r)) end
      if r.exit ~= 0 then
        return finish("error", 3, string.format("%s: fault.%s cannot run there: %s", r.host, inst.fault.kind,
          trim(r.stderr) ~= "" and trim(r.stderr) or why(r)))
      end
      inst.ctx = { runner_addr = r.local_addr or "127.0.0.1", ssh_port = ssh.host(r.host).port,
        duration_ms = inst.duration_ms, addrs = rt.addrs }
    end
    -- facts need the runner's address, known only now that we are connected
    jobs, order = {}, {}
    for h, inst in pairs(round) do
      if inst.def.facts then
        jobs[#jobs + 1] = { host = h, cmd = "echo __gameday_facts__; " .. inst.def.facts(inst.fault, q, inst.ctx) }
        order[#order + 1] = inst
      end
    end
    for i, r in ipairs(#jobs > 0 and ssh.exec(jobs, { timeout_ms = 30000 }) or {}) do
      if r.status ~= "ok" or r.exit ~= 0 then return finish("error", 3, r.host .. ": reading facts: " .. why(r)) end
      order[i].facts = parse_facts(r.stdout)
    end
  end
  for _, inst in ipairs(instances) do
    local okp, plan = pcall(inst.def.plan, inst.fault, inst.facts or {}, q, inst.token, inst.ctx)
    if not okp then return finish("error", 3, inst.host .. ": fault." .. inst.fault.kind .. ": " .. tostring(plan)) end
    inst.inject, inst.revert, inst.check = plan.inject, plan.revert, plan.check
    inst.arm, inst.disarm = deadman(inst.token, inst.duration_ms, plan.revert)
    R.faults[#R.faults + 1] = { seq = inst.seq, host = inst.host, kind = inst.fault.kind, label = inst.label,
      duration_ms = inst.duration_ms, inject = inst.inject, revert = inst.revert, check = inst.check }
  end
  log("preflight: ok")

  if args.dry_run then
    local lines = {}
    local function say(s) lines[#lines + 1] = s end
    say(string.format("dry run of %s (%s): nothing was changed on any host", sc.id, sc.title))
    for _, p in ipairs(sc.steady_state) do say("  steady state: " .. p.name .. ": " .. probe.describe(p, rt)) end
    for _, inst in ipairs(instances) do
      say(string.format("  %s: fault.%s: %s (undone by its host after %s)", inst.host, inst.fault.kind, inst.label,
        util.fmt_ms(inst.duration_ms)))
      say("    arm:    " .. inst.arm)
      say("    inject: " .. inst.inject)
      say("    check:  " .. (inst.check or "(none)"))
      say("    revert: " .. inst.revert)
      say("    disarm: " .. inst.disarm)
    end
    R.dry_run_text = table.concat(lines, "\n") .. "\n"
    return finish("dry-run", 0)
  end

  record { type = "run", run = args.run_id, scenario = sc.id, file = args.file, pid = core.pid(),
    runner = core.hostname() }

  local function steady(name, probes)
    phase = name
    local results, all = {}, true
    for _, p in ipairs(probes) do
      local r = probe.eval(p, rt)
      results[#results + 1] = r
      event { kind = "probe", name = p.name, ok = r.ok, ms = r.ms, detail = r.detail }
      if not r.ok then all = false end
    end
    R.phases[name] = { ok = all, probes = results }
    return all, results
  end

  local injected = {}
  local aborted, halted, run_error, run_result, inject_failed
  local function inject(list)
    phase = "inject"
    for _, inst in ipairs(list) do
      record { type = "intent", seq = inst.seq, host = host_record(inst.host), fault = inst.fault.kind,
        label = inst.label, inject = inst.inject, revert = inst.revert, check = inst.check, disarm = inst.disarm }
      injected[#injected + 1] = inst
    end
    local jobs = {}
    for i, inst in ipairs(list) do jobs[i] = { host = inst.host, cmd = inst.arm } end
    for i, r in ipairs(ssh.exec(jobs, { timeout_ms = 30000 })) do
      if r.status ~= "ok" or r.exit ~= 0 then
        error(string.format("%s: cannot arm the dead-man timer, so %s was not injected: %s", r.host,
          list[i].fault.kind, why(r)), 0)
      end
    end
    for i, inst in ipairs(list) do jobs[i] = { host = inst.host, cmd = inst.inject } end
    local res = ssh.exec(jobs, { timeout_ms = 60000 })
    local failed
    for i, r in ipairs(res) do
      local inst = list[i]
      local good = r.status == "ok" and r.exit == 0
      record { type = "injected", seq = inst.seq, ok = good, exit = r.exit, error = (not good) and why(r) or nil }
      event { kind = "inject", name = inst.label, host = inst.host, ok = good, ms = r.ms,
        detail = good and "injected" or why(r) }
      inst.injected_ms = core.now_ms() - t0
      log("inject: %s: %s: %s", inst.host, inst.label, good and "done" or why(r))
      if not good then failed = failed or string.format("%s: %s failed: %s", inst.host, inst.label, why(r)) end
    end
    for i, inst in ipairs(list) do jobs[i] = { host = inst.host, cmd = inst.check or "true" } end
    for i, r in ipairs(ssh.exec(jobs, { timeout_ms = 30000 })) do
      list[i].active = r.status == "ok" and r.exit == 0
    end
    if failed then
      inject_failed = failed
      error(failed, 0)
    end
  end

  local function observe()
    if not sc.observe then return end
    phase = "observe"
    local probes = {}
    for _, p in ipairs(sc.steady_state) do probes[#probes + 1] = p end
    for _, p in ipairs(sc.observe.probes) do probes[#probes + 1] = p end
    local start = core.now_ms()
    local pending = {}
    for _, inj in ipairs(sc.injects or {}) do pending[#pending + 1] = inj end
    log("observe: %s, a sample every %s", util.fmt_ms(sc.observe.duration_ms), util.fmt_ms(sc.observe.every_ms))
    while true do
      local now = core.now_ms() - start
      for i = #pending, 1, -1 do
        if pending[i].at_ms <= now then
          event { kind = "message", name = pending[i].from or "inject", detail = pending[i].say or "" }
          log("  [%s] %s: %s", util.fmt_ms(pending[i].at_ms), pending[i].from or "inject", pending[i].say or "")
          table.remove(pending, i)
        end
      end
      local bad = {}
      for _, p in ipairs(probes) do
        local r = probe.eval(p, rt)
        event { kind = "probe", name = p.name, ok = r.ok, ms = r.ms, detail = r.detail }
        if not r.ok then
          bad[#bad + 1] = p.name .. " (" .. r.detail .. ")"
          R.detected_ms = R.detected_ms or (core.now_ms() - t0)
          if p.halt then
            halted = "probe '" .. p.name .. "' failed: " .. r.detail
            error("halt: " .. halted, 0)
          end
        end
      end
      if #bad == 0 and R.detected_ms and not R.recovered_ms then R.recovered_ms = core.now_ms() - t0 end
      log("  +%s %s", util.fmt_ms(now), #bad == 0 and "all probes ok" or ("failing: " .. table.concat(bad, ", ")))
      if now >= sc.observe.duration_ms then break end
      local wait = math.min(sc.observe.every_ms, sc.observe.duration_ms - now)
      if not core.sleep(wait > 0 and wait or 0) then error("aborted by " .. (core.aborted() or "a signal"), 0) end
    end
  end

  -- A live session: instead of a fixed window, the game master marks detected,
  -- mitigated and resolved with keys while the steady state is sampled; the
  -- probes must hold again for a resolve to count. Times run from the first inject.
  local function live()
    phase = "observe"
    local L = { hints = {}, hint_cost = 0, limit_ms = args.limit_ms or LIVE_LIMIT_MS }
    R.live = L
    R.participant, R.seed = args.participant, args.seed
    local every = sc.observe and sc.observe.every_ms or 2000
    local first
    for _, inst in ipairs(injected) do
      if inst.injected_ms and (not first or inst.injected_ms < first) then first = inst.injected_ms end
    end
    first = t0 + (first or (core.now_ms() - t0))
    local pending, nhint = {}, 1
    for _, inj in ipairs(sc.injects or {}) do pending[#pending + 1] = inj end
    local function say(fmt, ...) core.log(string.format(fmt, ...)) end
    local function since() return core.now_ms() - first end
    local function sample()
      local bad = {}
      for i = #pending, 1, -1 do
        if pending[i].at_ms <= since() then
          event { kind = "message", name = pending[i].from or "inject", detail = pending[i].say or "" }
          say("  [%s] %s: %s", util.fmt_ms(pending[i].at_ms), pending[i].from or "inject", pending[i].say or "")
          table.remove(pending, i)
        end
      end
      for _, p in ipairs(sc.steady_state) do
        local r = probe.eval(p, rt)
        event { kind = "probe", name = p.name, ok = r.ok, ms = r.ms, detail = r.detail }
        if not r.ok then bad[#bad + 1] = p.name .. " (" .. r.detail .. ")" end
      end
      return bad
    end
    local function mark(what)
      if L[what .. "_ms"] then return end
      L[what .. "_ms"] = since()
      R[what .. "_ms"] = core.now_ms() - t0
      event { kind = "mark", name = what, ok = true, detail = "the game master marked " .. what }
      say("live: %s at +%s", what, util.fmt_ms(L[what .. "_ms"]))
    end
    R.detected_ms, R.recovered_ms = nil, nil  -- the game master's marks, not the probes', count here
    if sc.narrative then say("%s", sc.narrative) end
    say("live: keys: d detected, m mitigated, r resolved, h hint, q give up; ends unresolved after %s",
      util.fmt_ms(L.limit_ms))
    local next_at = core.now_ms()
    while not L.outcome do
      if core.now_ms() >= next_at then
        local bad = sample()
        say("  +%s %s", util.fmt_ms(since()), #bad == 0 and "all probes ok" or ("failing: " .. table.concat(bad, ", ")))
        next_at = core.now_ms() + every
      end
      if since() >= L.limit_ms then
        L.outcome = "unresolved"
        say("live: the limit of %s is up, unresolved", util.fmt_ms(L.limit_ms))
        break
      end
      local k = core.key(math.max(0, math.min(next_at - core.now_ms(), L.limit_ms - since())))
      if core.aborted() then error("aborted by " .. core.aborted(), 0) end
      if k == "d" then
        mark("detected")
      elseif k == "m" then
        mark("detected"); mark("mitigated")
      elseif k == "r" then
        local bad = sample()
        if #bad > 0 then
          say("not resolved yet: %s", bad[1])
        else
          mark("detected"); mark("mitigated"); mark("resolved")
          R.recovered_ms = R.resolved_ms
          L.outcome = "resolved"
        end
      elseif k == "h" then
        local h = (sc.hints or {})[nhint]
        if not h then
          say("live: no more hints")
        else
          nhint = nhint + 1
          local cost = tonumber(h.cost) or 0
          L.hints[#L.hints + 1] = { text = h.text and tostring(h.text) or "", cost = cost, at_ms = since() }
          L.hint_cost = L.hint_cost + cost
          event { kind = "hint", name = "hint " .. #L.hints, ok = true, detail = L.hints[#L.hints].text }
          say("hint %d (costs %g): %s", #L.hints, cost, L.hints[#L.hints].text)
        end
      elseif k == "q" or k == "" then
        L.outcome = "gave-up"
        aborted = k == "q" and "the game master gave up (q)" or "the game master's input ended: given up"
        say("live: %s", aborted)
      elseif k ~= nil and not k:match("%s") then
        say("live: unknown key '%s': d detected, m mitigated, r resolved, h hint, q give up", k)
      end
    end
  end

  -- reverts every injected fault, newest first, and checks each is gone
  local function revert_all()
    core.shield(true)
    phase = "revert"
    local left = {}
    for i = #injected, 1, -1 do left[#left + 1] = injected[i] end
    while #left > 0 do
      local round, rest, seen = {}, {}, {}
      for _, inst in ipairs(left) do
        if seen[inst.host] then rest[#rest + 1] = inst else seen[inst.host] = true; round[#round + 1] = inst end
      end
      local jobs = {}
      for i, inst in ipairs(round) do
        -- a subshell, since a revert may exit; a failed one leaves the dead-man armed as a safety net
        jobs[i] = { host = inst.host, cmd = "( " .. inst.revert .. "\n) && { " .. inst.disarm .. "; }" }
      end
      local res = ssh.exec(jobs, { timeout_ms = 60000 })
      local checks = {}
      for i, inst in ipairs(round) do checks[i] = { host = inst.host, cmd = inst.check or "false" } end
      local cres = ssh.exec(checks, { timeout_ms = 30000 })
      for i, inst in ipairs(round) do
        local r, c = res[i], cres[i]
        local good = r.status == "ok" and r.exit == 0
        local gone = c.status == "ok" and c.exit ~= nil and c.exit ~= 0
        local detail = not good and ("revert failed: " .. why(r)) or
          (gone and "reverted, verified gone" or ("revert ran but the fault is still active" ..
            (c.status ~= "ok" and (": " .. why(c)) or "")))
        record { type = "reverted", seq = inst.seq, ok = good, verified = good and gone, by = "run",
          error = (not (good and gone)) and detail or nil }
        inst.reverted_ms = core.now_ms() - t0
        inst.revert_ok = good and gone
        event { kind = "revert", name = inst.label, host = inst.host, ok = good and gone, ms = r.ms, detail = detail }
        log("revert: %s: %s: %s", inst.host, inst.label, detail)
        if not (good and gone) then
          R.findings[#R.findings + 1] = { kind = "revert-failed", text = inst.host .. ": " .. inst.label .. ": " .. detail }
        end
        for _, f in ipairs(R.faults) do
          if f.seq == inst.seq then
            f.injected_ms, f.reverted_ms, f.active = inst.injected_ms, inst.reverted_ms, inst.active
            f.reverted, f.revert_detail = inst.revert_ok, detail
          end
        end
      end
      left = rest
    end
    injected = {}
    core.shield(false)
  end

  -- the experiment itself; anything it raises still ends in revert_all
  local hold_ok = true
  local before_ok = steady("before", sc.steady_state)
  if not before_ok then
    record { type = "end", verdict = "fail" }
    R.error = "steady state does not hold before injection, so nothing was injected"
    log("%s", R.error)
    return finish("fail", 1)
  end
  -- the experiment's deadline: the scenario's timeout, else observe plus ten minutes
  core.set_deadline(args.live and ((args.limit_ms or LIVE_LIMIT_MS) + 600000) or
    sc.timeout_ms or ((sc.observe and sc.observe.duration_ms or 3000000) + 600000))
  local okx, ex = pcall(function()
    if args.live and sc.run then
      error("a scenario with its own run function cannot be played live", 0)
    elseif sc.run then
      phase = "run"
      local ctx = {
        log = function(_, ...) log(...) end,
        sleep = function(_, d)
          if not core.sleep(util.duration_ms(d, "ctx:sleep")) then error("aborted by " .. (core.aborted() or "a signal"), 0) end
        end,
        probe = function(_, p) local r = probe.eval(p, rt); event { kind = "probe", name = p.name, ok = r.ok, ms = r.ms,
          detail = r.detail }; return r end,
        hosts = function(_, t) return rt.hosts(t) end,
        -- a command on every host of a target, not journaled: for setting up and looking
        exec = function(_, t, cmd)
          local jobs = {}
          for i, h in ipairs(rt.hosts(t)) do jobs[i] = { host = h, cmd = cmd } end
          local res = ssh.exec(jobs, { timeout_ms = 60000 })
          for _, r in ipairs(res) do
            event { kind = "exec", name = cmd:sub(1, 40), host = r.host, ok = r.status == "ok" and r.exit == 0,
              ms = r.ms, detail = why(r) }
          end
          return res
        end,
        inject = function(_, f)
          local list, known = {}, false
          for _, inst in ipairs(instances) do
            if inst.fault == f then
              known = true
              if not inst.done then inst.done = true; list[#list + 1] = inst end
            end
          end
          if not known then
            error("ctx:inject: this fault is not in the scenario's faults list, so it had no preflight", 2)
          end
          if #list > 0 then inject(list) end
        end,
        revert = function() revert_all() end,
      }
      run_result = sc.run(ctx)
    else
      inject(instances)
      if args.live then live() else observe() end
      for _, e2 in ipairs(R.timeline) do
        if e2.phase == "observe" and e2.kind == "probe" and not e2.ok then hold_ok = false end
      end
    end
  end)
  core.set_deadline(nil)
  if not okx then
    ex = tostring(ex)
    if ex:match("aborted by") then aborted = ex:match("aborted by %S+")
    elseif not halted then run_error = ex end
    log("stopping: %s", ex)
  end
  local after_ok = true
  if okx then after_ok = steady("after", sc.steady_state) end
  local okr, rerr = pcall(revert_all)
  if not okr then
    run_error = run_error or ("revert: " .. tostring(rerr))
    core.shield(false)
  end
  -- steady state again, giving the service `recovery` to come back
  phase = "again"
  local again_ok, deadline = false, core.now_ms() + sc.recovery_ms
  repeat
    again_ok = steady("again", sc.steady_state)
    if again_ok or core.now_ms() >= deadline or core.aborted() then break end
    core.sleep(2000)
  until false
  if again_ok and not R.recovered_ms then R.recovered_ms = core.now_ms() - t0 end

  -- findings and the verdict
  if sc.runbook then R.runbook = sc.runbook end
  if #instances > 0 and not R.detected_ms and sc.expect ~= "hold" and sc.observe then
    R.findings[#R.findings + 1] = { kind = "not-detected",
      text = "no steady-state probe failed while the fault was on: the fault went unnoticed" }
  end
  local reverts_ok, inactive = true, {}
  for _, f in ipairs(R.faults) do
    if f.reverted == false then reverts_ok = false end
    if f.active == false then
      inactive[#inactive + 1] = f.host .. ": " .. f.label
      R.findings[#R.findings + 1] = { kind = "not-active",
        text = f.host .. ": " .. f.label .. ": its check did not see it take effect, so the experiment proves nothing" }
    end
  end
  local verdict, exit
  if aborted or halted then
    verdict, exit = "aborted", 4
    R.error = aborted or ("halted: " .. halted)
  elseif run_error then
    -- a fault that would not go on is a host or tool problem; anything else is the scenario's
    verdict, exit = "error", ((inject_failed or run_error:match("^[%w%-_]+: .*unreachable")) and 3 or 2)
    R.error = run_error
  elseif not reverts_ok then
    verdict, exit = "fail", 1
    R.error = "a revert failed or could not be verified: see findings"
  elseif #inactive > 0 then
    verdict, exit = "fail", 1
    R.error = "a fault did not take effect: " .. table.concat(inactive, ", ")
  else
    local pass
    if args.live then pass = (R.live or {}).outcome == "resolved" and again_ok
    elseif sc.run then pass = run_result ~= false and again_ok
    elseif sc.expect == "hold" then pass = hold_ok and after_ok and again_ok
    elseif sc.expect == "recover" then pass = after_ok and again_ok
    else pass = again_ok end
    verdict, exit = pass and "pass" or "fail", pass and 0 or 1
    if not pass and args.live and R.live and R.live.outcome ~= "resolved" then
      R.error = "not resolved within the limit of " .. util.fmt_ms(R.live.limit_ms)
    elseif not pass then
      R.error = not again_ok and "steady state did not come back after the faults were reverted" or
        (sc.expect == "recover" and "steady state did not recover while the fault was on" or
          "steady state did not hold while the fault was on")
    end
  end
  R.hypothesis = { expect = sc.expect, before = before_ok, during = hold_ok, after = after_ok, again = again_ok }
  record { type = "end", verdict = verdict }
  return finish(verdict, exit)
end

-- What a scenario file is, for check and list; nil, message when it is not one.
function M.describe(args)
  local sc, err = M.load(args.file)
  if not sc then return { ok = false, error = err } end
  local faults = {}
  for _, f in ipairs(sc.faults) do faults[#faults + 1] = f.kind .. " on " .. f.on end
  -- the tabletop's material, plain data: times as written and in ms
  local injects, hints, questions = {}, {}, {}
  for _, i in ipairs(sc.injects or {}) do
    injects[#injects + 1] = { at = i.at or "0s", at_ms = i.at_ms, from = i.from and tostring(i.from) or "",
      say = i.say and tostring(i.say) or "" }
  end
  for _, h in ipairs(sc.hints or {}) do
    hints[#hints + 1] = { after = h.after or "0s", after_ms = h.after_ms, cost = tonumber(h.cost) or 0,
      text = h.text and tostring(h.text) or "" }
  end
  for _, q in ipairs(type(sc.questions) == "table" and sc.questions or {}) do
    if type(q) == "table" then q = q.text or q.q or q[1] end
    if q ~= nil then questions[#questions + 1] = tostring(q) end
  end
  return { ok = true, id = sc.id, title = sc.title, tags = sc.tags or {}, topics = sc.topics or {},
    expect = sc.expect, faults = faults, runbook = sc.runbook, narrative = sc.narrative,
    injects = injects, hints = hints, questions = questions }
end

function M.catalog()
  return fault.catalog()
end

return M

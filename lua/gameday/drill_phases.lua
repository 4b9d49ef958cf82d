-- gameday.drill_phases: a drill's run, phase by phase, and its text report.
-- The pieces (picking, parts, the target's facts, the stream) are in
-- gameday.drill, passed in as P.
local core = require("gameday.core")
local util = require("gameday.util")

local M = {}
local q = core.quote
local trim, why = util.trim, util.why

local function one(ssh, pattern, what)
  local hosts, e = ssh.resolve(pattern)
  if not hosts then error(e, 0) end
  if #hosts == 0 then error(what .. ": '" .. pattern .. "' matches no host in the inventory", 0) end
  return hosts[1]
end

-- ${dir} and ${archive} are quoted values in hooks and exec probes; any other
-- ${name} is a host's address.
local function expander(ssh, rt, dir, path)
  return function(s)
    return (s:gsub("%${([%w_]+)}", function(name)
      if name == "dir" then return q(dir) end
      if name == "archive" then return q(path) end
      local hosts = rt.hosts(name)
      if not hosts or #hosts == 0 then error("no host for ${" .. name .. "}", 0) end
      return ssh.host(hosts[1]).addr
    end))
  end
end

local function hooks_of(d, rt, expand)
  local hooks = {}
  for _, k in ipairs({ "restore", "teardown" }) do
    if d[k] then
      local okx, hosts = pcall(rt.hosts, d[k].on)
      if not okx then return nil, k .. ".on: " .. tostring(hosts) end
      if #hosts == 0 then return nil, k .. ".on: '" .. d[k].on .. "' matches no host in the inventory" end
      local oke, cmd = pcall(expand, d[k].cmd)
      if not oke then return nil, k .. ".cmd: " .. tostring(cmd) end
      hooks[k] = { host = hosts[1], cmd = cmd, timeout_ms = d[k].timeout_ms }
    end
  end
  return hooks
end

local function dry_run_text(d, R, bh, th, parts, P, compress, hooks, probes, rt, rm, probe)
  local lines = { string.format("dry run of drill %s (%s): nothing was changed on any host", d.id, d.title),
    string.format("  %s: picked %s (%s, %s old)", bh, R.backup.path, R.backup.bytes and (R.backup.bytes .. " bytes") or
      "size unknown", util.fmt_ms(R.backup.age_ms)),
    "  " .. th .. ": mkdir -p -- " .. q(R.target.dir) }
  for _, p in ipairs(parts) do
    lines[#lines + 1] = "  stream: " .. bh .. ": " .. p.src_cmd .. "  -> verify" ..
      (p.manifest and (" against " .. p.manifest.name) or "") .. " -> " .. th .. ": " ..
      P.dst_cmd_of(p, R.target.dir, compress)
  end
  if hooks.restore then lines[#lines + 1] = "  restore: " .. hooks.restore.host .. ": " .. hooks.restore.cmd end
  for _, p in ipairs(probes) do lines[#lines + 1] = "  verify: " .. p.name .. ": " .. probe.describe(p, rt) end
  if hooks.teardown then lines[#lines + 1] = "  teardown: " .. hooks.teardown.host .. ": " .. hooks.teardown.cmd end
  lines[#lines + 1] = "  cleanup: " .. th .. ": " .. rm .. (d.target.clean and "" or " (clean = false: kept)")
  return table.concat(lines, "\n") .. "\n"
end

-- preflight and pick: fills R; returns the context for the rest, or nil, error, exit
local function prepare(args, R, P, ssh, log)
  local d, err = P.load(args.file, args.debug)
  if not d then return nil, err, 2 end
  R.id, R.title = d.id, d.title
  local okh, bh, th = pcall(function() return one(ssh, d.backup.on, "backup.on"), one(ssh, d.target.on, "target.on") end)
  if not okh then return nil, bh, 2 end
  local dir = d.target.dir
  R.target = { host = th, dir = dir, clean = d.target.clean }
  R.objectives = { rto_ms = d.objectives.rto_ms, rpo_ms = d.objectives.rpo_ms }
  for _, r in ipairs(ssh.exec(bh == th and { { host = bh, cmd = "true" } } or
    { { host = bh, cmd = "true" }, { host = th, cmd = "true" } }, { timeout_ms = 30000 })) do
    if r.status ~= "ok" then return nil, r.host .. ": " .. why(r), 3 end
  end
  local free = ssh.exec({ { host = th, cmd = "if [ -e " .. q(dir) .. " ] && [ -n \"$(ls -A " .. q(dir) ..
    " 2>/dev/null)\" ]; then echo 'not empty' >&2; exit 1; fi" } }, { timeout_ms = 30000 })[1]
  if free.status ~= "ok" then return nil, th .. ": " .. why(free), 3 end
  if free.exit ~= 0 then
    return nil, string.format("%s: target dir %s is not empty; a drill restores only into an empty dir", th, dir), 2
  end
  local facts, ferr = P.target_facts(ssh, th, dir)
  if not facts then return nil, ferr, 3 end
  if d.backup.kind == "archive" and not facts.have.tar then return nil, th .. ": needs tar to restore an archive", 3 end
  local compress, cerr = P.choose_compress(d.target.compress, facts, ssh.host(th).addr)
  if compress == false then return nil, th .. ": " .. cerr, 3 end

  local tpick = core.now_ms()
  local pick, perr, pexit = P.pick_backup(ssh, bh, d)
  if not pick then return nil, perr, pexit end
  local path = d.backup.dir and (d.backup.dir .. "/" .. pick.name) or pick.name
  R.backup = { host = bh, path = path, bytes = pick.bytes, mtime = pick.mtime, age_ms = pick.age_ms,
    age_from = d.backup.age_from, name_time = pick.name_time, kind = pick.is_dir and "directory" or d.backup.kind,
    source = d.backup.cmd and "command" or "file" }
  log("drill %s: backup %s:%s, %s, %s old", d.id, bh, path, pick.bytes and (pick.bytes .. " bytes") or "size unknown",
    util.fmt_ms(pick.age_ms))
  local archs
  if pick.is_dir then
    local aerr
    archs, aerr = P.archives_of(ssh, bh, d, path)
    if not archs then return nil, aerr, 1 end
  end
  local parts = P.parts_of(d, pick, path, archs)
  -- free space, before a byte is streamed
  local need, from = P.need_bytes(ssh, bh, d, pick, path, parts)
  R.target.free_bytes, R.target.need_bytes, R.target.need_from = facts.free, need, from
  R.target.compress = compress or "none"
  if need and facts.free and need > facts.free then
    return nil, string.format("%s: %s has %d bytes free, the restore needs about %d (%s): refused before streaming",
      th, dir, facts.free, need, from), 1
  end
  return { d = d, bh = bh, th = th, dir = dir, pick = pick, path = path, parts = parts, compress = compress,
    tpick = tpick }
end

local function hook(ssh, R, hk, name, shield)
  local t0 = core.now_ms()
  if shield then core.shield(true) end
  local r = ssh.exec({ { host = hk.host, cmd = hk.cmd } }, { timeout_ms = hk.timeout_ms })[1]
  if shield then core.shield(false) end
  R.phases[name .. "_ms"] = core.now_ms() - t0
  R[name] = { host = hk.host, status = r.status, exit = r.exit, signal = r.signal, ms = R.phases[name .. "_ms"],
    stdout = trim(r.stdout):sub(-2000), stderr = trim(r.stderr):sub(-2000), ok = r.status == "ok" and r.exit == 0 }
  return r
end

function M.run(args, P)
  local ssh = require("gameday.ssh")
  local journal = require("gameday.journal")
  local probe = require("gameday.probe")
  local restore = require("gameday.restore")
  local R = { run = args.run_id, verdict = "error", exit = 2, phases = {}, dry_run = args.dry_run or false,
    file = args.file }
  local t0 = core.now_ms()
  R.started = core.epoch_ms()
  local function log(fmt, ...) if not args.quiet then core.log(string.format(fmt, ...)) end end
  local function finish(verdict, exit, err)
    R.verdict, R.exit, R.passed = verdict, exit, verdict == "pass"
    if err then R.error = err; log("drill: %s", err) end
    R.duration_ms = core.now_ms() - t0
    return R
  end
  local function record(rec)
    local ok, err = journal.append(rec)
    if not ok then error("cannot write the journal: " .. err, 0) end
  end

  local C, perr, pexit = prepare(args, R, P, ssh, log)
  if not C then return finish(pexit == 3 and "error" or (pexit == 2 and "error" or "fail"), pexit, perr) end
  local d, bh, th, dir, path = C.d, C.bh, C.th, C.dir, C.path
  local rt = { hosts = function(name)
    if name == "backup" then return { bh } elseif name == "target" then return { th } end
    local hosts, e = ssh.resolve(name)
    if not hosts then error(e, 0) end
    return hosts
  end }
  local rm, check = "rm -rf -- " .. q(dir), "test -e " .. q(dir)
  local probes = {}
  for i, p in ipairs(d.verify) do
    if p.kind == "exec" then
      p = util.copy(p)
      p.cmd = p.cmd:gsub("%${(%w+)}", function(name)
        if name == "dir" then return q(dir) elseif name == "archive" then return q(path) end
      end)
    end
    probes[i] = p
  end
  local hooks, herr = hooks_of(d, rt, expander(ssh, rt, dir, path))
  if not hooks then return finish("error", 2, herr) end
  -- a killed drill's recovery runs the teardown too, on the target, before rm
  local revert = rm
  if hooks.teardown and hooks.teardown.host == th then
    revert = "( " .. hooks.teardown.cmd .. " ) </dev/null >/dev/null 2>&1; " .. rm
  end
  if args.dry_run then
    R.dry_run_text = dry_run_text(d, R, bh, th, C.parts, P, C.compress, hooks, probes, rt, rm, probe)
    return finish("dry-run", 0)
  end

  local h = ssh.host(th)
  record { type = "run", run = args.run_id, drill = d.id, file = args.file, pid = core.pid(), runner = core.hostname() }
  record { type = "intent", seq = 1, host = { name = h.name, addr = h.addr, port = h.port, user = h.user,
    key_file = h.key_file, known_hosts = h.known_hosts, become = h.become }, fault = "drill.target",
    label = "restore target " .. dir, inject = "mkdir -p -- " .. q(dir), revert = revert, check = check }
  local mkdirs = { q(dir) }
  for _, p in ipairs(C.parts) do if p.into ~= "." then mkdirs[#mkdirs + 1] = q(dir .. "/" .. p.into) end end
  local mk = ssh.exec({ { host = th, cmd = "mkdir -p -- " .. table.concat(mkdirs, " ") } }, { timeout_ms = 30000 })[1]
  local failure, exit
  local tstream = core.now_ms()
  if mk.status ~= "ok" or mk.exit ~= 0 then
    failure, exit = th .. ": mkdir " .. dir .. ": " .. why(mk), mk.status ~= "ok" and 3 or 1
  else
    local V, S
    V, S, failure, exit = P.stream_parts(restore, bh, th, C.parts, dir, C.compress, log, d.id, d.timeout_ms)
    record { type = "injected", seq = 1, ok = failure == nil }
    R.phases.stream_ms = core.now_ms() - tstream
    R.verify, R.stream = V, S
    S.compress = C.compress or "none"
    log("drill %s: %d entries, %d bytes verified in %s; %d bytes to the target%s", d.id, V.entries, V.bytes,
      util.fmt_ms(R.phases.stream_ms), S.bytes_out, failure and (": " .. failure) or "")
  end

  -- the restore hook, on the extracted archive: part of the RTO
  if hooks.restore and not failure then
    log("drill %s: restore hook on %s", d.id, hooks.restore.host)
    local r = hook(ssh, R, hooks.restore, "restore")
    if tostring(r.error):match("aborted by") then
      failure, exit = "restore hook: " .. r.error, 4
    elseif not R.restore.ok then
      failure, exit = hooks.restore.host .. ": the restore hook failed: " .. why(r), 1
    end
    log("drill %s: restore hook %s in %s", d.id, R.restore.ok and "ok" or "FAILED", util.fmt_ms(R.phases.restore_ms))
  end

  local tprobe = core.now_ms()
  R.probes = {}
  if not failure then
    for _, p in ipairs(probes) do
      local r = probe.eval(p, rt)
      R.probes[#R.probes + 1] = r
      log("drill %s: verify %s: %s %s", d.id, p.name, r.ok and "ok" or "FAILED", r.detail)
      if not r.ok and not failure then failure, exit = "verify probe '" .. p.name .. "' failed: " .. r.detail, 1 end
    end
  end
  R.phases.probes_ms = core.now_ms() - tprobe
  R.rto_ms = core.now_ms() - C.tpick

  if hooks.teardown then
    local r = hook(ssh, R, hooks.teardown, "teardown", true)
    log("drill %s: teardown %s", d.id, R.teardown.ok and "ok" or ("FAILED: " .. why(r)))
    if not R.teardown.ok and not failure then failure, exit = hooks.teardown.host .. ": the teardown hook failed: " .. why(r), 1 end
  end

  -- cleanup: the journaled revert; a kept target closes its intent as kept
  local tclean = core.now_ms()
  if d.target.clean or failure then
    core.shield(true)
    local rr = ssh.exec({ { host = th, cmd = rm } }, { timeout_ms = 120000 })[1]
    local cr = ssh.exec({ { host = th, cmd = check } }, { timeout_ms = 30000 })[1]
    local good = rr.status == "ok" and rr.exit == 0
    local gone = cr.status == "ok" and cr.exit ~= nil and cr.exit ~= 0
    record { type = "reverted", seq = 1, ok = good, verified = good and gone, by = "run",
      error = (not (good and gone)) and why(rr) or nil }
    core.shield(false)
    R.target.cleaned = good and gone
    if not (good and gone) and not failure then failure, exit = th .. ": cleanup of " .. dir .. ": " .. why(rr), 1 end
  else
    -- closed, not reverted: recover must leave what the plan keeps
    record { type = "reverted", seq = 1, ok = true, verified = true, by = "run", kept = true }
    R.target.cleaned, R.target.kept = false, true
    log("drill %s: %s:%s kept (clean = false); remove it yourself: ssh %s rm -rf -- %s", d.id, th, dir, th, q(dir))
  end
  R.phases.cleanup_ms = core.now_ms() - tclean

  local o = R.objectives
  o.rpo_met = o.rpo_ms == nil or C.pick.age_ms <= o.rpo_ms
  o.rto_met = o.rto_ms == nil or R.rto_ms <= o.rto_ms
  if not failure and not o.rpo_met then
    failure, exit = string.format("RPO missed: the backup is %s old, the objective %s", util.fmt_ms(C.pick.age_ms), util.fmt_ms(o.rpo_ms)), 1
  end
  if not failure and not o.rto_met then
    failure, exit = string.format("RTO missed: the restore took %s, the objective %s", util.fmt_ms(R.rto_ms), util.fmt_ms(o.rto_ms)), 1
  end
  record { type = "end", verdict = failure and "fail" or "pass" }
  if failure then return finish(exit == 3 and "error" or (exit == 4 and "aborted" or "fail"), exit, failure) end
  return finish("pass", 0)
end

-- The text report of a result of run.
function M.text(R)
  if R.dry_run_text then return R.dry_run_text end
  local out = {}
  local function say(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  say("drill %s: %s", tostring(R.id or "?"), R.verdict == "pass" and "PASS" or (string.upper(R.verdict or "error") ..
    " (not passed)"))
  if R.title then say("  %s", R.title) end
  if R.backup then
    say("  backup:  %s:%s, %s, %s old (RPO)", R.backup.host, R.backup.path,
      R.backup.bytes and (R.backup.bytes .. " bytes") or "size unknown", util.fmt_ms(R.backup.age_ms))
  end
  if R.verify then
    local v = R.verify
    say("  verify:  %d entries, %d files, %d bytes hashed; %s", v.entries, v.files, v.bytes,
      v.manifest and string.format("%d missing, %d extra, %d mismatched", #v.missing, #v.extra, #v.mismatched)
      or "no manifest")
  end
  if R.stream then
    for _, p in ipairs(R.stream.parts or {}) do
      say("  part:    %s -> %s: %d entries%s%s", p.name, p.into, p.entries, p.sha256 and (", sha256 " .. p.sha256) or "",
        p.manifest and (", checked against " .. p.manifest) or "")
    end
    say("  wire:    %d bytes read from the backup host, %d sent to the target (%s)", R.stream.bytes_in,
      R.stream.bytes_out, R.stream.compress == "none" and "not compressed" or R.stream.compress)
  end
  if R.target then
    say("  target:  %s:%s%s", R.target.host, R.target.dir, R.target.cleaned and " (cleaned)" or
      R.target.kept and " (KEPT: clean = false; remove it when done)" or "")
  end
  if R.restore then
    say("  restore: %s: %s in %s", R.restore.host, R.restore.ok and "ok" or "FAILED", util.fmt_ms(R.restore.ms or 0))
  end
  if R.teardown then say("  teardown: %s: %s", R.teardown.host, R.teardown.ok and "ok" or "FAILED") end
  for _, p in ipairs(R.probes or {}) do say("  probe:   %s: %s %s", p.name, p.ok and "ok" or "FAILED", p.detail or "") end
  local ph = R.phases or {}
  if ph.stream_ms then
    say("  phases:  stream %s%s, probes %s%s, cleanup %s", util.fmt_ms(ph.stream_ms),
      ph.restore_ms and (", restore " .. util.fmt_ms(ph.restore_ms)) or "", util.fmt_ms(ph.probes_ms or 0),
      ph.teardown_ms and (", teardown " .. util.fmt_ms(ph.teardown_ms)) or "", util.fmt_ms(ph.cleanup_ms or 0))
  end
  if R.rto_ms then say("  %s %s", R.passed and "RTO:    " or "elapsed:", util.fmt_ms(R.rto_ms)) end
  local o = R.objectives
  if o and (o.rto_ms or o.rpo_ms) and o.rto_met ~= nil then
    say("  objectives: RTO %s %s, RPO %s %s", o.rto_ms and util.fmt_ms(o.rto_ms) or "-", o.rto_met and "met" or "MISSED",
      o.rpo_ms and util.fmt_ms(o.rpo_ms) or "-", o.rpo_met and "met" or "MISSED")
  end
  if R.error then say("  error:   %s", R.error) end
  return table.concat(out, "\n") .. "\n"
end

return M

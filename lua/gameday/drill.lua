-- gameday.drill: a R.A.D. restore drill, always in this order:
--   pick the backup (newest by mtime, or by name) -> fetch its manifest
--   -> journal the target's cleanup -> stream (fetch + verify + extract at once)
--   -> the restore hook (e.g. pg_restore into a scratch server) -> verify probes
--   -> the teardown hook (e.g. stop that server) -> clean the target
--   -> verdict against the objectives.
-- Hooks: restore = { on = "target", cmd = "...", timeout = "10m" },
--        teardown = { on = "target", cmd = "...", timeout = "2m" }.
-- In their cmds (and nowhere else) ${dir} is the target dir and ${archive} the
-- picked backup's path, both shell-quoted (in exec probes' cmds too); ${target}, ${backup} or a host
-- pattern is that host's address, like in probes.
-- backup.age_from = "mtime" (default) or "name" with name_time = "%Y%m%d-%H%M%S"
-- (UTC; %Y %m %d %H %M %S): the RPO is measured from the time in the file name.
-- The target dir's removal is journaled before it is made, so `gameday recover`
-- cleans up after a killed drill.
local core = require("gameday.core")
local util = require("gameday.util")

local M = {}
local q = core.quote

local FIELDS = { "id", "title", "backup", "target", "verify", "objectives", "timeout", "restore", "teardown" }

-- An absolute dir deep enough that rm -rf of it is never a disaster.
local function safe_dir(d)
  if type(d) ~= "string" or not d:match("^/[%w%._%-/]+$") or d:find("/%.%.?/") or d:find("/%.%.?$")
    or d:find("//") then
    return false
  end
  local depth = 0
  for _ in d:gmatch("[^/]+") do depth = depth + 1 end
  return depth >= 2
end

local function validate(t)
  if type(t) ~= "table" then error("gameday.drill takes a table: gameday.drill { id = ..., ... }", 0) end
  util.only(t, FIELDS, "drill")
  util.check(t, "id", "string", true, "drill")
  if not t.id:match("^[%w][%w%-_%.]*$") then
    error("drill: 'id' may hold letters, digits, '-', '_' and '.', like \"rad-orders\"", 0)
  end
  util.check(t, "title", "string", true, "drill")
  util.check(t, "backup", "table", true, "drill")
  util.check(t, "target", "table", true, "drill")
  local b, tg = t.backup, t.target
  util.only(b, { "on", "glob", "pick", "name", "manifest", "age_from", "name_time" }, "drill.backup")
  util.check(b, "on", "string", true, "drill.backup")
  util.check(b, "glob", "string", true, "drill.backup")
  b.pick = b.pick or "newest"
  if b.pick ~= "newest" and b.pick ~= "name" then error("drill.backup: 'pick' must be \"newest\" or \"name\"", 0) end
  if b.pick == "name" then util.check(b, "name", "string", true, "drill.backup") end
  local dir, pat = b.glob:match("^(/.*)/([^/]+)$")
  if not dir or dir:find("[%*%?%[%]]") or not dir:match("^/[%w%._%-/]*$") then
    error("drill.backup: 'glob' must be an absolute path with wildcards only in its file name, " ..
      "like \"/srv/backups/*.tar.gz\"", 0)
  end
  if not pat:match("^[%w%._%-%*%?%[%]]+$") then
    error("drill.backup: the file name of 'glob' may hold letters, digits, '.', '_', '-' and * ? [ ]", 0)
  end
  b.dir, b.pattern = dir, pat
  b.age_from = b.age_from or "mtime"
  if b.age_from ~= "mtime" and b.age_from ~= "name" then
    error("drill.backup: 'age_from' must be \"mtime\" or \"name\"", 0)
  end
  if b.age_from == "name" then
    util.check(b, "name_time", "string", true, "drill.backup")
    b.name_re, b.name_fields = M.time_pattern(b.name_time)
  elseif b.name_time ~= nil then
    error("drill.backup: 'name_time' goes with age_from = \"name\"", 0)
  end
  if b.manifest ~= nil then
    util.check(b, "manifest", "string", false, "drill.backup")
    if b.manifest:find("/") or b.manifest:find("^%.") then
      error("drill.backup: 'manifest' is a file name in the archive's dir, like \"SHA256SUMS\"", 0)
    end
  end
  util.only(tg, { "on", "dir", "clean" }, "drill.target")
  util.check(tg, "on", "string", true, "drill.target")
  util.check(tg, "dir", "string", true, "drill.target")
  if not safe_dir(tg.dir) then
    error("drill.target: 'dir' must be an absolute, plain path at least two levels deep, like \"/srv/restore\"", 0)
  end
  if tg.clean == nil then tg.clean = true end
  for _, k in ipairs({ "restore", "teardown" }) do
    local hk = t[k]
    if hk ~= nil then
      local what = "drill." .. k
      if type(hk) == "string" then hk = { cmd = hk }; t[k] = hk end
      if type(hk) ~= "table" then error(what .. " takes a table: { on = \"target\", cmd = \"...\" }", 0) end
      util.only(hk, { "on", "cmd", "timeout" }, what)
      hk.on = hk.on or "target"
      util.check(hk, "on", "string", true, what)
      util.check(hk, "cmd", "string", true, what)
      hk.timeout_ms = util.duration_ms(hk.timeout or (k == "restore" and "10m" or "2m"), what .. " timeout")
    end
  end
  t.verify = t.verify or {}
  for i, p in ipairs(t.verify) do
    if type(p) ~= "table" or not p.__probe then error("drill: verify[" .. i .. "] must be a probe", 0) end
  end
  t.objectives = t.objectives or {}
  util.only(t.objectives, { "rto", "rpo" }, "drill.objectives")
  t.objectives.rto_ms = t.objectives.rto and util.duration_ms(t.objectives.rto, "objectives.rto") or nil
  t.objectives.rpo_ms = t.objectives.rpo and util.duration_ms(t.objectives.rpo, "objectives.rpo") or nil
  t.timeout_ms = util.duration_ms(t.timeout or "2h", "timeout")
  t.__drill = true
  return t
end

-- A strftime-like pattern (%Y %m %d %H %M %S, other characters literal) as a
-- Lua pattern with one capture per field, and the fields' names in order.
function M.time_pattern(fmt)
  local re, fields, i = {}, {}, 1
  local widths = { Y = 4, m = 2, d = 2, H = 2, M = 2, S = 2 }
  while i <= #fmt do
    local c = fmt:sub(i, i)
    if c == "%" then
      local f = fmt:sub(i + 1, i + 1)
      if f == "%" then re[#re + 1] = "%%"
      elseif widths[f] then
        re[#re + 1] = "(" .. string.rep("%d", widths[f]) .. ")"; fields[#fields + 1] = f
      else
        error("drill.backup: 'name_time' knows %Y %m %d %H %M %S, not %" .. f, 0)
      end
      i = i + 2
    else
      re[#re + 1] = c:match("%w") and c or ("%" .. c)
      i = i + 1
    end
  end
  local have = {}
  for _, f in ipairs(fields) do have[f] = true end
  if not (have.Y and have.m and have.d) then
    error("drill.backup: 'name_time' needs at least %Y, %m and %d, like \"%Y%m%d-%H%M%S\"", 0)
  end
  return table.concat(re), fields
end

-- The UTC epoch seconds of the time in name, or nil.
function M.name_epoch(name, re, fields)
  local caps = { name:match(re) }
  if #caps ~= #fields then return nil end
  local v = { Y = 1970, m = 1, d = 1, H = 0, M = 0, S = 0 }
  for i, f in ipairs(fields) do v[f] = tonumber(caps[i]) end
  if v.m < 1 or v.m > 12 or v.d < 1 or v.d > 31 or v.H > 23 or v.M > 59 or v.S > 60 then return nil end
  -- days from civil (Howard Hinnant)
  local y = v.m <= 2 and v.Y - 1 or v.Y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local mp = (v.m + 9) % 12
  local doy = (153 * mp + 2) // 5 + v.d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  local days = era * 146097 + doe - 719468
  return days * 86400 + v.H * 3600 + v.M * 60 + v.S
end

function M.drill(t)
  local ok, r = pcall(validate, t)
  if not ok then error(r, 2) end
  return r
end

function M.load(file)
  return require("gameday").load(file, "drill")
end

local trim, why = util.trim, util.why

function M.run(args)
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
    R.verdict, R.exit = verdict, exit
    if err then R.error = err; log("drill: %s", err) end
    R.duration_ms = core.now_ms() - t0
    return R
  end
  local function record(rec)
    local ok, err = journal.append(rec)
    if not ok then error("cannot write the journal: " .. err, 0) end
  end

  local d, err = M.load(args.file)
  if not d then return finish("error", 2, err) end
  R.id, R.title = d.id, d.title
  local function one(pattern, what)
    local hosts, e = ssh.resolve(pattern)
    if not hosts then error(e, 0) end
    if #hosts == 0 then error(what .. ": '" .. pattern .. "' matches no host in the inventory", 0) end
    return hosts[1]
  end
  local okh, bh, th = pcall(function() return one(d.backup.on, "backup.on"), one(d.target.on, "target.on") end)
  if not okh then return finish("error", 2, bh) end
  local rt = { hosts = function(name)
    if name == "backup" then return { bh } elseif name == "target" then return { th } end
    local hosts, e = ssh.resolve(name)
    if not hosts then error(e, 0) end
    return hosts
  end }
  local dir = d.target.dir
  R.target = { host = th, dir = dir, clean = d.target.clean }
  R.objectives = { rto_ms = d.objectives.rto_ms, rpo_ms = d.objectives.rpo_ms }

  -- preflight: both hosts answer, the target dir is free
  for _, r in ipairs(ssh.exec(bh == th and { { host = bh, cmd = "true" } } or
    { { host = bh, cmd = "true" }, { host = th, cmd = "true" } }, { timeout_ms = 30000 })) do
    if r.status ~= "ok" then return finish("error", 3, r.host .. ": " .. why(r)) end
  end
  local free = ssh.exec({ { host = th, cmd = "if [ -e " .. q(dir) .. " ] && [ -n \"$(ls -A " .. q(dir) ..
    " 2>/dev/null)\" ]; then echo 'not empty' >&2; exit 1; fi; command -v tar >/dev/null || " ..
    "{ echo 'needs tar' >&2; exit 3; }" } }, { timeout_ms = 30000 })[1]
  if free.status ~= "ok" then return finish("error", 3, th .. ": " .. why(free)) end
  if free.exit ~= 0 then
    return finish("error", 2, string.format("%s: target dir %s %s; a drill restores only into an empty dir",
      th, dir, free.exit == 1 and "is not empty" or why(free)))
  end

  -- pick the backup: by mtime, as the host's own clock sees it
  local tpick = core.now_ms()
  local list = ssh.exec({ { host = bh, cmd = "cd " .. q(d.backup.dir) .. " || exit 3; date +%s; " ..
    "ls -1t -- " .. d.backup.pattern .. " 2>/dev/null | while IFS= read -r f; do " ..
    "[ -f \"$f\" ] && [ ! -L \"$f\" ] && stat -c '%Y %s %n' -- \"$f\"; done; true" } }, { timeout_ms = 30000 })[1]
  if list.status ~= "ok" then return finish("error", 3, bh .. ": " .. why(list)) end
  if list.exit ~= 0 then return finish("fail", 1, bh .. ": cannot list " .. d.backup.dir .. ": " .. why(list)) end
  local now_s, cands = nil, {}
  for line in list.stdout:gmatch("[^\n]+") do
    if not now_s then now_s = tonumber(line)
    else
      local mt, size, name = line:match("^(%d+) (%d+) (.+)$")
      if mt and not name:find("[%c/]") then cands[#cands + 1] = { mtime = tonumber(mt), bytes = tonumber(size), name = name } end
    end
  end
  if d.backup.age_from == "name" then
    local named = {}
    for _, c in ipairs(cands) do
      c.name_time = M.name_epoch(c.name, d.backup.name_re, d.backup.name_fields)
      if c.name_time then named[#named + 1] = c end
    end
    cands = named
    table.sort(cands, function(a, b2) return a.name_time > b2.name_time or (a.name_time == b2.name_time and a.name > b2.name) end)
  else
    table.sort(cands, function(a, b2) return a.mtime > b2.mtime or (a.mtime == b2.mtime and a.name > b2.name) end)
  end
  local pick
  if d.backup.pick == "name" then
    for _, c in ipairs(cands) do if c.name == d.backup.name then pick = c end end
  else
    pick = cands[1]
  end
  if not pick then
    return finish("fail", 1, string.format("%s: no backup matches %s%s%s", bh, d.backup.glob,
      d.backup.pick == "name" and (" named " .. d.backup.name) or "",
      d.backup.age_from == "name" and (" with a time like " .. d.backup.name_time .. " in its name") or ""))
  end
  local path = d.backup.dir .. "/" .. pick.name
  local born = d.backup.age_from == "name" and pick.name_time or pick.mtime
  local age_ms = math.max(0, ((now_s or born) - born) * 1000)
  R.backup = { host = bh, path = path, bytes = pick.bytes, mtime = pick.mtime, age_ms = age_ms,
    age_from = d.backup.age_from, name_time = pick.name_time }
  log("drill %s: backup %s:%s, %d bytes, %s old", d.id, bh, path, pick.bytes, util.fmt_ms(age_ms))

  local mtext
  if d.backup.manifest then
    local mp = d.backup.dir .. "/" .. d.backup.manifest
    local r = ssh.exec({ { host = bh, cmd = "cat -- " .. q(mp) } }, { timeout_ms = 30000 })[1]
    if r.status ~= "ok" then return finish("error", 3, bh .. ": " .. why(r)) end
    if r.exit ~= 0 then return finish("fail", 1, bh .. ": cannot read the manifest " .. mp .. ": " .. why(r)) end
    mtext = r.stdout
    R.backup.manifest = mp
  end

  local src_cmd = "cat -- " .. q(path)
  local dst_cmd = "tar -x -f - -C " .. q(dir) .. " --no-same-owner --no-same-permissions"
  local rm = "rm -rf -- " .. q(dir)
  local check = "test -e " .. q(dir)
  -- ${dir} and ${archive} are quoted values; any other ${name} a host's address
  local function expand(s)
    return (s:gsub("%${([%w_]+)}", function(name)
      if name == "dir" then return q(dir) end
      if name == "archive" then return q(path) end
      local hosts = rt.hosts(name)
      if not hosts or #hosts == 0 then error("no host for ${" .. name .. "}", 0) end
      return ssh.host(hosts[1]).addr
    end))
  end
  -- probes see ${dir} and ${archive} too; probe.eval expands the rest
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
  local hooks = {}
  for _, k in ipairs({ "restore", "teardown" }) do
    if d[k] then
      local okx, hosts = pcall(rt.hosts, d[k].on)
      if not okx then return finish("error", 2, k .. ".on: " .. tostring(hosts)) end
      if #hosts == 0 then return finish("error", 2, k .. ".on: '" .. d[k].on .. "' matches no host in the inventory") end
      local oke, cmd = pcall(expand, d[k].cmd)
      if not oke then return finish("error", 2, k .. ".cmd: " .. tostring(cmd)) end
      hooks[k] = { host = hosts[1], cmd = cmd, timeout_ms = d[k].timeout_ms }
    end
  end
  -- a killed drill's recovery runs the teardown too, on the target, before rm
  local revert = rm
  if hooks.teardown and hooks.teardown.host == th then
    revert = "( " .. hooks.teardown.cmd .. " ) </dev/null >/dev/null 2>&1; " .. rm
  end
  if args.dry_run then
    local lines = { string.format("dry run of drill %s (%s): nothing was changed on any host", d.id, d.title),
      "  " .. bh .. ": picked " .. path .. " (" .. pick.bytes .. " bytes, " .. util.fmt_ms(age_ms) .. " old)",
      "  " .. th .. ": mkdir -p -- " .. q(dir),
      "  stream: " .. bh .. ": " .. src_cmd .. "  -> verify -> " .. th .. ": " .. dst_cmd }
    if hooks.restore then lines[#lines + 1] = "  restore: " .. hooks.restore.host .. ": " .. hooks.restore.cmd end
    for _, p in ipairs(probes) do lines[#lines + 1] = "  verify: " .. p.name .. ": " .. probe.describe(p, rt) end
    if hooks.teardown then lines[#lines + 1] = "  teardown: " .. hooks.teardown.host .. ": " .. hooks.teardown.cmd end
    lines[#lines + 1] = "  cleanup: " .. th .. ": " .. rm .. (d.target.clean and "" or " (clean = false: kept)")
    R.dry_run_text = table.concat(lines, "\n") .. "\n"
    return finish("dry-run", 0)
  end

  local h = ssh.host(th)
  record { type = "run", run = args.run_id, drill = d.id, file = args.file, pid = core.pid(), runner = core.hostname() }
  record { type = "intent", seq = 1, host = { name = h.name, addr = h.addr, port = h.port, user = h.user,
    key_file = h.key_file, known_hosts = h.known_hosts, become = h.become }, fault = "drill.target",
    label = "restore target " .. dir, inject = "mkdir -p -- " .. q(dir), revert = revert, check = check }
  local mk = ssh.exec({ { host = th, cmd = "mkdir -p -- " .. q(dir) } }, { timeout_ms = 30000 })[1]
  local failure, exit
  local tstream = core.now_ms()
  if mk.status ~= "ok" or mk.exit ~= 0 then
    failure, exit = th .. ": mkdir " .. dir .. ": " .. why(mk), mk.status ~= "ok" and 3 or 1
  else
    log("drill %s: streaming %s:%s -> verify -> %s:%s", d.id, bh, path, th, dir)
    local s = restore.stream { src = bh, src_cmd = src_cmd, dst = th, dst_cmd = dst_cmd, name = pick.name,
      manifest = mtext, timeout_ms = 120000 }
    record { type = "injected", seq = 1, ok = s.ok and s.dst_exit == 0 }
    R.phases.stream_ms = core.now_ms() - tstream
    R.verify = { entries = s.entries, files = s.files, bytes = s.bytes, archive_bytes = s.archive_bytes,
      missing = s.missing, extra = s.extra, mismatched = s.mismatched, refused = s.refused,
      verified = s.verified, manifest = s.manifest, whole = s.whole }
    R.stream = { bytes_in = s.bytes_in, bytes_out = s.bytes_out, src_exit = s.src_exit, dst_exit = s.dst_exit,
      dst_stderr = trim(s.dst_stderr), src_stderr = trim(s.src_stderr) }
    if s.src_status ~= "ok" or s.dst_status ~= "ok" then
      failure, exit = (s.src_status ~= "ok" and bh or th) .. ": " .. (s.error or "unreachable"), 3
    elseif not s.ok then
      failure, exit = s.error or "the stream failed", (s.refused or s.entries == 0) and 2 or 1
      if tostring(s.error):match("aborted by") then exit = 4 end
    elseif not s.verified and s.manifest then
      failure, exit = string.format("%s does not match its manifest: %d missing, %d extra, %d mismatched%s",
        pick.name, #s.missing, #s.extra, #s.mismatched, s.mismatched[1] and (" (first: " .. s.mismatched[1] .. ")") or ""), 1
    elseif s.entries == 0 then
      failure, exit = pick.name .. ": the archive is empty", 1
    elseif s.src_exit ~= 0 then
      failure, exit = bh .. ": " .. src_cmd .. " exited " .. s.src_exit .. ": " .. trim(s.src_stderr), 1
    elseif s.dst_exit ~= 0 then
      failure, exit = th .. ": tar exited " .. s.dst_exit .. ": " .. trim(s.dst_stderr), 1
    end
    log("drill %s: %d entries, %d bytes verified in %s%s", d.id, s.entries, s.bytes, util.fmt_ms(R.phases.stream_ms),
      failure and (": " .. failure) or "")
  end

  -- the restore hook, on the extracted archive: part of the RTO
  if hooks.restore and not failure then
    local hk = hooks.restore
    local trest = core.now_ms()
    log("drill %s: restore hook on %s", d.id, hk.host)
    local r = ssh.exec({ { host = hk.host, cmd = hk.cmd } }, { timeout_ms = hk.timeout_ms })[1]
    R.phases.restore_ms = core.now_ms() - trest
    R.restore = { host = hk.host, status = r.status, exit = r.exit, signal = r.signal, ms = R.phases.restore_ms,
      stdout = trim(r.stdout):sub(-2000), stderr = trim(r.stderr):sub(-2000) }
    R.restore.ok = r.status == "ok" and r.exit == 0
    if tostring(r.error):match("aborted by") then
      failure, exit = "restore hook: " .. r.error, 4
    elseif not R.restore.ok then
      failure, exit = hk.host .. ": the restore hook failed: " .. why(r), 1
    end
    log("drill %s: restore hook %s in %s", d.id, R.restore.ok and "ok" or "FAILED", util.fmt_ms(R.phases.restore_ms))
  end

  -- verify probes on the restored data
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
  R.rto_ms = core.now_ms() - tpick

  -- teardown: always, once the target was made, before the cleanup
  if hooks.teardown then
    local hk = hooks.teardown
    local tdown = core.now_ms()
    core.shield(true)
    local r = ssh.exec({ { host = hk.host, cmd = hk.cmd } }, { timeout_ms = hk.timeout_ms })[1]
    core.shield(false)
    R.phases.teardown_ms = core.now_ms() - tdown
    R.teardown = { host = hk.host, status = r.status, exit = r.exit, ok = r.status == "ok" and r.exit == 0,
      ms = R.phases.teardown_ms, stderr = trim(r.stderr):sub(-2000) }
    log("drill %s: teardown %s", d.id, R.teardown.ok and "ok" or ("FAILED: " .. why(r)))
    if not R.teardown.ok and not failure then failure, exit = hk.host .. ": the teardown hook failed: " .. why(r), 1 end
  end

  -- cleanup: the journaled revert
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
    record { type = "reverted", seq = 1, ok = true, verified = false, by = "run", kept = true }
    R.target.cleaned = false
  end
  R.phases.cleanup_ms = core.now_ms() - tclean

  local o = R.objectives
  o.rpo_met = o.rpo_ms == nil or age_ms <= o.rpo_ms
  o.rto_met = o.rto_ms == nil or R.rto_ms <= o.rto_ms
  if not failure and not o.rpo_met then
    failure, exit = string.format("RPO missed: the backup is %s old, the objective %s", util.fmt_ms(age_ms), util.fmt_ms(o.rpo_ms)), 1
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
  say("drill %s: %s", tostring(R.id or "?"), string.upper(R.verdict or "error"))
  if R.title then say("  %s", R.title) end
  if R.backup then
    say("  backup:  %s:%s, %d bytes, %s old (RPO)", R.backup.host, R.backup.path, R.backup.bytes, util.fmt_ms(R.backup.age_ms))
  end
  if R.verify then
    local v = R.verify
    say("  verify:  %d entries, %d files, %d bytes hashed; %s", v.entries, v.files, v.bytes,
      v.manifest and string.format("%d missing, %d extra, %d mismatched", #v.missing, #v.extra, #v.mismatched)
      or "no manifest")
  end
  if R.target then say("  target:  %s:%s%s", R.target.host, R.target.dir, R.target.cleaned and " (cleaned)" or "") end
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
  if R.rto_ms then say("  RTO:     %s", util.fmt_ms(R.rto_ms)) end
  local o = R.objectives
  if o and (o.rto_ms or o.rpo_ms) and o.rto_met ~= nil then
    say("  objectives: RTO %s %s, RPO %s %s", o.rto_ms and util.fmt_ms(o.rto_ms) or "-", o.rto_met and "met" or "MISSED",
      o.rpo_ms and util.fmt_ms(o.rpo_ms) or "-", o.rpo_met and "met" or "MISSED")
  end
  if R.error then say("  error:   %s", R.error) end
  return table.concat(out, "\n") .. "\n"
end

return M

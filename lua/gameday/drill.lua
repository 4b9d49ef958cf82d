-- gameday.drill: a R.A.D. restore drill, always in this order:
--   preflight (both hosts, the target dir empty, its tools and free space)
--   -> pick the backup (newest by mtime, by name, or from the plan's list command)
--   -> journal the target's cleanup -> stream each part (fetch its manifest, then
--   fetch + verify + extract at once) -> the restore hook (e.g. pg_restore into a
--   scratch server) -> verify probes -> the teardown hook -> clean the target
--   (unless clean = false) -> verdict against the objectives.
-- The plan's fields are in gameday.drill_plan. Hooks: restore = { on = "target",
-- cmd = "...", timeout = "10m" }, teardown = { on = "target", cmd = "...",
-- timeout = "2m" }. In their cmds and in exec probes' cmds ${dir} is the target
-- dir and ${archive} the picked backup's path (or name), both shell-quoted;
-- ${target}, ${backup} or a host pattern is that host's address, as in probes.
-- The target dir's removal is journaled before it is made, so `gameday recover`
-- cleans up after a killed drill.
local core = require("gameday.core")
local util = require("gameday.util")
local plan = require("gameday.drill_plan")

local M = {}
local q = core.quote
local trim, why = util.trim, util.why

M.time_pattern, M.name_epoch = plan.time_pattern, plan.name_epoch

function M.drill(t)
  local ok, r = pcall(plan.validate, t)
  if not ok then error(r, 2) end
  return r
end

function M.load(file, debug)
  local d, err = require("gameday").load(file, "drill")
  if not d then return nil, plan.locate(file, err, debug) end
  return d
end

-- For gameday check: { ok, id, title } or { ok = false, error, not_drill }.
function M.describe(args)
  local d, err = M.load(args.file)
  if d then return { ok = true, id = d.id, title = d.title, kind = "drill" } end
  return { ok = false, error = err, not_drill = tostring(err):find("must return gameday%.drill") ~= nil }
end

-- ${name} in a manifest's file name is the picked backup's name.
local function subst_name(s, name) return (s:gsub("%${name}", function() return name end)) end

-- The parts of the picked backup, each streamed on its own: { label, src_cmd,
-- into (relative to the target dir), raw, manifest = { cmd, name, format } }.
local function parts_of(d, pick, path, arch_names)
  local b, parts = d.backup, {}
  local function manifest(m, base_dir, name)
    if not m then return nil end
    if m.cmd then return { cmd = m.cmd, name = m.cmd, format = m.format } end
    local f = subst_name(m.file, name)
    local mp = f:match("^/") and f or (base_dir .. "/" .. f)
    return { cmd = "cat -- " .. q(mp), name = mp, format = m.format }
  end
  local function expand_src(cmd)
    return (cmd:gsub("%${(%w+)}", function(k)
      if k == "name" then return q(pick.name) elseif k == "path" then return q(path)
      elseif k == "dir" then return q(b.dir or "/") end
    end))
  end
  if pick.is_dir then
    for _, a in ipairs(arch_names) do
      parts[#parts + 1] = { label = pick.name .. "/" .. a.file, name = a.file, src_cmd = "cat -- " .. q(path .. "/" .. a.file),
        into = a.into or ".", raw = a.kind == "file", manifest = manifest(a.manifest or b.manifest, path, a.file),
        zip_path = a.kind ~= "file" and a.file:match("%.zip$") and (path .. "/" .. a.file) or nil }
    end
  else
    parts[1] = { label = pick.name, name = pick.name,
      src_cmd = b.cmd and expand_src(b.cmd) or ("cat -- " .. q(path)),
      into = ".", raw = b.kind == "file", manifest = manifest(b.manifest, b.dir or "/", pick.name),
      -- a zip file's central directory is read first, so that its symlinks are restored as symlinks
      zip_path = not b.cmd and b.kind == "archive" and pick.name:match("%.zip$") and path or nil }
  end
  return parts
end

-- Candidates by a glob of files or directories, as the host's clock sees them.
local function list_glob(ssh, bh, b)
  local cmd = "cd " .. q(b.dir) .. " || exit 3; date +%s; ls -1td -- " .. b.pattern .. " 2>/dev/null | " ..
    "while IFS= read -r f; do if [ -f \"$f\" ] && [ ! -L \"$f\" ]; then stat -c 'f %Y %s %n' -- \"$f\"; " ..
    "elif [ -d \"$f\" ] && [ ! -L \"$f\" ]; then echo \"d $(stat -c %Y -- \"$f\") $(du -sb -- \"$f\" | cut -f1) $f\"; " ..
    "fi; done; true"
  local r = ssh.exec({ { host = bh, cmd = cmd } }, { timeout_ms = 30000 })[1]
  if r.status ~= "ok" then return nil, bh .. ": " .. why(r), 3 end
  if r.exit ~= 0 then return nil, bh .. ": cannot list " .. b.dir .. ": " .. why(r), 1 end
  local now_s, cands = nil, {}
  for line in r.stdout:gmatch("[^\n]+") do
    if not now_s then now_s = tonumber(line)
    else
      local kind, mt, size, name = line:match("^([fd]) (%d+) (%d+) (.+)$")
      if kind and not name:find("[%c/]") then
        cands[#cands + 1] = { mtime = tonumber(mt), bytes = tonumber(size), name = name, is_dir = kind == "d" }
      end
    end
  end
  return cands, now_s
end

-- Candidates from the plan's list command: "EPOCH NAME" lines.
local function list_cmd(ssh, bh, b)
  local r = ssh.exec({ { host = bh, cmd = "date +%s; " .. b.list } }, { timeout_ms = 120000 })[1]
  if r.status ~= "ok" then return nil, bh .. ": " .. why(r), 3 end
  if r.exit ~= 0 then return nil, bh .. ": the list command failed: " .. why(r), 1 end
  local now_s, cands, n = nil, {}, 0
  for line in r.stdout:gmatch("[^\n]+") do
    n = n + 1
    if not now_s then now_s = tonumber(line)
    else
      local mt, name = line:match("^%s*(%d+)%s+(%S.-)%s*$")
      if not mt or name:find("%c") then
        return nil, string.format("%s: the list command's line %d is not \"EPOCH NAME\": %s", bh, n - 1, line:sub(1, 200)), 2
      end
      cands[#cands + 1] = { mtime = tonumber(mt), name = name }
    end
  end
  return cands, now_s
end

local function pick_backup(ssh, bh, d)
  local b = d.backup
  local cands, now_s, ex = (b.list and list_cmd or list_glob)(ssh, bh, b)
  if not cands then return nil, now_s, ex end
  if b.age_from == "name" then
    local named = {}
    for _, c in ipairs(cands) do
      c.name_time = plan.name_epoch(c.name, b.name_re, b.name_fields)
      if c.name_time then named[#named + 1] = c end
    end
    cands = named
  end
  local function t(c) return b.age_from == "name" and c.name_time or c.mtime end
  table.sort(cands, function(x, y) return t(x) > t(y) or (t(x) == t(y) and x.name > y.name) end)
  local pick
  if b.pick == "name" then
    for _, c in ipairs(cands) do if c.name == b.name then pick = c end end
  else
    pick = cands[1]
  end
  if not pick then
    return nil, string.format("%s: no backup matches %s%s%s", bh, b.glob or ("the list of " .. b.list),
      b.pick == "name" and (" named " .. b.name) or "",
      b.age_from == "name" and (" with a time like " .. b.name_time .. " in its name") or ""), 1
  end
  pick.born = t(pick)
  pick.age_ms = math.max(0, ((now_s or pick.born) - pick.born) * 1000)
  return pick
end

-- The archives of a directory backup, from the plan's pattern or list.
local function archives_of(ssh, bh, d, path)
  local a = d.backup.archives
  if type(a) == "table" then return a end
  if not a then return nil, "the backup " .. path .. " is a directory: give backup.archives (like \"*.tar.gz\")" end
  local r = ssh.exec({ { host = bh, cmd = "cd " .. q(path) .. " && ls -1 -- " .. a .. " 2>/dev/null; true" } },
    { timeout_ms = 30000 })[1]
  if r.status ~= "ok" then return nil, bh .. ": " .. why(r), 3 end
  local out = {}
  for name in r.stdout:gmatch("[^\n]+") do
    if not name:find("[%c/]") then
      local into = name:gsub("%.tar%.%w+$", ""):gsub("%.t%wz$", ""):gsub("%.tar$", ""):gsub("%.zip$", "")
      out[#out + 1] = { file = name, into = into }
    end
  end
  if #out == 0 then return nil, bh .. ": no archive in " .. path .. " matches " .. a end
  return out
end

-- The target's tools, free space and link: how the stream goes there.
local function target_facts(ssh, th, dir)
  local cmd = "for t in tar zstd gzip; do command -v $t >/dev/null && echo have $t; done; d=" .. q(dir) ..
    "; while [ ! -d \"$d\" ]; do d=$(dirname \"$d\"); done; echo free $(df -Pk \"$d\" | awk 'NR==2 {print $4}')"
  local r = ssh.exec({ { host = th, cmd = cmd } }, { timeout_ms = 30000 })[1]
  if r.status ~= "ok" then return nil, th .. ": " .. why(r) end
  local f = { have = {} }
  for t in r.stdout:gmatch("have (%w+)") do f.have[t] = true end
  local kb = r.stdout:match("free (%d+)")
  f.free = kb and tonumber(kb) * 1024 or nil
  return f
end

local function choose_compress(want, facts, addr)
  local loop = addr == "localhost" or tostring(addr):match("^127%.") or addr == "::1"
  if want == "none" or (want == "auto" and loop) then return nil end
  if want == "auto" then return facts.have.zstd and "zstd" or facts.have.gzip and "gzip" or nil end
  if not facts.have[want] then return false, "the target has no " .. want .. " (drill.target.compress)" end
  return want
end

-- What the restore takes: the plan's size, else gzip's own size field, else
-- the backup's bytes times the ratio; nil when nothing tells.
local function need_bytes(ssh, bh, d, pick, path, parts)
  if d.backup.size_bytes then return d.backup.size_bytes, "backup.size" end
  if not pick.bytes then return nil end
  if pick.is_dir or not path:match("%.t?gz$") or pick.bytes >= 1 << 30 then
    return math.floor(pick.bytes * d.target.ratio), "backup bytes x " .. d.target.ratio
  end
  local r = ssh.exec({ { host = bh, cmd = "tail -c 4 -- " .. q(path) .. " | od -An -tu4" } }, { timeout_ms = 30000 })[1]
  local isize = r.status == "ok" and r.exit == 0 and tonumber(trim(r.stdout))
  if isize and isize >= pick.bytes then return isize + 10240 * (#parts + 1), "gzip size field" end
  return math.floor(pick.bytes * d.target.ratio), "backup bytes x " .. d.target.ratio
end

local function dst_cmd_of(part, dir, compress)
  local at = part.into == "." and dir or (dir .. "/" .. part.into)
  if part.raw then
    local out = q(at .. "/" .. part.name)
    return compress and (compress .. " -dcq > " .. out) or ("cat > " .. out), at
  end
  return "tar -x " .. (compress == "zstd" and "--zstd " or compress == "gzip" and "-z " or "") ..
    "-f - -C " .. q(at) .. " --no-same-owner --no-same-permissions", at
end

-- Streams every part; returns the summed verification, per-part results, and
-- a failure with its exit code.
local function stream_parts(restore, bh, th, parts, dir, compress, log, id, timeout_ms)
  local V = { entries = 0, files = 0, bytes = 0, archive_bytes = 0, missing = {}, extra = {}, mismatched = {},
    refused = false, verified = true, manifest = false, whole = -1 }
  local S = { bytes_in = 0, bytes_out = 0, parts = {} }
  for _, p in ipairs(parts) do
    local dst_cmd = dst_cmd_of(p, dir, compress)
    log("drill %s: streaming %s:%s -> verify -> %s:%s", id, bh, p.label, th, p.into == "." and dir or (dir .. "/" .. p.into))
    local s, merr, mkind = restore.stream { src = bh, src_cmd = p.src_cmd, dst = th, dst_cmd = dst_cmd, name = p.name,
      raw = p.raw, compress = compress or nil, manifest_cmd = p.manifest and p.manifest.cmd,
      manifest_name = p.manifest and p.manifest.name, manifest_format = p.manifest and p.manifest.format,
      zip_path = p.zip_path,
      timeout_ms = timeout_ms }  -- how long either side may stay silent
    if not s then return V, S, bh .. ": " .. merr, mkind == "unreachable" and 3 or 1 end
    for _, k in ipairs({ "entries", "files", "bytes", "archive_bytes" }) do V[k] = V[k] + s[k] end
    for _, k in ipairs({ "missing", "extra", "mismatched" }) do
      for _, v in ipairs(s[k]) do V[k][#V[k] + 1] = p.into == "." and v or (p.into .. "/" .. v) end
    end
    V.refused = V.refused or s.refused
    V.manifest = V.manifest or s.manifest
    if s.whole ~= -1 then V.whole = (V.whole == 0 or s.whole == 0) and 0 or 1 end
    S.bytes_in, S.bytes_out = S.bytes_in + s.bytes_in, S.bytes_out + s.bytes_out
    S.parts[#S.parts + 1] = { name = p.label, into = p.into, sha256 = s.sha256, entries = s.entries, bytes = s.bytes,
      archive_bytes = s.archive_bytes, bytes_out = s.bytes_out, verified = s.verified, manifest = p.manifest and p.manifest.name }
    S.src_exit, S.dst_exit, S.dst_stderr, S.src_stderr = s.src_exit, s.dst_exit, trim(s.dst_stderr), trim(s.src_stderr)
    local failure, exit
    if s.src_status ~= "ok" or s.dst_status ~= "ok" then
      failure, exit = (s.src_status ~= "ok" and bh or th) .. ": " .. (s.error or "unreachable"), 3
    elseif not s.ok then
      failure, exit = s.error or "the stream failed", (s.refused or s.entries == 0) and 2 or 1
      if tostring(s.error):match("aborted by") then exit = 4 end
    elseif s.manifest and not s.verified then
      failure, exit = string.format("%s does not match its manifest: %d missing, %d extra, %d mismatched%s%s", p.label,
        #s.missing, #s.extra, #s.mismatched, s.whole == 0 and " (the whole file's hash differs)" or "",
        (s.mismatched[1] or s.missing[1] or s.extra[1]) and (" (first: " .. (s.mismatched[1] or s.missing[1] or
        s.extra[1]) .. ")") or ""), 1
    elseif s.entries == 0 then
      failure, exit = p.label .. ": the archive is empty", 1
    elseif s.src_exit ~= 0 then
      failure, exit = bh .. ": " .. p.src_cmd .. " exited " .. s.src_exit .. ": " .. trim(s.src_stderr), 1
    elseif s.dst_exit ~= 0 then
      failure, exit = th .. ": " .. dst_cmd .. " exited " .. s.dst_exit .. ": " .. trim(s.dst_stderr), 1
    end
    V.verified = V.verified and s.verified
    if failure then return V, S, failure, exit end
  end
  return V, S
end

M.phases = require("gameday.drill_phases")

function M.run(args)
  return M.phases.run(args, {
    plan = plan, pick_backup = pick_backup, archives_of = archives_of, parts_of = parts_of,
    target_facts = target_facts, choose_compress = choose_compress, need_bytes = need_bytes,
    dst_cmd_of = dst_cmd_of, stream_parts = stream_parts, load = M.load })
end

M.text = function(R) return M.phases.text(R) end

return M

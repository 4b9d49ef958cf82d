-- gameday.drill_plan: a drill plan's fields, checked and completed.
--
-- backup: where the backup is and how it is read, on its host `on`:
--   glob = "/srv/backups/*.tar.gz"   files or directories (a directory per backup),
--                                    newest by mtime (age_from = "mtime") or by the
--                                    time in the name (age_from = "name", name_time)
--   list = "CMD"                     or a command printing "EPOCH NAME" lines, one a
--                                    candidate (restic snapshots, borg list, s3 ls)
--   cmd = "CMD"                      the command whose stdout is the backup; ${name},
--                                    ${path}, ${dir} are the picked candidate, quoted
--                                    (default for a glob: cat -- ${path})
--   kind = "archive" | "file"        a tar or zip, or one file that is not an archive
--                                    (a pg_dump -Fc, a .sql.gz, a .rdb)
--   archives = "*.tar.gz" | { { file =, into =, manifest =, kind = }, ... }
--                                    with a directory per backup: the archives in it,
--                                    each restored under its own sub-directory
--   manifest = "SHA256SUMS" | "${name}.sha256" | { file =, cmd =, format = }
--                                    sha256sum lines (files of the archive, or one hash
--                                    of the whole archive or file), or PostgreSQL's
--                                    backup_manifest (format = "backup_manifest")
--   size = "2G"                      what the restore takes on the target, when the
--                                    backup does not say (the free-space check)
-- target: on, dir, clean (true), compress ("auto" | "zstd" | "gzip" | "none"),
--   ratio (3: the restored size per backup byte when nothing else tells it)
local core = require("gameday.core")
local util = require("gameday.util")

local M = {}

local FIELDS = { "id", "title", "backup", "target", "verify", "objectives", "timeout", "restore", "teardown" }
local BACKUP = { "on", "glob", "list", "cmd", "pick", "name", "manifest", "age_from", "name_time", "kind",
  "archives", "size" }
local TARGET = { "on", "dir", "clean", "compress", "ratio" }

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

-- A relative sub-directory of the target: plain names, no '..'.
local function safe_sub(s)
  return type(s) == "string" and (s == "." or (s:match("^[%w%._%-/]+$") and not s:find("%.%.")
    and not s:find("^/") and not s:find("//")))
end

local function fail(fmt, ...) error(string.format(fmt, ...), 0) end

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
        fail("drill.backup: 'name_time' knows %%Y %%m %%d %%H %%M %%S, not %%%s", f)
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
    fail("drill.backup: 'name_time' needs at least %%Y, %%m and %%d, like \"%%Y%%m%%d-%%H%%M%%S\"")
  end
  return table.concat(re), fields
end

-- A manifest field: a file name (with ${name}) or { file =, cmd =, format = }.
local function manifest_field(m, what)
  if type(m) == "string" then m = { file = m } end
  if type(m) ~= "table" then fail("%s: 'manifest' is a file name or { file = ..., format = ... }", what) end
  util.only(m, { "file", "cmd", "format" }, what .. ".manifest")
  if (m.file == nil) == (m.cmd == nil) then fail("%s.manifest: give 'file' or 'cmd'", what) end
  util.check(m, "file", "string", false, what .. ".manifest")
  util.check(m, "cmd", "string", false, what .. ".manifest")
  if m.file and (m.file:find("%.%.") or (m.file:find("/") and not m.file:match("^/"))) then
    fail("%s.manifest: 'file' is a name beside the backup (\"SHA256SUMS\", \"${name}.sha256\") " ..
      "or an absolute path", what)
  end
  m.format = m.format or (m.file and m.file:match("backup_manifest$") and "backup_manifest") or "sha256sum"
  if m.format ~= "sha256sum" and m.format ~= "backup_manifest" then
    fail("%s.manifest: 'format' must be \"sha256sum\" or \"backup_manifest\"", what)
  end
  return m
end

local function check_backup(b)
  util.only(b, BACKUP, "drill.backup")
  util.check(b, "on", "string", true, "drill.backup")
  if (b.glob == nil) == (b.list == nil) then
    fail("drill.backup: give 'glob' (files or directories on the host) or 'list' (a command " ..
      "printing \"EPOCH NAME\" lines)")
  end
  util.check(b, "glob", "string", false, "drill.backup")
  util.check(b, "list", "string", false, "drill.backup")
  util.check(b, "cmd", "string", b.list ~= nil, "drill.backup")
  b.pick = b.pick or "newest"
  if b.pick ~= "newest" and b.pick ~= "name" then fail("drill.backup: 'pick' must be \"newest\" or \"name\"") end
  if b.pick == "name" then util.check(b, "name", "string", true, "drill.backup") end
  if b.glob then
    local dir, pat = b.glob:match("^(/.*)/([^/]+)$")
    if not dir or dir:find("[%*%?%[%]]") or not dir:match("^/[%w%._%-/]*$") then
      fail("drill.backup: 'glob' must be an absolute path with wildcards only in its last part, " ..
        "like \"/srv/backups/*.tar.gz\"")
    end
    if not pat:match("^[%w%._%-%*%?%[%]]+$") then
      fail("drill.backup: the last part of 'glob' may hold letters, digits, '.', '_', '-' and * ? [ ]")
    end
    b.dir, b.pattern = dir, pat
  end
  b.age_from = b.age_from or "mtime"
  if b.age_from ~= "mtime" and b.age_from ~= "name" then fail("drill.backup: 'age_from' must be \"mtime\" or \"name\"") end
  if b.list and b.age_from ~= "mtime" then fail("drill.backup: with 'list', the times are the list's") end
  if b.age_from == "name" then
    util.check(b, "name_time", "string", true, "drill.backup")
    b.name_re, b.name_fields = M.time_pattern(b.name_time)
  elseif b.name_time ~= nil then
    fail("drill.backup: 'name_time' goes with age_from = \"name\"")
  end
  b.kind = b.kind or "archive"
  if b.kind ~= "archive" and b.kind ~= "file" then fail("drill.backup: 'kind' must be \"archive\" or \"file\"") end
  if b.manifest ~= nil then b.manifest = manifest_field(b.manifest, "drill.backup") end
  if b.size ~= nil then b.size_bytes = util.size_bytes(b.size, "drill.backup.size") end
  if b.archives ~= nil then
    if b.kind ~= "archive" or b.cmd or b.list then
      fail("drill.backup: 'archives' are files in a directory per backup: give it with a 'glob' of directories")
    end
    if type(b.archives) == "string" then
      if not b.archives:match("^[%w%._%-%*%?%[%]]+$") then
        fail("drill.backup: 'archives' is a file pattern in the backup's directory, like \"*.tar.gz\"")
      end
    elseif type(b.archives) == "table" and #b.archives > 0 then
      for i, a in ipairs(b.archives) do
        local what = "drill.backup.archives[" .. i .. "]"
        if type(a) == "string" then a = { file = a }; b.archives[i] = a end
        util.only(a, { "file", "into", "manifest", "kind" }, what)
        a.kind = a.kind or "archive"
        if a.kind ~= "archive" and a.kind ~= "file" then fail("%s: 'kind' must be \"archive\" or \"file\"", what) end
        util.check(a, "file", "string", true, what)
        if not a.file:match("^[%w%._%-]+$") then fail("%s: 'file' is a file name in the backup's directory", what) end
        a.into = a.into or "."
        if not safe_sub(a.into) then fail("%s: 'into' is a relative directory of the target, like \"pg_wal\"", what) end
        if a.manifest ~= nil then a.manifest = manifest_field(a.manifest, what) end
      end
    else
      fail("drill.backup: 'archives' is a pattern or a list of { file = ..., into = ... }")
    end
  end
end

local function check_target(tg)
  util.only(tg, TARGET, "drill.target")
  util.check(tg, "on", "string", true, "drill.target")
  util.check(tg, "dir", "string", true, "drill.target")
  if not safe_dir(tg.dir) then
    fail("drill.target: 'dir' must be an absolute, plain path at least two levels deep, like \"/srv/restore\"")
  end
  if tg.clean == nil then tg.clean = true end
  if type(tg.clean) ~= "boolean" then fail("drill.target: 'clean' must be true or false") end
  tg.compress = tg.compress or "auto"
  if not ({ auto = 1, zstd = 1, gzip = 1, none = 1 })[tg.compress] then
    fail("drill.target: 'compress' must be \"auto\", \"zstd\", \"gzip\" or \"none\"")
  end
  tg.ratio = tg.ratio or 3
  if type(tg.ratio) ~= "number" or tg.ratio < 1 then fail("drill.target: 'ratio' must be a number, 1 or more") end
end

local function check_hooks(t)
  for _, k in ipairs({ "restore", "teardown" }) do
    local hk = t[k]
    if hk ~= nil then
      local what = "drill." .. k
      if type(hk) == "string" then hk = { cmd = hk }; t[k] = hk end
      if type(hk) ~= "table" then fail("%s takes a table: { on = \"target\", cmd = \"...\" }", what) end
      util.only(hk, { "on", "cmd", "timeout" }, what)
      hk.on = hk.on or "target"
      util.check(hk, "on", "string", true, what)
      util.check(hk, "cmd", "string", true, what)
      hk.timeout_ms = util.duration_ms(hk.timeout or (k == "restore" and "10m" or "2m"), what .. ".timeout")
    end
  end
end

function M.validate(t)
  if type(t) ~= "table" then fail("gameday.drill takes a table: gameday.drill { id = ..., ... }") end
  util.only(t, FIELDS, "drill")
  util.check(t, "id", "string", true, "drill")
  if not t.id:match("^[%w][%w%-_%.]*$") then
    fail("drill: 'id' may hold letters, digits, '-', '_' and '.', like \"rad-orders\"")
  end
  util.check(t, "title", "string", true, "drill")
  util.check(t, "backup", "table", true, "drill")
  util.check(t, "target", "table", true, "drill")
  check_backup(t.backup)
  check_target(t.target)
  check_hooks(t)
  t.verify = t.verify or {}
  if type(t.verify) ~= "table" then fail("drill: 'verify' is a list of probes") end
  for i, p in ipairs(t.verify) do
    if type(p) ~= "table" or not p.__probe then fail("drill: 'verify' [%d] must be a probe", i) end
  end
  t.objectives = t.objectives or {}
  util.only(t.objectives, { "rto", "rpo" }, "drill.objectives")
  t.objectives.rto_ms = t.objectives.rto and util.duration_ms(t.objectives.rto, "drill.objectives.rto") or nil
  t.objectives.rpo_ms = t.objectives.rpo and util.duration_ms(t.objectives.rpo, "drill.objectives.rpo") or nil
  t.timeout_ms = util.duration_ms(t.timeout or "2h", "drill.timeout")
  t.__drill = true
  return t
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

-- Where in file a validation message points: the line of the field it names
-- ("drill.backup: 'pick' ..." -> the first "pick =" after "backup ="), so a
-- plan error reads "FILE: line N: ...". Returns the message as it should be shown.
function M.locate(file, msg, debug)
  if debug then return tostring(msg) end
  msg = tostring(msg):gsub("\nstack traceback:.*$", "")
  local ef = file:gsub("%p", "%%%0")
  msg = msg:gsub("^" .. ef .. ": ", "", 1)
  local path, key = msg:match("^drill([%w%._%[%]]*): '([%w_]+)'")
  if not path then path, key = msg:match("^drill([%w%._]*)[%.:]"), msg:match("unknown field '([%w_]+)'") end
  local sections = {}
  for s in (path or ""):gmatch("[%a_][%w_]*") do sections[#sections + 1] = s end
  if key then sections[#sections + 1] = key end
  if #sections == 0 or msg:find("^" .. ef .. ":") then
    return msg:find("^" .. ef .. ":") and msg or (file .. ": " .. msg)
  end
  local line = require("gameday.restore").line_of(file, sections)
  if not line then return file .. ": " .. msg end
  return string.format("%s: line %d: %s", file, line, msg)
end

M.core = core
return M

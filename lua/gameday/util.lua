-- gameday.util: durations, sizes and argument checks shared by the engine,
-- probes and faults.
local core = require("gameday.core")
local M = {}

-- "300ms", "5s", "2m", "1h30m" or a number of seconds -> milliseconds: the one
-- grammar, in C (runner/base/duration.c), so flags and fields read alike
function M.duration_ms(v, what)
  local ok, ms = pcall(core.duration_ms, v, what or "duration")
  if not ok then error(ms, 0) end
  return ms
end

-- "64M", "1G", "512k" or bytes -> bytes: the one size grammar, in C
-- (runner/base/size.c), the same as --lua-memory's
function M.size_bytes(v, what)
  local ok, n = pcall(core.size_bytes, v, what or "size")
  if not ok then error(n, 0) end
  return n
end

-- the one duration formatter, in C: "498 ms", "2.345 s", "12.3 s", "14m05s"
M.fmt_ms = core.fmt_ms

-- check(t, "field", "string", required, what): a type check with a clear message
function M.check(t, field, kind, required, what)
  local v = t[field]
  if v == nil then
    if required then error(string.format("%s: '%s' is required", what, field), 0) end
    return nil
  end
  if kind and type(v) ~= kind then
    error(string.format("%s: '%s' must be a %s, not a %s", what, field, kind, type(v)), 0)
  end
  return v
end

-- only(t, {allowed keys}, what): refuses fields the caller does not know (typos)
function M.only(t, allowed, what)
  local ok = {}
  for _, k in ipairs(allowed) do ok[k] = true end
  for k in pairs(t) do
    if not ok[k] then
      local names = {}
      for _, a in ipairs(allowed) do names[#names + 1] = a end
      error(string.format("%s: unknown field '%s' (known: %s)", what, tostring(k), table.concat(names, ", ")), 0)
    end
  end
end

function M.copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

local frozen = setmetatable({}, { __mode = "k" })  -- read-only views -> what they show

-- A read-only view of t for scenario code: reads go to t; setting a field
-- raises "WHAT is read-only"; its metatable cannot be changed. t stays the
-- engine's: once checked, no one can change what it holds.
function M.freeze(t, what)
  local view = setmetatable({}, {
    __index = t,
    __newindex = function(_, k)
      error(string.format("%s is read-only once made: '%s' cannot be set (make a new one)", what, tostring(k)), 2)
    end,
    __pairs = function() return next, t, nil end,
    __metatable = false,
  })
  frozen[view] = t
  return view
end

-- Whether x is a view made by freeze.
function M.frozen(x)
  return frozen[x] ~= nil
end

-- A deep copy of a scenario's table made with next, so that no metamethod of
-- it runs (__pairs, __index, __len) and nothing it keeps can change the copy
-- later. Read-only views and functions are kept as they are; keys must be
-- strings or numbers; a table deeper than 16 levels (a cycle?) is refused.
function M.rawcopy(t, what, depth)
  depth = depth or 0
  if depth > 16 then error(what .. ": nested deeper than 16 levels (a table that holds itself?)", 0) end
  local c = {}
  for k, v in next, t do
    if type(k) ~= "string" and type(k) ~= "number" then
      error(string.format("%s: a key of type %s (keys are names or list positions)", what, type(k)), 0)
    end
    c[k] = (type(v) == "table" and not frozen[v]) and M.rawcopy(v, what, depth + 1) or v
  end
  return c
end

function M.trim(s)
  return (tostring(s or ""):gsub("%s+$", ""))
end

-- A failed ssh.exec result's reason, in one line.
function M.why(r)
  if r.status ~= "ok" then return r.status .. ": " .. (r.error or "") end
  local err = M.trim(r.stderr)
  if #err > 300 then err = err:sub(1, 300) .. "..." end  -- a host can say a lot
  return (r.signal and ("killed by " .. r.signal) or ("exit " .. tostring(r.exit))) ..
    (err ~= "" and (": " .. err:gsub("\n", " / ")) or "")
end

return M

-- gameday.util: durations, sizes and argument checks shared by the engine,
-- probes and faults.
local M = {}

local UNITS = { ms = 1, s = 1000, m = 60000, h = 3600000, d = 86400000 }

-- "300ms", "5s", "2m", "1h30m" or a number of seconds -> milliseconds
function M.duration_ms(v, what)
  if type(v) == "number" then
    if v < 0 then error(what .. ": a duration cannot be negative", 0) end
    return math.floor(v * 1000)
  end
  if type(v) ~= "string" then error(what .. ": a duration like \"30s\" or \"5m\" is needed", 0) end
  local total, rest = 0, v
  while rest ~= "" do
    local num, unit, tail = rest:match("^(%d+%.?%d*)(%a+)(.*)$")
    if not num or not UNITS[unit] then
      error(string.format("%s: %q is not a duration (use ms, s, m, h, d: \"90s\", \"1h30m\")", what, v), 0)
    end
    total = total + tonumber(num) * UNITS[unit]
    rest = tail
  end
  return math.floor(total)
end

local SIZES = { [""] = 1, k = 1024, K = 1024, m = 1024 ^ 2, M = 1024 ^ 2, g = 1024 ^ 3, G = 1024 ^ 3 }

-- "64M", "1G", "512k" or bytes -> bytes
function M.size_bytes(v, what)
  if type(v) == "number" and v >= 0 then return math.floor(v) end
  local num, unit = tostring(v):match("^(%d+)([kKmMgG]?)i?[bB]?$")
  if not num then error(string.format("%s: %q is not a size (like \"64M\" or \"1G\")", what, tostring(v)), 0) end
  return math.floor(tonumber(num) * SIZES[unit])
end

function M.fmt_ms(ms)
  if ms < 1000 then return string.format("%d ms", ms) end
  if ms < 120000 then return string.format("%.1f s", ms / 1000) end
  if ms < 3600000 then return string.format("%dm%02ds", ms // 60000, (ms % 60000) // 1000) end
  return string.format("%dh%02dm", ms // 3600000, (ms % 3600000) // 60000)
end

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

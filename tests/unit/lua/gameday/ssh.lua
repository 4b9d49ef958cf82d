-- A fake gameday.ssh for the engine's unit tests: an inventory of lab1..lab3
-- and hosts that run a tiny command language instead of a shell:
--   "flag on T" sets flag T, "flag off T" clears it, "flag test T" exits 0
--   while it is set; "health" exits 0 while the host has no flag set. Any
--   other command exits 0, and the preflight's facts marker is echoed.
-- Every call is logged in M.log; M.down[host], M.fail[pattern] and M.stuck
-- make hosts unreachable, commands fail, and reverts that do not take.
local M = {}

function M.reset()
  M.hosts = { "lab1", "lab2", "lab3" }
  M.production = {}
  M.flags = {}       -- host -> token -> true
  M.log = {}         -- { host, cmd } in call order
  M.calls = 0
  M.down = {}        -- host -> true: unreachable
  M.fail = {}        -- Lua pattern -> exit code for a command matching it
  M.stuck = {}       -- token -> true: "flag off" does not clear it
  M.sick = {}        -- host -> true: "health" fails whatever the flags
  M.vanish = {}      -- token -> true: the flag goes away after its first "flag test"
  M.leased = {}      -- host -> another run's lease line: taking the lease fails
  M.lease = {}       -- host -> true while this run's lease is on it
end
M.reset()

function M.resolve(pattern)
  if pattern == "lab" or pattern == "all" then return { table.unpack(M.hosts) } end
  local i = pattern:match("^lab%[(%d+)%]$")
  if i then return { M.hosts[tonumber(i) + 1] } end
  for _, h in ipairs(M.hosts) do if h == pattern then return { h } end end
  if pattern:match("[^%w%[%]:&!*~]") then return nil, "pattern '" .. pattern .. "': bad pattern" end
  return {}
end

function M.host(name)
  for i, h in ipairs(M.hosts) do
    if h == name then
      return { name = h, addr = "10.0.0." .. i, port = 22, user = "root", become = false,
        production = M.production[h] or false, vars = {} }
    end
  end
end

-- the lease commands of gameday.engine.lease
local function lease(host, cmd)
  if cmd:find("set -C", 1, true) then
    if M.leased[host] then return M.HELD or 75, M.leased[host] .. "\n", "" end
    M.lease[host] = true
    return 0, "", ""
  end
  if cmd:find('rm -f "$f"; true', 1, true) then M.lease[host] = nil end
  return 0, "", ""
end

local function run(host, cmd)
  local flags = M.flags[host] or {}
  M.flags[host] = flags
  for pat, code in pairs(M.fail) do
    if cmd:find(pat) then return code, "", "failed on purpose" end
  end
  -- a lease's take or release (a dead-man's arm mentions the lease too)
  if cmd:find('f="$D/lease"', 1, true) and not cmd:find("deadman", 1, true) then return lease(host, cmd) end
  local out = cmd:find("__gameday_facts__", 1, true) and "__gameday_facts__\n" or ""
  for verb, tok in cmd:gmatch("flag (%a+) ([%w%-]+)") do
    if verb == "on" then flags[tok] = true
    elseif verb == "off" then if not M.stuck[tok] then flags[tok] = nil end
    elseif verb == "test" then
      local code = flags[tok] and 0 or 1
      if M.vanish[tok] then flags[tok] = nil end
      return code, out, ""
    end
  end
  if cmd == "health" then
    if M.sick[host] then return 1, "", "sick" end
    return next(flags) == nil and 0 or 1, "", next(flags) and "a flag is set" or ""
  end
  return 0, out, ""
end

function M.exec(jobs, opts)
  M.calls = M.calls + 1
  local seen, res = {}, {}
  for i, j in ipairs(jobs) do
    if seen[j.host] then error("ssh.exec: host '" .. j.host .. "' twice in one call") end
    seen[j.host] = true
    M.log[#M.log + 1] = { host = j.host, cmd = j.cmd, call = M.calls }
    if M.down[j.host] then
      res[i] = { host = j.host, status = "unreachable", stdout = "", stderr = "", ms = 1,
        error = "connect: no route to host" }
    else
      local code, out, err = run(j.host, j.cmd)
      res[i] = { host = j.host, status = "ok", exit = code, stdout = out, stderr = err, ms = 1,
        local_addr = "10.0.0.254" }
    end
  end
  return res
end

return M

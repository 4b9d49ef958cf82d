-- gameday.engine.lease: one run per host. Before a run changes a host it
-- takes the host's lease, the file $D/lease in the host's gameday state dir
-- (one line: run=ID runner=HOST pid=PID expires=UNIX-SECONDS), created
-- atomically (noclobber). A lease held by another run that has not expired
-- refuses the second run (exit 3, naming the holder); an expired one (its
-- run's dead-man timers have all fired by then) is free. Every fault intent
-- carries a guard, so `gameday recover` leaves a host alone while another
-- run holds it.
local core = require("gameday.core")
local ssh = require("gameday.ssh")
local util = require("gameday.util")
local state = require("gameday.fault.state")
local errors = require("gameday.engine.errors")
local context = require("gameday.engine.context")

local M = {}
local q = core.quote
M.HELD = 75          -- a take or guard that finds another run's lease exits so
M.GRACE_MS = 60000   -- a lease outlives its host's last dead-man timer by this

-- Shell: $cur is the lease line (empty when none), $r its run, $e its expiry.
local READ = 'f="$D/lease"; cur=$(cat "$f" 2>/dev/null); r=${cur#run=}; r=${r%% *}; ' ..
  'e=${cur##*expires=}; case "$e" in ""|*[!0-9]*) e=0;; esac; now=$(date +%s)'

-- Exits 75 with the holder's line when another run holds an unexpired lease.
function M.guard_sh(run)
  return state.dir_sh .. "; " .. READ .. '; if [ -n "$cur" ] && [ "$r" != ' .. q(run) ..
    ' ] && [ "$e" -gt "$now" ]; then echo "$cur"; exit ' .. M.HELD .. '; fi'
end

-- Takes (or renews) the lease for secs seconds; exits 75 with the holder's
-- line when another run holds it.
function M.take_sh(run, secs)
  local line = "run=" .. run .. " runner=" .. (core.hostname():gsub("[^%w%.%-]", "_")) .. " pid=" .. core.pid() ..
    ' expires=$((now + ' .. string.format("%d", secs) .. '))'
  return M.guard_sh(run) .. '; ' ..
    'if [ -n "$cur" ] && [ "$r" != ' .. q(run) .. ' ]; then [ "$(cat "$f" 2>/dev/null)" = "$cur" ] && rm -f "$f"; fi; ' ..
    'if [ "$r" = ' .. q(run) .. ' ]; then echo "' .. line .. '" > "$f.$$" && mv -f "$f.$$" "$f"; ' ..
    'else ( set -C; echo "' .. line .. '" > "$f" ) 2>/dev/null || { cat "$f" 2>/dev/null; exit ' .. M.HELD .. '; }; fi'
end

-- Exits 0 while run holds the lease (the intent's check).
function M.held_sh(run)
  return state.dir_sh .. "; " .. READ .. '; [ "$r" = ' .. q(run) .. ' ]'
end

-- Frees the lease if run holds it; idempotent.
function M.release_sh(run)
  return M.held_sh(run) .. ' && rm -f "$f"; true'
end

-- What a dead-man timer runs after its revert: once no other dead-man of
-- this run is armed on the host (their markers are gone), the lease is
-- freed, so a host its run abandoned is free again when it is whole again.
function M.after_deadman_sh(run, run_token, token)
  return state.dir_sh .. '; rm -f "$D/' .. token .. '.deadman"; set -- "$D"/gd-' .. run_token ..
    '-*.deadman; [ -e "$1" ] || { ' .. M.release_sh(run) .. '; }'
end

-- "run X (runner H, pid P) until 12:34:56" from a lease line.
function M.describe(line)
  local run = line:match("run=(%S+)") or "?"
  local runner, pid = line:match("runner=(%S+)") or "?", line:match("pid=(%S+)") or "?"
  local exp = tonumber(line:match("expires=(%d+)"))
  return string.format("run %s (runner %s, pid %s)%s", run, runner, pid,
    exp and (" until " .. core.date("%H:%M:%S UTC", exp)) or "")
end

-- The hosts of instances, each once in order, with the longest fault on it.
local function hosts_of(instances)
  local order, longest = {}, {}
  for _, inst in ipairs(instances) do
    if not longest[inst.host] then order[#order + 1] = inst.host end
    longest[inst.host] = math.max(longest[inst.host] or 0, inst.duration_ms)
  end
  return order, longest
end

-- Takes the lease of every host of instances (journaled first as intents of
-- negative seq, so recover releases them after the host's faults). A host
-- another run holds raises a lease error, or with args.wait is waited for.
function M.take(c, instances, live_ms)
  local run = c.args.run_id
  local order, longest = hosts_of(instances)
  local pending = {}
  for _, h in ipairs(order) do
    local secs = (math.max(longest[h], live_ms or 0) + M.GRACE_MS + 999) // 1000
    c.nleases = (c.nleases or 0) + 1
    local l = { host = h, seq = -c.nleases, take = M.take_sh(run, secs), release = M.release_sh(run), check = M.held_sh(run) }
    c:record { type = "intent", seq = l.seq, host = context.host_record(h), fault = "lease", label = "lease on " .. h,
      inject = l.take, revert = l.release, check = l.check }
    c.leases[#c.leases + 1] = l
    pending[#pending + 1] = l
  end
  local said = {}
  while #pending > 0 do
    local jobs, left = {}, {}
    for i, l in ipairs(pending) do jobs[i] = { host = l.host, cmd = l.take } end
    for i, r in ipairs(ssh.exec(jobs, { timeout_ms = 30000 })) do
      local l = pending[i]
      if r.status ~= "ok" then errors.raise("unreachable", "%s: %s", r.host, util.why(r)) end
      if r.exit == M.HELD then
        local who = M.describe(util.trim(r.stdout))
        if not c.args.wait then
          errors.raise("lease", "%s is leased by %s: another run is changing it; wait for it (--wait) or stop it", r.host, who)
        end
        if not said[r.host] then c:log("lease: %s is leased by %s; waiting", r.host, who); said[r.host] = true end
        left[#left + 1] = l
      elseif r.exit ~= 0 then
        errors.raise("tool", "%s: cannot take the host's lease: %s", r.host, util.why(r))
      else
        l.held = true
      end
    end
    pending = left
    if #pending > 0 then require("gameday.engine.observe").sleep(2000) end
  end
end

-- Frees every lease this run took, and records it.
function M.release(c)
  if #c.leases == 0 then return end
  local jobs = {}
  for i, l in ipairs(c.leases) do jobs[i] = { host = l.host, cmd = l.release } end
  for i, r in ipairs(ssh.exec(jobs, { timeout_ms = 30000 })) do
    local good = r.status == "ok" and r.exit == 0
    c:record { type = "reverted", seq = c.leases[i].seq, ok = good, verified = good, by = "run",
      error = (not good) and util.why(r) or nil }
  end
  c.leases = {}
end

return M

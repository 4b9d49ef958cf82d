-- Process and service faults: kill, stop/continue, systemd stop.
local util = require("gameday.util")

-- Shell that sets $pids to the processes a fault names.
local function select_sh(p, q)
  if p.pidfile then return "pids=$(cat " .. q(p.pidfile) .. " 2>/dev/null)" end
  if p.pid then return "pids=" .. string.format("%d", p.pid) end
  return "pids=$(pgrep -x " .. q(p.name) .. ")"
end

local function validate_selector(p, what)
  local n = (p.pidfile and 1 or 0) + (p.pid and 1 or 0) + (p.name and 1 or 0)
  if n ~= 1 then error("give exactly one of 'pidfile', 'pid' or 'name' (an exact process name)", 0) end
  util.check(p, "pidfile", "string", false, what)
  util.check(p, "pid", "number", false, what)
  util.check(p, "name", "string", false, what)
  if p.pid ~= nil and (math.type(p.pid) ~= "integer" or p.pid < 1) then
    error("'pid' must be a whole number above 0", 0)
  end
end

-- The names `kill -s` takes on every shell, without SIG: all a signal may be.
local SIGNALS = {}
for s in ("HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM CHLD CONT STOP " ..
  "TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO SYS"):gmatch("%S+") do SIGNALS[s] = true end

local function selector_text(p)
  return p.pidfile and ("pidfile " .. p.pidfile) or p.pid and ("pid " .. p.pid) or ("process " .. p.name)
end

return function(define)
  define {
    kind = "process_kill",
    summary = "kill the process named by `pidfile`, `pid` or exact `name` with `signal` (KILL); " ..
      "revert runs `restart` if it is still down",
    params = { "pidfile", "pid", "name", "signal", "restart" },
    tools = { "kill", "pgrep" },
    validate = function(p)
      validate_selector(p, "process_kill")
      p.signal = p.signal or "KILL"
      util.check(p, "signal", "string", false, "process_kill")
      local name = p.signal:upper():gsub("^SIG", "")
      if not SIGNALS[name] then error("'signal' must be a signal's name like KILL, TERM or HUP", 0) end
      p.signal = name
      util.check(p, "restart", "string", false, "process_kill")
    end,
    describe = function(p) return "kill -" .. p.signal .. " " .. selector_text(p) end,
    preflight = function(p, q)
      return select_sh(p, q) .. '; test -n "$pids" || { echo no running ' .. q(selector_text(p)) .. ' >&2; exit 3; }'
    end,
    plan = function(p, _, q)
      -- $up is set while one of the processes runs (a zombie, dead but not yet
      -- reaped, does not count: kill -0 would still find it)
      local alive = select_sh(p, q) .. "; up=; for p in $pids; do " ..
        "s=$(sed 's/.*) //' /proc/$p/stat 2>/dev/null | cut -d' ' -f1); " ..
        'case "$s" in ""|Z|X|x) ;; *) up=1 ;; esac; done'
      return {
        inject = select_sh(p, q) .. '; test -n "$pids" && kill -s ' .. p.signal .. " $pids",
        -- a killed process cannot be un-killed: revert restarts it only if asked to
        revert = p.restart and (alive .. '; if [ -z "$up" ]; then ' .. p.restart .. "; fi") or "true",
        check = alive .. '; test -z "$up"',
      }
    end,
  }

  define {
    kind = "process_stop",
    summary = "freeze the process named by `pidfile`, `pid` or exact `name` (SIGSTOP); revert sends SIGCONT",
    params = { "pidfile", "pid", "name" },
    tools = { "kill", "pgrep" },
    validate = function(p) validate_selector(p, "process_stop") end,
    describe = function(p) return "stop (SIGSTOP) " .. selector_text(p) end,
    preflight = function(p, q)
      return select_sh(p, q) .. '; test -n "$pids" || { echo no running ' .. q(selector_text(p)) .. ' >&2; exit 3; }'
    end,
    -- the pids are fixed at preflight, so revert continues exactly what was stopped
    facts = function(p, q) return select_sh(p, q) .. '; echo pids=$(echo $pids)' end,
    plan = function(p, facts)
      local pids = facts.pids or ""
      if not pids:match("^[%d ]+$") then error("no process to stop", 0) end
      return {
        inject = "kill -STOP " .. pids,
        revert = "kill -CONT " .. pids .. " 2>/dev/null; true",
        check = "for p in " .. pids .. "; do s=$(sed 's/.*) //' /proc/$p/stat 2>/dev/null | cut -d' ' -f1); " ..
          '[ "$s" = T ] && exit 0; done; exit 1',
      }
    end,
  }

  define {
    kind = "service_stop",
    summary = "systemctl stop `unit`; revert starts it again",
    params = { "unit" },
    tools = { "systemctl" },
    root = true,
    validate = function(p)
      util.check(p, "unit", "string", true, "service_stop")
    end,
    describe = function(p) return "systemctl stop " .. p.unit end,
    preflight = function(p, q)
      return "test -d /run/systemd/system || { echo 'systemd is not running on this host' >&2; exit 3; }; " ..
        "systemctl is-active --quiet " .. q(p.unit) .. " || { echo unit " .. q(p.unit) .. " is not active >&2; exit 3; }"
    end,
    plan = function(p, _, q)
      return {
        inject = "systemctl stop " .. q(p.unit),
        revert = "systemctl start " .. q(p.unit),
        check = "! systemctl is-active --quiet " .. q(p.unit),
      }
    end,
  }
end

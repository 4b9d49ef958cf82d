-- Where faults keep their markers and pid files on a host: /run/gameday when
-- it can be written (root), else a private directory under /tmp.
local M = {}

M.dir_sh = 'D=/run/gameday; { mkdir -p "$D" && test -w "$D"; } 2>/dev/null || ' ..
  '{ D=/tmp/gameday-$(id -u); mkdir -p -m 700 "$D"; }'

-- Shell that sets $alive to those pids listed in file f that are still running
-- with token in their command line (a pid may have been reused; a zombie has none).
local function alive_sh(f, token)
  return 'alive=; for p in $(cat "' .. f .. '" 2>/dev/null); do grep -q ' .. token ..
    ' /proc/$p/cmdline 2>/dev/null && alive="$alive $p"; done'
end

-- Shell that kills the processes whose pids are in file f, with their process
-- groups (each was started by setsid, so a child it forked dies with it), and
-- waits up to 5 s for them to be gone. The file is removed only once none is
-- left, so that a process that survives keeps the fault's check active.
-- No `exit`: a revert is followed by the dead-man's disarm in the same shell.
function M.kill_listed(f, token)
  return 'if [ -f "' .. f .. '" ]; then ' .. alive_sh(f, token) .. '; ' ..
    'for p in $alive; do kill -- -$p 2>/dev/null || kill $p 2>/dev/null; done; ' ..
    'i=0; while [ -n "$alive" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); ' .. alive_sh(f, token) .. '; done; ' ..
    'if [ -n "$alive" ]; then echo "still running after SIGTERM:$alive" >&2; false; else rm -f "' .. f .. '"; fi; fi'
end

-- Shell that exits 0 while one of the listed processes is alive.
function M.any_listed(f, token)
  return 'for p in $(cat "' .. f .. '" 2>/dev/null); do grep -q ' .. token ..
    ' /proc/$p/cmdline 2>/dev/null && exit 0; done; exit 1'
end

return M

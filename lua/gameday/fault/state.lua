-- Where faults keep their markers and pid files on a host: /run/gameday when
-- it can be written (root), else a private directory under /tmp.
local M = {}

M.dir_sh = 'D=/run/gameday; { mkdir -p "$D" && test -w "$D"; } 2>/dev/null || ' ..
  '{ D=/tmp/gameday-$(id -u); mkdir -p -m 700 "$D"; }'

-- Shell that kills the processes whose pids are in file f, but only those
-- whose command line still holds token (a pid may have been reused).
function M.kill_listed(f, token)
  return 'if [ -f "' .. f .. '" ]; then for p in $(cat "' .. f .. '"); do ' ..
    'grep -q ' .. token .. ' /proc/$p/cmdline 2>/dev/null && kill $p 2>/dev/null; done; rm -f "' .. f .. '"; fi; true'
end

-- Shell that exits 0 while one of the listed processes is alive.
function M.any_listed(f, token)
  return 'for p in $(cat "' .. f .. '" 2>/dev/null); do grep -q ' .. token ..
    ' /proc/$p/cmdline 2>/dev/null && exit 0; done; exit 1'
end

return M

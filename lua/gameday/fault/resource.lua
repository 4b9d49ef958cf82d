-- Resource faults: CPU and memory hogs, bounded in size and time.
local util = require("gameday.util")
local state = require("gameday.fault.state")

return function(define)
  define {
    kind = "cpu_hog",
    summary = "`workers` busy loops (default 1) for the fault's duration; each ends by itself with `timeout`",
    params = { "workers" },
    tools = { "timeout", "setsid", "nohup" },
    validate = function(p)
      p.workers = p.workers or 1
      if math.type(p.workers) ~= "integer" or p.workers < 1 or p.workers > 64 then
        error("'workers' must be a whole number from 1 to 64", 0)
      end
    end,
    describe = function(p) return string.format("%d busy loop%s", p.workers, p.workers == 1 and "" or "s") end,
    plan = function(p, _, q, token, ctx)
      local f = "$D/" .. token .. ".pids"
      local secs = string.format("%d", (ctx.duration_ms + 999) // 1000)
      return {
        inject = state.dir_sh .. "; for i in $(seq " .. p.workers .. "); do nohup setsid timeout " .. secs ..
          " sh -c 'while :; do :; done' " .. token .. ' </dev/null >/dev/null 2>&1 & echo $!; done > "' .. f .. '"',
        revert = state.dir_sh .. "; " .. state.kill_listed(f, token),
        check = state.dir_sh .. "; " .. state.any_listed(f, token),
      }
    end,
  }

  define {
    kind = "mem_hog",
    summary = "hold `size` (default 64M) of memory as a file on tmpfs `path` (default /dev/shm)",
    params = { "size", "path" },
    tools = { "fallocate|dd" },
    validate = function(p)
      p.size_bytes = util.size_bytes(p.size or "64M", "size")
      p.path = p.path or "/dev/shm"
      util.check(p, "path", "string", false, "mem_hog")
    end,
    describe = function(p) return "hold " .. tostring(p.size or "64M") .. " of memory in " .. p.path end,
    preflight = function(p, q)
      local n = string.format("%d", p.size_bytes)
      return 'test "$(stat -f -c %T ' .. q(p.path) .. ' 2>/dev/null)" = tmpfs || { echo ' .. q(p.path) ..
        ' is not a tmpfs, so a file there would not hold memory >&2; exit 3; }; ' ..
        -- a tmpfs smaller than the hog would fail half way through the inject
        'free=$(df -P -B1 ' .. q(p.path) .. " | awk 'NR==2 { print $4 }'); " ..
        '[ "${free:-0}" -ge ' .. n .. ' ] || { echo ' .. q(p.path) .. ' has only $free bytes free, less than the ' .. n ..
        ' to hold >&2; exit 3; }'
    end,
    plan = function(p, _, q, token)
      local f = q(p.path .. "/gameday-mem-" .. token)
      local n = string.format("%d", p.size_bytes)
      return {
        inject = "fallocate -l " .. n .. " " .. f .. " 2>/dev/null || dd if=/dev/zero of=" .. f ..
          " bs=1M count=" .. string.format("%d", (p.size_bytes + 1048575) // 1048576) .. " 2>/dev/null",
        revert = "rm -f " .. f,
        check = "test -e " .. f,
      }
    end,
  }
end

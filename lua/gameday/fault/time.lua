-- Clock skew. It moves the host's real clock: never used in gameday's own
-- tests (the clock of a lab host is the machine's), only shown in --dry-run.
local util = require("gameday.util")
local state = require("gameday.fault.state")

return function(define)
  define {
    kind = "clock_skew",
    summary = "move the host's clock by `offset` (\"+5m\", \"-90s\"); revert moves it back once",
    params = { "offset" },
    tools = { "date" },
    root = true,
    -- the lab's hosts and many test machines share the real clock: only ever shown
    dry_run_only = true,
    validate = function(p)
      local sign, rest = tostring(p.offset or ""):match("^([+-]?)(.+)$")
      if not rest then error("'offset' is required, like \"+5m\" or \"-90s\"", 0) end
      p.offset_s = util.duration_ms(rest, "offset") // 1000 * (sign == "-" and -1 or 1)
      if p.offset_s == 0 then error("'offset' must not be zero", 0) end
    end,
    describe = function(p) return string.format("move the clock by %+d s", p.offset_s) end,
    plan = function(p, _, _, token)
      -- the marker holds the offset applied, so a second revert does nothing
      local m = '"$D/' .. token .. '.skew"'
      local off = string.format("%d", p.offset_s)
      return {
        inject = state.dir_sh .. "; echo " .. off .. " > " .. m .. ' && date -s "@$(( $(date +%s) + ' .. off .. ' ))" >/dev/null',
        revert = state.dir_sh .. "; if [ -f " .. m .. ' ]; then date -s "@$(( $(date +%s) - $(cat ' .. m .. ') ))" >/dev/null && rm -f ' .. m .. "; fi",
        check = state.dir_sh .. "; test -f " .. m,
      }
    end,
  }
end

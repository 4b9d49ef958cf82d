-- gameday.engine.verdict: the verdict of a run from what happened, a pure
-- function (no host, no clock), so that its rules are unit-tested.
local util = require("gameday.util")
local errors = require("gameday.engine.errors")

local M = {}

-- f: {
--   aborted = text | nil,      -- a signal or the game master gave up
--   halted = text | nil,       -- a halt probe failed
--   error = an error of gameday.engine.errors | nil,  -- the experiment raised
--   faults = R.faults,         -- each with reverted (true/false/nil) and active
--   instances = n,             -- faults planned
--   detected = bool,           -- a probe failed while a fault was on
--   expect = "recover" | "degrade" | "hold", observe = bool (a window was given),
--   live = bool, outcome = "resolved" | ..., limit_ms = n,
--   freeform = bool, run_result = what run(ctx) returned,
--   before, during, after, again = bool (the steady state at each point),
-- }
-- -> { verdict, exit, error (text or nil), findings = { {kind, text} } }
function M.verdict(f)
  local out = { findings = {} }
  local function finding(kind, text) out.findings[#out.findings + 1] = { kind = kind, text = text } end
  if f.instances > 0 and not f.detected and f.expect ~= "hold" and f.observe then
    finding("not-detected", "no steady-state probe failed while the fault was on: the fault went unnoticed")
  end
  local reverts_ok, inactive = true, {}
  for _, x in ipairs(f.faults) do
    if x.reverted == false then reverts_ok = false end
    if x.active == false then
      inactive[#inactive + 1] = x.host .. ": " .. x.label
      finding("not-active", x.host .. ": " .. x.label .. ": its check did not see it take effect, so the experiment proves nothing")
    end
  end
  if f.aborted or f.halted then
    out.verdict, out.exit = "aborted", errors.exit("aborted")
    out.error = f.aborted or ("halted: " .. f.halted)
  elseif f.error then
    out.verdict, out.exit, out.error = "error", errors.exit(f.error.kind), f.error.msg
  elseif not reverts_ok then
    out.verdict, out.exit = "fail", 1
    out.error = "a revert failed or could not be verified: see findings"
  elseif #inactive > 0 then
    out.verdict, out.exit = "fail", 1
    out.error = "a fault did not take effect: " .. table.concat(inactive, ", ")
  else
    local pass
    if f.live then pass = f.outcome == "resolved" and f.again
    elseif f.freeform then pass = f.run_result ~= false and f.again
    elseif f.expect == "hold" then pass = f.during and f.after and f.again
    elseif f.expect == "recover" then pass = f.after and f.again
    else pass = f.again end
    out.verdict, out.exit = pass and "pass" or "fail", pass and 0 or 1
    if not pass and f.live and f.outcome ~= "resolved" then
      out.error = "not resolved within the limit of " .. util.fmt_ms(f.limit_ms)
    elseif not pass then
      out.error = not f.again and "steady state did not come back after the faults were reverted" or
        (f.expect == "recover" and "steady state did not recover while the fault was on" or
          "steady state did not hold while the fault was on")
    end
  end
  return out
end

return M

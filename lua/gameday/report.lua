-- gameday.report: the console report of a run.
local util = require("gameday.util")
local core = require("gameday.core")

local M = {}

local function ms(v) return v and util.fmt_ms(v) or "-" end

function M.text(R)
  if R.dry_run_text then return R.dry_run_text end
  local out = {}
  local function say(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  local color = core.color(1)
  local function mark(ok)
    if color then return ok and "\27[32mok\27[0m" or "\27[1;31mFAIL\27[0m" end
    return ok and "ok" or "FAIL"
  end
  local sc = R.scenario or {}
  if R.verdict == "error" and not R.scenario then
    return ""  -- nothing ran: the error alone, on stderr
  end
  local v = R.verdict:upper()
  if color then v = (R.verdict == "pass" and "\27[1;32m" or "\27[1;31m") .. v .. "\27[0m" end
  say("%s: %s", sc.id or "?", sc.title or "")
  say("verdict: %s (expect %s)%s", v, sc.expect or "?", R.error and ("  " .. R.error) or "")
  if R.hypothesis then
    local h = R.hypothesis
    say("steady state: before %s, during %s, after %s, after revert %s", mark(h.before), mark(h.during),
      mark(h.after), mark(h.again))
  end
  if #R.faults > 0 then say("faults:") end
  for _, f in ipairs(R.faults) do
    say("  %-8s %-14s %s  injected %s, reverted %s: %s", f.host, f.kind, f.label, ms(f.injected_ms),
      ms(f.reverted_ms), f.revert_detail or "not injected")
  end
  -- TTD/TTM/TTR as the result model defines them (C, from the first injection),
  -- so the terminal reads what every report and metric has
  if R.ttd_ms or R.ttm_ms or R.ttr_ms then
    say("TTD %s, TTM %s, TTR %s (time to detect, mitigate, resolve, from the first injection)",
      ms(R.ttd_ms), ms(R.ttm_ms), ms(R.ttr_ms))
  end
  for _, line in ipairs(require("gameday.monitoring").lines(R)) do say("%s", line) end
  if #R.timeline > 0 then say("timeline:") end
  for _, e in ipairs(R.timeline) do
    say("  +%-8s %-9s %-7s %-28s %s%s", util.fmt_ms(e.t_ms), e.phase, e.kind, e.name or "",
      e.ok == nil and "" or (mark(e.ok) .. " "), (e.host and (e.host .. ": ") or "") .. (e.detail or ""))
  end
  for _, f in ipairs(R.findings) do say("finding: %s: %s", f.kind, f.text) end
  if R.journal then say("journal: %s", R.journal) end
  return table.concat(out, "\n") .. "\n"
end

return M

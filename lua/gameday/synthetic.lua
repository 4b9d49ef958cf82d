-- gameday.synthetic: `gameday probe`, the synthetic user on demand. Samples
-- a scenario's steady-state probes (or one HTTP probe) every `every` for
-- `for`, changing nothing on any host, and reports each probe's SLIs.
local core = require("gameday.core")
local ssh = require("gameday.ssh")
local util = require("gameday.util")
local probe = require("gameday.probe")
local slo = require("gameday.slo")
local gameday = require("gameday")

local M = {}

local function runtime(targets)
  local cache = {}
  local rt = {}
  function rt.hosts(name)
    if cache[name] then return cache[name] end
    local hosts, err = ssh.resolve(targets[name] or name)
    if not hosts then error(err, 0) end
    cache[name] = hosts
    return hosts
  end
  return rt
end

-- args: { file | http, status, max_ms, every_ms, for_ms, quiet } -> result
function M.run(args)
  local probes, targets, id, slos = {}, {}, nil, {}
  if args.file then
    local sc, err = gameday.load(args.file, "scenario")
    if not sc then return { exit = 2, error = err } end
    id, targets = sc.id, sc.targets or {}
    for _, p in ipairs(sc.steady_state) do
      probes[#probes + 1] = p.__slo and p.probe or p
      slos[#probes] = p.__slo and p or nil
    end
    if #probes == 0 then return { exit = 2, error = args.file .. ": the scenario has no steady-state probes" } end
  else
    local ok, p = pcall(probe.http, { name = args.http, url = args.http, status = args.status, max_ms = args.max_ms,
      timeout = args.timeout })
    if not ok then return { exit = 2, error = tostring(p) } end
    probes[1] = p
  end
  local rt = runtime(targets)
  local samples = {}
  for i = 1, #probes do samples[i] = {} end
  local t0 = core.now_ms()
  local aborted
  while true do
    local tick = core.now_ms()
    local line = {}
    for i, p in ipairs(probes) do
      local r = probe.eval(p, rt)
      samples[i][#samples[i] + 1] = { ok = r.ok, ms = r.ms, t_ms = tick - t0, detail = r.detail }
      line[#line + 1] = (r.ok and "ok " or "BAD ") .. p.name .. (r.ok and "" or (": " .. r.detail))
    end
    if not args.quiet then core.log(string.format("+%s %s", util.fmt_ms(tick - t0), table.concat(line, "; "))) end
    local next_at = tick + args.every_ms
    if next_at - t0 >= args.for_ms then break end
    if not core.sleep(math.max(0, next_at - core.now_ms())) then aborted = core.aborted() or "a signal"; break end
  end
  local out = { scenario = id, every_ms = args.every_ms, for_ms = args.for_ms, elapsed_ms = core.now_ms() - t0,
    probes = {}, exit = 0, aborted = aborted }
  for i, p in ipairs(probes) do
    local o = slos[i]
    local s = slo.sli(samples[i], o and o.latency and o.latency.p)
    local first_bad
    for _, x in ipairs(samples[i]) do if not x.ok then first_bad = first_bad or x.detail end end
    out.probes[i] = { name = p.name, kind = p.kind, sli = s, first_failure = first_bad }
    if s.bad > 0 then out.exit = 1 end
    if o then  -- the scenario's SLO, judged over these samples (sampled every --every)
      local j = slo.judge(s, o, args.every_ms)
      out.probes[i].slo = { name = o.name, ok = j.ok, reasons = j.reasons, budget = j.budget }
    end
  end
  if aborted then out.exit = 4 end
  return out
end

-- The text report of a run's result.
function M.text(r)
  local lines = {}
  lines[#lines + 1] = string.format("synthetic user%s: a sample every %s for %s%s", r.scenario and (" of " .. r.scenario) or "",
    util.fmt_ms(r.every_ms), util.fmt_ms(r.for_ms), r.aborted and (" (stopped by " .. r.aborted .. ")") or "")
  for _, p in ipairs(r.probes or {}) do
    lines[#lines + 1] = string.format("  %s: %s", p.name, slo.line(p.sli))
    if p.first_failure then lines[#lines + 1] = "    first failure: " .. p.first_failure end
    if p.slo then
      lines[#lines + 1] = string.format("    %s: %s", p.slo.name, p.slo.ok and "met" or ("broken: " ..
        table.concat(p.slo.reasons, "; ")))
    end
  end
  return table.concat(lines, "\n") .. "\n"
end

return M

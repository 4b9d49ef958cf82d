-- gameday.engine: a game day's life, always in this order:
--   preflight -> steady state before -> inject -> observe -> steady state after
--   -> revert (each verified) -> steady state again -> verdict.
-- Before any command changes a host, an intent with its exact revert command
-- is fsync'd to the journal, and a dead-man timer on the host itself reverts
-- the fault when its duration is over, even if this runner is killed or cut off.
-- The phases are modules of their own (gameday.engine.*): context (the run's
-- record), preflight, inject (and revert), observe, live, freeform (run(ctx)),
-- verdict (pure), errors (kinds and their exit codes, in one place).
local core = require("gameday.core")
local fault = require("gameday.fault")
local gameday = require("gameday")
local errors = require("gameday.engine.errors")
local context = require("gameday.engine.context")
local preflight = require("gameday.engine.preflight")
local inject = require("gameday.engine.inject")
local observe = require("gameday.engine.observe")
local live = require("gameday.engine.live")
local freeform = require("gameday.engine.freeform")
local verdict = require("gameday.engine.verdict")
local lease = require("gameday.engine.lease")
local monitoring = require("gameday.monitoring")

local M = {}

-- Loads a scenario file in its sandbox; returns the scenario or nil, message.
function M.load(file)
  return gameday.load(file, "scenario")
end

-- The experiment between steady state before and after: the faults on and
-- observed (or a live session, or the scenario's own run(ctx)). Returns
-- whether the steady state held while they were on, and what run(ctx) returned.
local function experiment(c, sc, rt, instances)
  local args = c.args
  if args.live and sc.run then
    errors.raise("input", "a scenario with its own run function cannot be played live")
  elseif sc.run then
    c.phase = "run"
    return true, sc.run(freeform.ctx(c, rt, instances))
  end
  inject.inject(c, instances)
  for _, inst in ipairs(instances) do
    if inst.injected_ms then c.watch:injected(inst.injected_ms) end
  end
  if args.live then live.run(c, sc, rt) else observe.observe(c, sc, rt) end
  return observe.held(c)
end

-- Steady state again after the revert, giving the service `recovery` to come back.
local function again(c, sc, rt)
  local ok, deadline = false, core.now_ms() + sc.recovery_ms
  repeat
    ok = observe.steady(c, rt, "again", sc.steady_state)
    if ok or core.now_ms() >= deadline or core.aborted() then break end
    core.sleep(2000)
  until false
  if ok and not c.R.recovered_ms then c.R.recovered_ms = c:now() end
  -- a fired alert must clear within its clears_within of the revert
  local limit = 0
  for _, a in ipairs(sc.alerts or {}) do limit = math.max(limit, (a.clears_within_ms or 0) + 2000) end
  if c.watch:clearing() then
    c:log("again: waiting up to %s for the alerts to clear", core.fmt_ms(limit))
    c.watch:wait_while(c.watch.clearing, "again", limit)
  end
  return ok
end

-- Ends a run that failed after it took leases: frees them, closes the journal.
local function abandon(c, e)
  e = errors.of(e)
  pcall(lease.release, c)
  pcall(c.record, c, { type = "end", verdict = "error" })
  return c:fail(e.kind, e.msg)
end

-- Loads, plans and preflights; returns the scenario, its runtime and its
-- instances, or nil and the finished result of a run that ends here. A real
-- run journals itself and takes its hosts' leases before the preflight reads
-- their facts: facts read under another run's fault would be wrong.
local function prepare(c)
  local args, R = c.args, c.R
  local sc, err = M.load(args.file)
  if not sc then return nil, c:finish("error", 2, err) end
  R.scenario = { id = sc.id, title = sc.title, expect = sc.expect, tags = sc.tags, topics = sc.topics,
    runbook = sc.runbook, narrative = sc.narrative, alert = sc.alert }
  local rt = preflight.runtime(sc)
  -- alerts and SLOs are sampled by the observe window: a live session or a
  -- run(ctx) scenario has none, so they are not checked there (and said so)
  c.watch = monitoring.watcher((c.args.live or sc.run) and {} or sc, rt, c)
  if (c.args.live or sc.run) and #(sc.alerts or {}) > 0 then
    c.watch.skipped = "alerts not checked: only a scenario's observe window times them, not " ..
      (c.args.live and "a live session" or "a run(ctx) scenario")
  end
  local ok, instances = pcall(preflight.plan, c, sc, rt)
  if not ok then return nil, c:fail("input", errors.of(instances, "input").msg) end
  c.phase = "preflight"
  c:log("preflight: %d fault%s on %d host%s", #sc.faults, #sc.faults == 1 and "" or "s", #instances,
    #instances == 1 and "" or "s")
  if not args.dry_run then
    local okj, je = pcall(c.record, c, { type = "run", run = args.run_id, scenario = sc.id, file = args.file,
      pid = core.pid(), runner = core.hostname() })
    if not okj then je = errors.of(je); return nil, c:fail(je.kind, je.msg) end
    -- one run per host: the lease of every host a fault goes on, before anything else
    local okl, le = pcall(lease.take, c, instances, args.live and (args.limit_ms or preflight.LIVE_LIMIT_MS))
    if not okl then return nil, abandon(c, le) end
  end
  -- preflight: connect, check tools and privileges, read the facts each fault needs
  local okc, e = pcall(preflight.check, c, sc, rt, instances)
  if not okc then
    if args.dry_run then e = errors.of(e); return nil, c:fail(e.kind, e.msg) end
    return nil, abandon(c, e)
  end
  c:log("preflight: ok")
  return sc, rt, instances
end

function M.run(args)
  local c = context.new(args)
  local R = c.R
  local sc, rt, instances = prepare(c)
  if not sc then return rt end
  if args.dry_run then
    R.dry_run_text = preflight.dry_run_text(sc, rt, instances)
    return c:finish("dry-run", 0)
  end

  -- hold and degrade: nothing but the revert should take a fault off its host
  c.intact = not args.live and not sc.run and sc.expect ~= "recover"
  local before_ok = observe.steady(c, rt, "before", sc.steady_state)
  local mon_ok, mon_why = c.watch:before()
  if c.watch.skipped then c:log("%s", c.watch.skipped) end
  if before_ok and not mon_ok then
    before_ok = false
    c:log("before: %s", mon_why)
  end
  if not before_ok then
    lease.release(c)
    c:record { type = "end", verdict = "fail" }
    R.error = "steady state does not hold before injection, so nothing was injected"
    c:log("%s", R.error)
    return c:finish("fail", 1)
  end
  -- the experiment's deadline: the scenario's timeout, else observe plus ten minutes
  core.set_deadline(args.live and ((args.limit_ms or preflight.LIVE_LIMIT_MS) + 600000) or
    sc.timeout_ms or ((sc.observe and sc.observe.duration_ms or 3000000) + 600000))
  local okx, held, run_result = pcall(experiment, c, sc, rt, instances)
  core.set_deadline(nil)
  local run_error
  if not okx then
    local e = errors.of(held)
    if e.kind == "aborted" then c.aborted = c.aborted or e.msg
    elseif e.kind ~= "halted" then run_error = e end
    c:log("stopping: %s", e.msg)
    held = true
  end
  local after_ok = true
  if okx then after_ok = observe.steady(c, rt, "after", sc.steady_state) end
  local okr, rerr = pcall(inject.revert_all, c)
  for _, inst in ipairs(instances) do
    if inst.reverted_ms then c.watch:reverted(inst.reverted_ms) end
  end
  if not okr then
    local e = errors.of(rerr)
    run_error = run_error or errors.new(e.kind, "revert: " .. e.msg)
    core.shield(false)
  end
  c.phase = "again"
  local again_ok = again(c, sc, rt)
  local okf, fe = pcall(lease.release, c)
  if not okf then run_error = run_error or errors.of(fe) end

  if sc.runbook then R.runbook = sc.runbook end
  c.watch:finish(R)
  local v = verdict.verdict {
    aborted = c.aborted, halted = c.halted, error = run_error, faults = R.faults, instances = #instances,
    detected = R.detected_ms ~= nil, expect = sc.expect, observe = sc.observe ~= nil,
    live = args.live, outcome = R.live and R.live.outcome, limit_ms = R.live and R.live.limit_ms,
    freeform = sc.run ~= nil, run_result = run_result,
    before = before_ok, during = held, after = after_ok, again = again_ok,
  }
  for _, f in ipairs(v.findings) do R.findings[#R.findings + 1] = f end
  if v.error then R.error = v.error end
  -- the team's monitoring is part of the hypothesis: a silent alert or a broken SLO fails the run
  if v.verdict == "pass" then
    local slos_ok, why = monitoring.slos_ok(R)
    local silent = {}
    for _, a in ipairs(R.alerts or {}) do if not a.ok then silent[#silent + 1] = a.alert end end
    if #silent > 0 or not slos_ok then
      v.verdict, v.exit = "fail", 1
      R.error = #silent > 0 and ("alerts not as expected: " .. table.concat(silent, ", ")) or ("SLO broken: " .. why)
    end
  end
  R.hypothesis = { expect = sc.expect, before = before_ok, during = held, after = after_ok, again = again_ok }
  local oke, ee = pcall(c.record, c, { type = "end", verdict = v.verdict })
  if not oke and v.exit == 0 then return c:fail("journal", errors.of(ee).msg) end
  return c:finish(v.verdict, v.exit)
end

-- What a scenario file is, for check and list; nil, message when it is not one.
function M.describe(args)
  local sc, err = M.load(args.file)
  if not sc then return { ok = false, error = err } end
  local faults = {}
  for _, f in ipairs(sc.faults) do faults[#faults + 1] = f.kind .. " on " .. f.on end
  -- the tabletop's material, plain data: times as written and in ms
  local injects, hints, questions = {}, {}, {}
  for _, i in ipairs(sc.injects or {}) do
    injects[#injects + 1] = { at = i.at or "0s", at_ms = i.at_ms, from = i.from and tostring(i.from) or "",
      say = i.say and tostring(i.say) or "" }
  end
  for _, h in ipairs(sc.hints or {}) do
    hints[#hints + 1] = { after = h.after or "0s", after_ms = h.after_ms, cost = tonumber(h.cost) or 0,
      text = h.text and tostring(h.text) or "" }
  end
  for _, q in ipairs(type(sc.questions) == "table" and sc.questions or {}) do
    if type(q) == "table" then q = q.text or q.q or q[1] end
    if q ~= nil then questions[#questions + 1] = tostring(q) end
  end
  return { ok = true, id = sc.id, title = sc.title, tags = sc.tags or {}, topics = sc.topics or {},
    expect = sc.expect, faults = faults, runbook = sc.runbook, narrative = sc.narrative,
    injects = injects, hints = hints, questions = questions }
end

function M.catalog()
  return fault.catalog()
end

return M

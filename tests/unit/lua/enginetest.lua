-- enginetest: the engine's unit tests, run by tests/unit/test_engine.c with
-- fake gameday.ssh and gameday.journal (in this folder): verdicts, exit codes,
-- journal records and the order of commands on hosts, without root or a lab.
local ssh = require("gameday.ssh")
local journal = require("gameday.journal")
local fault = require("gameday.fault")
local engine = require("gameday.engine")
local verdict = require("gameday.engine.verdict")
local errors = require("gameday.engine.errors")

local M = {}
local DIR = "tests/unit/fixtures/engine/"

-- fault.flag: a fault of the fake hosts' command language
if not fault.kinds.flag then
  fault.define {
    kind = "flag", summary = "a flag on the fake host", params = {},
    describe = function() return "a flag" end,
    plan = function(_, _, _, token)
      return { inject = "flag on " .. token, revert = "flag off " .. token, check = "flag test " .. token }
    end,
  }
end

local function fail(fmt, ...) error(string.format(fmt, ...), 0) end
local function eq(what, got, want)
  if got ~= want then fail("%s: got %s, want %s", what, tostring(got), tostring(want)) end
end
local function has(what, s, sub)
  if type(s) ~= "string" or not s:find(sub, 1, true) then fail("%s: %q has no %q", what, tostring(s), sub) end
end

local function run(name, extra)
  local args = { file = DIR .. name .. ".lua", run_id = "t-1", token = "abc123", quiet = true }
  for k, v in pairs(extra or {}) do args[k] = v end
  return engine.run(args)
end

-- the commands logged whose text has sub, as "host cmd-kind" lines
local function cmds(sub)
  local out = {}
  for _, l in ipairs(ssh.log) do
    if l.cmd:find(sub, 1, true) then out[#out + 1] = l end
  end
  return out
end

-- the journal's records of a type; faults only (leases have negative seqs) unless all
local function records(type_, all)
  local out = {}
  for _, r in ipairs(journal.records) do
    if r.type == type_ and (all or r.seq == nil or r.seq > 0) then out[#out + 1] = r end
  end
  return out
end

local function no_flags_left()
  for h, flags in pairs(ssh.flags) do
    for tok in pairs(flags) do fail("flag %s left on %s", tok, h) end
  end
end

local cases = {}

function cases.degrade_passes()
  local R = run("degrade")
  eq("verdict", R.verdict, "pass")
  eq("exit", R.exit, 0)
  eq("intents", #records("intent"), 1)
  eq("reverted ok", records("reverted")[1].verified, true)
  eq("end", records("end")[1].verdict, "pass")
  eq("detected", R.detected_ms ~= nil, true)
  no_flags_left()
end

function cases.hold_fails_when_a_probe_fails()
  local R = run("hold")
  eq("verdict", R.verdict, "fail")
  eq("exit", R.exit, 1)
  eq("error", R.error, "steady state did not hold while the fault was on")
  eq("during", R.hypothesis.during, false)
  no_flags_left()
end

function cases.before_fails_injects_nothing()
  ssh.sick.lab1 = true
  local R = run("degrade")
  eq("exit", R.exit, 1)
  has("error", R.error, "nothing was injected")
  eq("intents", #records("intent"), 0)
  eq("inject commands", #cmds("flag on"), 0)
end

function cases.unreachable_in_preflight_exits_3()
  ssh.down.lab1 = true
  local R = run("degrade")
  eq("exit", R.exit, 3)
  eq("verdict", R.verdict, "error")
  has("error", R.error, "lab1: unreachable")
  eq("fault intents", #records("intent"), 0)
  eq("journal closed", records("end")[1] and records("end")[1].verdict, "error")
end

function cases.missing_tool_exits_3()
  ssh.fail["__gameday_facts__"] = 3
  local R = run("degrade")
  eq("exit", R.exit, 3)
  has("error", R.error, "fault.flag cannot run there")
end

function cases.inject_failure_exits_3_and_reverts()
  ssh.fail["^flag on"] = 1
  local R = run("degrade")
  eq("exit", R.exit, 3)
  has("error", R.error, "a flag failed")
  eq("reverted", #records("reverted"), 1)
  no_flags_left()
end

function cases.arm_failure_exits_3_before_injecting()
  ssh.fail["systemd%-run"] = 1
  local R = run("degrade")
  eq("exit", R.exit, 3)
  has("error", R.error, "cannot arm the dead-man timer")
  eq("inject commands", #cmds("flag on"), 0)
end

-- two faults on one host: rounds in order, reverts in reverse order
function cases.two_faults_on_one_host()
  local R = run("two")
  eq("verdict", R.verdict, "pass")
  eq("exit", R.exit, 0)
  local on = cmds("flag on")
  eq("injects", #on, 3)
  eq("inject 1", on[1].cmd, "flag on gd-abc123-1")
  eq("inject 2 (lab2, same round)", on[2].cmd, "flag on gd-abc123-2")
  eq("inject 3 (lab1's second, next round)", on[3].cmd, "flag on gd-abc123-3")
  if on[3].call == on[1].call then fail("two faults of lab1 went in one call") end
  local off = cmds("flag off")
  local order = {}
  for _, l in ipairs(off) do
    if l.cmd:find("^%( flag off") then order[#order + 1] = l.cmd:match("gd%-abc123%-%d") end
  end
  eq("reverts", #order, 3)
  eq("revert 1 (newest)", order[1], "gd-abc123-3")
  eq("revert 3 (lab1's first, last)", order[3], "gd-abc123-1")
  eq("verified", #records("reverted"), 3)
  no_flags_left()
end

function cases.halt_probe_aborts_with_4()
  local R = run("halt")
  eq("verdict", R.verdict, "aborted")
  eq("exit", R.exit, 4)
  has("error", R.error, "halted: probe 'lab1 healthy' failed")
  no_flags_left()
end

function cases.revert_not_verified_fails()
  ssh.stuck["gd-abc123-1"] = true
  local R = run("degrade")
  eq("verdict", R.verdict, "fail")
  eq("exit", R.exit, 1)
  eq("finding", R.findings[1].kind, "revert-failed")
  eq("recorded unverified", records("reverted")[1].verified, false)
end

function cases.fault_not_active_fails()
  ssh.fail["^flag test"] = 1
  local R = run("degrade")
  eq("exit", R.exit, 1)
  has("error", R.error, "a fault did not take effect")
end

function cases.scenario_error_exits_2_and_reverts()
  local R = run("boom")
  eq("verdict", R.verdict, "error")
  eq("exit", R.exit, 2)
  has("error", R.error, "boom")
  eq("reverted", #records("reverted"), 1)
  no_flags_left()
end

function cases.forged_error_kind_is_not_trusted()
  local R = run("forged")
  eq("exit", R.exit, 2)
  eq("verdict", R.verdict, "error")
  no_flags_left()
end

function cases.freeform_passes()
  local R = run("freeform")
  eq("verdict", R.verdict, "pass")
  eq("exit", R.exit, 0)
  no_flags_left()
end

function cases.journal_failure_exits_3()
  journal.broken = true
  local R = run("degrade")
  eq("exit", R.exit, 3)
  has("error", R.error, "cannot write the journal")
  eq("inject commands", #cmds("flag on"), 0)
end

function cases.dry_run_changes_nothing()
  local R = run("degrade", { dry_run = true })
  eq("verdict", R.verdict, "dry-run")
  eq("exit", R.exit, 0)
  has("text", R.dry_run_text, "inject: flag on gd-abc123-1")
  eq("inject commands", #cmds("flag on"), 0)
  eq("records", #journal.records, 0)
end

function cases.production_needs_yes()
  ssh.production.lab1 = true
  local R = run("degrade")
  eq("exit", R.exit, 2)
  has("error", R.error, "add --yes")
  R = run("degrade", { yes = true })
  eq("exit with --yes", R.exit, 0)
end

function cases.leased_host_is_refused_naming_the_holder()
  ssh.leased.lab1 = "run=20260101-000000-other runner=jump pid=4242 expires=4102444800"
  local R = run("degrade")
  eq("exit", R.exit, 3)
  has("error names the host and holder", R.error, "lab1 is leased by run 20260101-000000-other (runner jump, pid 4242)")
  eq("inject commands", #cmds("flag on"), 0)
  local intents = records("intent", true)
  eq("the lease was journaled", intents[1] and intents[1].fault, "lease")
  eq("and closed", #records("reverted", true), 1)
end

function cases.lease_taken_before_and_freed_after()
  local R = run("two")
  eq("exit", R.exit, 0)
  local take, first_inject, last_revert, release
  for i, l in ipairs(ssh.log) do
    if l.cmd:find("set -C", 1, true) then take = take or i end
    if l.cmd:find("^flag on") then first_inject = first_inject or i end
    if l.cmd:find("^%( flag off") then last_revert = i end
    if l.cmd:find('rm -f "$f"; true', 1, true) then release = i end
  end
  if not (take and first_inject and take < first_inject) then fail("the lease was not taken before injecting") end
  if not (release and last_revert and release > last_revert) then fail("the lease was not freed after reverting") end
  eq("lab1 free", ssh.lease.lab1, nil)
  eq("lab2 free", ssh.lease.lab2, nil)
  eq("one lease per host", #cmds("set -C"), 2)
  local seqs = {}
  for _, r in ipairs(records("intent", true)) do seqs[#seqs + 1] = r.seq end
  eq("leases first, negative seqs", seqs[1] < 0 and seqs[2] < 0 and seqs[3] > 0, true)
  for _, r in ipairs(records("intent", true)) do
    if r.fault ~= "lease" and not (r.guard or ""):find("lease", 1, true) then fail("intent %d has no lease guard", r.seq) end
  end
end

function cases.host_changed_before_revert_is_said()
  ssh.vanish["gd-abc123-1"] = true
  local R = run("degrade")
  eq("exit", R.exit, 1)
  eq("finding", R.findings[1] and R.findings[1].kind, "host-changed")
  has("says so", R.faults[1].revert_detail, "not as this run left it")
  eq("not verified", records("reverted")[1].verified, false)
end

-- the verdict alone: a table of facts to verdict and exit
function cases.verdict_rules()
  local base = { faults = {}, instances = 1, detected = true, expect = "recover", observe = true,
    before = true, during = true, after = true, again = true }
  local function v(over)
    local f = {}
    for k, x in pairs(base) do f[k] = x end
    for k, x in pairs(over) do f[k] = x end
    return verdict.verdict(f)
  end
  eq("pass", v({}).exit, 0)
  eq("recover: after fails", v({ after = false }).exit, 1)
  eq("degrade: after may fail", v({ expect = "degrade", after = false }).exit, 0)
  eq("degrade: again must hold", v({ expect = "degrade", again = false }).exit, 1)
  eq("hold: during must hold", v({ expect = "hold", during = false }).exit, 1)
  eq("aborted wins", v({ aborted = "aborted by SIGINT", error = errors.new("tool", "x") }).exit, 4)
  eq("halted", v({ halted = "probe" }).error, "halted: probe")
  eq("tool error", v({ error = errors.new("tool", "x") }).exit, 3)
  eq("unreachable error", v({ error = errors.new("unreachable", "x") }).exit, 3)
  eq("scenario error", v({ error = errors.new("scenario", "x") }).exit, 2)
  eq("journal error", v({ error = errors.new("journal", "x") }).exit, 3)
  eq("error over a failed revert", v({ error = errors.new("scenario", "x"),
    faults = { { host = "h", label = "l", reverted = false } } }).exit, 2)
  eq("failed revert", v({ faults = { { host = "h", label = "l", reverted = false } } }).exit, 1)
  local nd = v({ detected = false })
  eq("not detected is a finding", nd.findings[1].kind, "not-detected")
  eq("not detected still passes", nd.exit, 0)
  eq("hold: undetected is no finding", #v({ detected = false, expect = "hold" }).findings, 0)
  eq("inactive", v({ faults = { { host = "h", label = "l", active = false } } }).exit, 1)
  eq("live resolved", v({ live = true, outcome = "resolved" }).exit, 0)
  local lv = v({ live = true, outcome = "unresolved", limit_ms = 60000 })
  eq("live unresolved", lv.exit, 1)
  has("live unresolved says the limit", lv.error, "not resolved within the limit")
  eq("freeform false", v({ freeform = true, run_result = false }).exit, 1)
  eq("one mapping: lease", errors.exit("lease"), 3)
end

function M.list()
  local names = {}
  for k in pairs(cases) do names[#names + 1] = k end
  table.sort(names)
  return names
end

-- Runs one case on fresh fakes: { ok = true } or { ok = false, msg = why }.
function M.run(args)
  local f = cases[args.name]
  if not f then return { ok = false, msg = "no case " .. tostring(args.name) } end
  ssh.reset()
  journal.reset()
  local ok, err = pcall(f)
  return { ok = ok, msg = ok and "" or tostring(err) }
end

return M

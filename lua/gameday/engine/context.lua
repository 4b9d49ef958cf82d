-- gameday.engine.context: one run's record (R, the result the C side reads)
-- and what every phase shares: the clock, the phase, the log, timeline
-- events, journal records, and the rounds that keep one change per host at once.
local core = require("gameday.core")
local journal = require("gameday.journal")
local ssh = require("gameday.ssh")
local errors = require("gameday.engine.errors")

local M = {}
M.__index = M

function M.new(args)
  local c = setmetatable({ args = args, t0 = core.now_ms(), phase = "load", quiet = args.quiet,
    injected = {}, leases = {} }, M)
  c.R = { run = args.run_id, verdict = "error", exit = 2, timeline = {}, faults = {}, findings = {},
    phases = {}, file = args.file, dry_run = args.dry_run or false, started = core.epoch_ms() }
  return c
end

function M:log(fmt, ...)
  if not self.quiet then core.log(string.format(fmt, ...)) end
end

-- ms since the run began
function M:now()
  return core.now_ms() - self.t0
end

function M:event(e)
  e.t_ms = self:now()
  e.phase = self.phase
  self.R.timeline[#self.R.timeline + 1] = e
end

function M:record(rec)
  local ok, err = journal.append(rec)
  if not ok then errors.raise("journal", "cannot write the journal: %s", err) end
end

function M:finish(verdict, exit, err)
  local R = self.R
  R.verdict, R.exit = verdict, exit
  if err then R.error = err end
  R.ended = core.epoch_ms()
  R.duration_ms = self:now()
  return R
end

-- Ends the run as an error of kind (the one mapping gives the exit code).
function M:fail(kind, msg)
  return self:finish("error", errors.exit(kind), msg)
end

-- A host as a journal record keeps it: how recover reaches it again.
function M.host_record(name)
  local h = ssh.host(name)
  return { name = h.name, addr = h.addr, port = h.port, user = h.user, key_file = h.key_file,
    known_hosts = h.known_hosts, become = h.become }
end

-- Splits list into rounds in which each host comes at most once, in order:
-- the n-th change to a host goes in round n.
function M.rounds(list)
  local rounds, count = {}, {}
  for _, inst in ipairs(list) do
    local k = (count[inst.host] or 0) + 1
    count[inst.host] = k
    rounds[k] = rounds[k] or {}
    rounds[k][#rounds[k] + 1] = inst
  end
  return rounds
end

return M

-- gameday.engine.errors: errors that cross the engine's phases are tables
-- with a kind (as Redis raises them), and this table is the one place that
-- maps a kind to an exit code. Nothing here reads message text.
local core = require("gameday.core")

local M = {}

local EXIT = {
  input = 2,        -- a bad scenario, target or pattern
  scenario = 2,     -- the scenario's own code raised
  deadline = 2,     -- a script ran past its deadline
  memory = 2,       -- a script ran past its memory cap
  unreachable = 3,  -- a host could not be reached
  tool = 3,         -- a host lacks a tool or privilege, or a fault would not go on
  journal = 3,      -- the journal could not be written
  lease = 3,        -- another run holds a host
  aborted = 4,      -- a signal, or the game master gave up
  halted = 4,       -- a halt probe failed
}
M.EXIT = EXIT

-- Only errors made here are trusted (a scenario cannot forge a kind): they
-- are the keys of this weak table.
local ours = setmetatable({}, { __mode = "k" })
local mt = { __metatable = false, __tostring = function(e) return e.msg end }

function M.new(kind, msg)
  assert(EXIT[kind], "unknown error kind")
  local e = setmetatable({ kind = kind, msg = tostring(msg) }, mt)
  ours[e] = true
  return e
end

function M.raise(kind, fmt, ...)
  error(M.new(kind, select("#", ...) > 0 and string.format(fmt, ...) or fmt), 0)
end

function M.is(e)
  return ours[e] == true
end

-- gameday.core's stops (which no pcall of a scenario catches), as kinds
local STOPS = { abort = "aborted", deadline = "deadline", memory = "memory", outside = "scenario" }

-- Any value a pcall caught, as an error of ours: ours as it is; a stop as
-- its kind; anything else is an abort when one is pending, else the
-- scenario's (kind `otherwise`). The text is core.error_text's: a
-- scenario's error object has its __tostring run only within a short
-- window of its own, never after the run's deadline with none.
function M.of(e, otherwise)
  if M.is(e) then return e end
  local stop = core.stop_kind(e)
  if stop then return M.new(STOPS[stop], core.error_text(e)) end
  if core.aborted() then return M.new("aborted", "aborted by " .. core.aborted()) end
  return M.new(otherwise or "scenario", core.error_text(e))
end

-- The exit code of a kind: the one mapping.
function M.exit(kind)
  return EXIT[kind] or 2
end

return M

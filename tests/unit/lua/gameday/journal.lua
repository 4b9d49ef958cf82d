-- A fake gameday.journal for the engine's unit tests: records kept in
-- M.records; M.broken makes append fail as a full disk would.
local M = { records = {} }

function M.reset()
  M.records = {}
  M.broken = false
end

function M.append(rec)
  if M.broken then return nil, "journal.jsonl: No space left on device" end
  local copy = {}
  for k, v in pairs(rec) do copy[k] = v end
  M.records[#M.records + 1] = copy
  return true
end

function M.path() return nil end

return M

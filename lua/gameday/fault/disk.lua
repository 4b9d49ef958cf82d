-- Disk faults: fill a filesystem to a percent or by a size.
local util = require("gameday.util")

return function(define)
  define {
    kind = "disk_fill",
    summary = "fill the filesystem holding `path` to `percent` % full, or by `size` bytes",
    params = { "path", "percent", "size" },
    tools = { "fallocate|dd", "df" },
    validate = function(p)
      util.check(p, "path", "string", true, "disk_fill")
      if (p.percent == nil) == (p.size == nil) then error("give exactly one of 'percent' or 'size'", 0) end
      if p.percent ~= nil and (type(p.percent) ~= "number" or not (p.percent > 0 and p.percent <= 100)) then
        error("'percent' must be a number from 1 to 100", 0)
      end
      if p.size ~= nil then
        p.size_bytes = util.size_bytes(p.size, "size")
        if p.size_bytes <= 0 then error("'size' must be more than 0 bytes", 0) end
      end
    end,
    describe = function(p)
      return p.percent and string.format("fill %s to %g%%", p.path, p.percent) or
        string.format("fill %s by %s", p.path, tostring(p.size))
    end,
    preflight = function(p, q)
      return "test -d " .. q(p.path) .. " || { echo no directory " .. q(p.path) .. " >&2; exit 3; }"
    end,
    -- size and free bytes of the filesystem, in bytes
    facts = function(p, q)
      return "df -P -B1 " .. q(p.path) .. " | awk 'NR==2 { print \"fs_size=\" $2; print \"fs_avail=\" $4; print \"fs_used=\" $3 }'"
    end,
    plan = function(p, facts, q, token)
      local file = p.path:gsub("/+$", "") .. "/.gameday-fill-" .. token
      local bytes
      if p.size_bytes then
        bytes = p.size_bytes
      else
        local size, used = tonumber(facts.fs_size), tonumber(facts.fs_used)
        if not size or not used then error("cannot read the size of " .. p.path, 0) end
        bytes = math.floor(size * p.percent / 100) - used
        if bytes <= 0 then error(string.format("%s is already %d%% full", p.path, used * 100 // size), 0) end
      end
      local f, n = q(file), string.format("%d", bytes)
      return {
        -- fallocate when the filesystem has it, else dd; a full disk is the point, so
        -- dd's "no space left" on the last block is not a failure
        inject = "fallocate -l " .. n .. " " .. f .. " 2>/dev/null || " ..
          "{ dd if=/dev/zero of=" .. f .. " bs=1M count=" .. string.format("%d", (bytes + 1048575) // 1048576) ..
          " 2>/dev/null; test -e " .. f .. "; }",
        revert = "rm -f " .. f,
        check = "test -e " .. f,
      }
    end,
  }
end

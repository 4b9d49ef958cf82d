-- File faults: change a file's permissions, or move it aside.
local util = require("gameday.util")

return function(define)
  define {
    kind = "file_mode",
    summary = "chmod `path` to `mode` (default 000); revert restores the mode it had",
    params = { "path", "mode" },
    tools = { "chmod", "stat" },
    validate = function(p)
      util.check(p, "path", "string", true, "file_mode")
      p.mode = p.mode or "000"
      if type(p.mode) ~= "string" or not p.mode:match("^[0-7][0-7][0-7][0-7]?$") then
        error("'mode' must be octal digits as a string, like \"000\" or \"0640\"", 0)
      end
    end,
    describe = function(p) return "chmod " .. p.mode .. " " .. p.path end,
    preflight = function(p, q)
      return "test -e " .. q(p.path) .. " || { echo no such file " .. q(p.path) .. " >&2; exit 3; }"
    end,
    -- stat -L: chmod follows a symlink, so the mode to read (and put back) is the
    -- target's; the link's own is always 777
    facts = function(p, q) return "echo mode=$(stat -L -c %a " .. q(p.path) .. ")" end,
    plan = function(p, facts, q)
      local want = string.format("%o", tonumber(p.mode, 8))
      local orig = facts.mode or ""
      if not orig:match("^[0-7]+$") then error("cannot read the mode of " .. p.path, 0) end
      if orig == want then error(p.path .. " already has mode " .. p.mode, 0) end
      return {
        inject = "chmod " .. want .. " " .. q(p.path),  -- digits only: the mode as a number
        revert = "chmod " .. orig .. " " .. q(p.path),
        check = 'test "$(stat -L -c %a ' .. q(p.path) .. ')" = ' .. want,
      }
    end,
  }

  define {
    kind = "file_move",
    summary = "move `path` aside (as if deleted); revert moves it back",
    params = { "path" },
    tools = { "mv" },
    validate = function(p) util.check(p, "path", "string", true, "file_move") end,
    describe = function(p) return "move " .. p.path .. " aside" end,
    preflight = function(p, q)
      return "test -e " .. q(p.path) .. " || { echo no such file " .. q(p.path) .. " >&2; exit 3; }"
    end,
    plan = function(p, _, q, token)
      local path, aside = q(p.path), q(p.path .. ".gameday-aside-" .. token)
      return {
        inject = "mv " .. path .. " " .. aside,
        -- never clobber a file someone made meanwhile: say so and keep both.
        -- (no `exit` in a revert: the engine runs the disarm after it in the same shell)
        revert = "if [ -e " .. aside .. " ]; then if [ -e " .. path .. " ]; then echo " .. path ..
          " exists again, the original is kept at " .. aside .. " >&2; false; else mv " .. aside .. " " .. path .. "; fi; fi",
        check = "test -e " .. aside,
      }
    end,
  }
end

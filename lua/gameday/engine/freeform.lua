-- gameday.engine.freeform: the ctx a scenario's own run(ctx) gets, over the
-- same inject, revert, probe and exec the engine uses.
local ssh = require("gameday.ssh")
local util = require("gameday.util")
local probe = require("gameday.probe")
local observe = require("gameday.engine.observe")
local inject = require("gameday.engine.inject")

local M = {}
local why = util.why

function M.ctx(c, rt, instances)
  return {
    log = function(_, ...) c:log(...) end,
    sleep = function(_, d) observe.sleep(util.duration_ms(d, "ctx:sleep")) end,
    probe = function(_, p)
      local r = probe.eval(p, rt)
      c:event { kind = "probe", name = p.name, ok = r.ok, ms = r.ms, detail = r.detail }
      return r
    end,
    hosts = function(_, t) return rt.hosts(t) end,
    -- a command on every host of a target, not journaled: for setting up and looking
    exec = function(_, t, cmd)
      local jobs = {}
      for i, h in ipairs(rt.hosts(t)) do jobs[i] = { host = h, cmd = cmd } end
      local res = ssh.exec(jobs, { timeout_ms = 60000 })
      for _, r in ipairs(res) do
        c:event { kind = "exec", name = cmd:sub(1, 40), host = r.host, ok = r.status == "ok" and r.exit == 0,
          ms = r.ms, detail = why(r) }
      end
      return res
    end,
    inject = function(_, f)
      local list, known = {}, false
      for _, inst in ipairs(instances) do
        if inst.fault == f then
          known = true
          if not inst.done then inst.done = true; list[#list + 1] = inst end
        end
      end
      if not known then
        error("ctx:inject: this fault is not in the scenario's faults list, so it had no preflight", 2)
      end
      if #list > 0 then inject.inject(c, list) end
    end,
    revert = function() inject.revert_all(c) end,
  }
end

return M

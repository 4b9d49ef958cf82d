-- Network faults. tc (netem, htb) shapes what the host sends; nftables drops.
-- Every one of them spares the runner's own SSH connection (an htb class and
-- u32 filter for tc, an accept rule ahead of the drops for nft), so the
-- runner keeps control of the host while the fault is on.
local util = require("gameday.util")

-- facts: the interface carrying the runner's connection, and which tools work
local function net_facts(p, q, ctx)
  local dev = p.dev and ("echo dev=" .. q(p.dev)) or
    ("echo dev=$(ip route get " .. q(ctx.runner_addr) .. " | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -n 1)")
  return dev .. "; " ..
    "if [ -d /sys/module/sch_netem ] || modprobe -n sch_netem >/dev/null 2>&1; then echo netem=1; else echo netem=0; fi; " ..
    "if command -v nft >/dev/null 2>&1; then echo nft=1; else echo nft=0; fi"
end

local NETEM_MISSING = "echo 'sch_netem is not available on this kernel: tc qdisc netem, which this fault needs, fails with " ..
  "\"Specified qdisc kind is unknown\" (load the sch_netem module)' >&2; exit 3"

-- read-only: preflight must not change the host, so it does not load the module
-- (tc loads it by itself at inject when `modprobe -n` says it can be loaded)
local function netem_preflight()
  return "[ -d /sys/module/sch_netem ] || modprobe -n sch_netem >/dev/null 2>&1 || { " .. NETEM_MISSING .. "; }"
end

-- refuses to replace a root qdisc the host already has on dev
local function qdisc_free_sh(dev)
  return "if tc qdisc show dev " .. dev .. " | grep -Eq '^qdisc (htb|netem|tbf|prio|hfsc|drr|cake) [0-9a-f]+: root'; then " ..
    "echo " .. dev .. " already has a root qdisc, which gameday will not replace >&2; exit 1; fi"
end

-- htb root: class 1:10 for the runner's SSH flow, 1:20 (the default) faulted
local function htb_sh(dev, ctx, rate)
  local ip6 = ctx.runner_addr:find(":", 1, true)
  local match = ip6 and ("protocol ipv6 prio 1 u32 match ip6 dst " .. ctx.runner_addr .. "/128 match ip6 sport ")
    or ("protocol ip prio 1 u32 match ip dst " .. ctx.runner_addr .. "/32 match ip sport ")
  return qdisc_free_sh(dev) .. " && tc qdisc add dev " .. dev .. " root handle 1: htb default 20 r2q 100000" ..
    " && tc class add dev " .. dev .. " parent 1: classid 1:10 htb rate 10gbit" ..
    " && tc class add dev " .. dev .. " parent 1: classid 1:20 htb rate " .. (rate or "10gbit") ..
    " && tc filter add dev " .. dev .. " parent 1: " .. match .. string.format("%d", ctx.ssh_port) .. " 0xffff flowid 1:10"
end

local function tc_revert(dev)
  return "if tc qdisc show dev " .. dev .. " | grep -q '^qdisc htb 1: root'; then tc qdisc del dev " .. dev .. " root; fi"
end

local function dev_of(facts)
  local dev = facts.dev or ""
  if not dev:match("^[%w%.%-_@]+$") then error("cannot find the interface towards the runner", 0) end
  return dev
end

local function netem_kind(kind, summary, params, netem_args, validate)
  return {
    kind = kind,
    summary = summary .. " (tc netem), on the interface towards the runner unless `dev` is given",
    params = params,
    tools = { "tc", "ip" },
    root = true,
    validate = validate,
    describe = function(p) return kind:gsub("_", " ") .. " " .. netem_args(p) .. (p.dev and (" on " .. p.dev) or "") end,
    preflight = function() return netem_preflight() end,
    facts = net_facts,
    plan = function(p, facts, _, _, ctx)
      local dev = dev_of(facts)
      return {
        inject = htb_sh(dev, ctx) .. " && tc qdisc add dev " .. dev .. " parent 1:20 handle 20: netem " .. netem_args(p),
        revert = tc_revert(dev),
        check = "tc qdisc show dev " .. dev .. " | grep -q '^qdisc netem 20:'",
      }
    end,
  }
end

local function percent(p, field)
  local v = p[field]
  if type(v) ~= "number" or not (v > 0 and v <= 100) then  -- not NaN either
    error("'" .. field .. "' must be a percent from 0 to 100", 0)
  end
end

local function nft_table(token)
  return "gameday_" .. token:gsub("[^%w]", "_")
end

-- nft -f - with the given chains in a table of its own; revert deletes the table.
-- nft wants a newline (or ';') after each '}', so each chain is a line of its own.
local function nft_plan(q, token, chains)
  local t = nft_table(token)
  local ruleset = "table inet " .. t .. " {\n" .. table.concat(chains, "\n") .. "\n}"
  return {
    inject = "printf '%s\\n' " .. q(ruleset) .. " | nft -f -",
    revert = "nft delete table inet " .. t .. " 2>/dev/null; ! nft list table inet " .. t .. " >/dev/null 2>&1",
    check = "nft list table inet " .. t .. " >/dev/null 2>&1",
  }
end

-- accept rules for the runner's SSH flow, first in each chain
local function spare_runner(ctx, dir)
  local fam = ctx.runner_addr:find(":", 1, true) and "ip6" or "ip"
  if dir == "out" then
    return fam .. " daddr " .. ctx.runner_addr .. " tcp sport " .. ctx.ssh_port .. " accept; "
  end
  return fam .. " saddr " .. ctx.runner_addr .. " tcp dport " .. ctx.ssh_port .. " accept; "
end

local function addr_family(a)
  return a:find(":", 1, true) and "ip6" or "ip"
end

return function(define)
  define(netem_kind("net_delay", "delay what the host sends by `delay` (\"300ms\") ± `jitter`",
    { "delay", "jitter", "dev" },
    function(p) return "delay " .. p.delay_ms .. "ms" .. (p.jitter_ms and (" " .. p.jitter_ms .. "ms") or "") end,
    function(p)
      p.delay_ms = util.duration_ms(p.delay or error("'delay' is required, like \"300ms\"", 0), "delay")
      if p.jitter then p.jitter_ms = util.duration_ms(p.jitter, "jitter") end
    end))
  define(netem_kind("net_corrupt", "corrupt `percent` % of what the host sends", { "percent", "dev" },
    function(p) return string.format("corrupt %g%%", p.percent) end, function(p) percent(p, "percent") end))
  define(netem_kind("net_duplicate", "duplicate `percent` % of what the host sends", { "percent", "dev" },
    function(p) return string.format("duplicate %g%%", p.percent) end, function(p) percent(p, "percent") end))

  define {
    kind = "net_loss",
    summary = "drop `percent` % of what the host sends: tc netem, or nftables numgen where netem is missing",
    params = { "percent", "dev" },
    tools = { "tc|nft", "ip" },
    root = true,
    validate = function(p) percent(p, "percent") end,
    describe = function(p) return string.format("drop %g%% of packets", p.percent) .. (p.dev and (" on " .. p.dev) or "") end,
    preflight = function()
      return "[ -d /sys/module/sch_netem ] || modprobe -n sch_netem >/dev/null 2>&1 || command -v nft >/dev/null || " ..
        "{ echo 'neither sch_netem nor nft is available for packet loss' >&2; exit 3; }"
    end,
    facts = net_facts,
    plan = function(p, facts, q, token, ctx)
      local dev = dev_of(facts)
      if facts.netem == "1" then
        return {
          inject = htb_sh(dev, ctx) .. " && tc qdisc add dev " .. dev .. " parent 1:20 handle 20: netem loss " .. string.format("%g%%", p.percent),
          revert = tc_revert(dev),
          check = "tc qdisc show dev " .. dev .. " | grep -q '^qdisc netem 20:'",
        }
      end
      -- in hundredths of a percent, so that 0.5 % drops something (nft takes
      -- no "< 10000" after "mod 10000": 100 % is a plain drop)
      local n = math.floor(p.percent * 100 + 0.5)
      local when = n >= 10000 and "" or ("numgen random mod 10000 < " .. string.format("%d", n) .. " ")
      return nft_plan(q, token, { "chain out { type filter hook output priority 0; policy accept; " ..
        spare_runner(ctx, "out") .. 'oifname "' .. dev .. '" ' .. when .. "drop; }" })
    end,
  }

  define {
    kind = "net_rate",
    summary = "limit what the host sends to `rate` (\"1mbit\") with tc htb",
    params = { "rate", "dev" },
    tools = { "tc", "ip" },
    root = true,
    validate = function(p)
      if type(p.rate) ~= "string" or not p.rate:match("^%d+%.?%d*[kmg]?bit$") then
        error("'rate' must be like \"1mbit\", \"500kbit\" or \"2gbit\"", 0)
      end
    end,
    describe = function(p) return "limit to " .. p.rate .. (p.dev and (" on " .. p.dev) or "") end,
    facts = net_facts,
    plan = function(p, facts, _, _, ctx)
      local dev = dev_of(facts)
      return {
        inject = htb_sh(dev, ctx, p.rate .. " ceil " .. p.rate),
        revert = tc_revert(dev),
        check = "tc qdisc show dev " .. dev .. " | grep -q '^qdisc htb 1: root'",
      }
    end,
  }

  define {
    kind = "partition",
    summary = "drop all traffic between the host and `peer` (a target, a host pattern or an address) with nftables",
    params = { "peer" },
    tools = { "nft" },
    root = true,
    validate = function(p) util.check(p, "peer", "string", true, "partition") end,
    describe = function(p) return "partition from " .. p.peer end,
    plan = function(p, _, q, token, ctx)
      local addrs = ctx.addrs(p.peer)
      if #addrs == 0 then error("peer '" .. p.peer .. "' has no address", 0) end
      local out, inp = {}, {}
      for _, a in ipairs(addrs) do
        if not (a:match("^%d+%.%d+%.%d+%.%d+$") or (a:find(":", 1, true) and a:match("^[%x:%.]+$"))) then
          error("peer address " .. a .. " is not an IP address", 0)
        end
        out[#out + 1] = addr_family(a) .. " daddr " .. a .. " drop; "
        inp[#inp + 1] = addr_family(a) .. " saddr " .. a .. " drop; "
      end
      return nft_plan(q, token, {
        "chain out { type filter hook output priority 0; policy accept; " .. spare_runner(ctx, "out") .. table.concat(out) .. "}",
        "chain in { type filter hook input priority 0; policy accept; " .. spare_runner(ctx, "in") .. table.concat(inp) .. "}" })
    end,
  }

  define {
    kind = "dns_fail",
    summary = "drop the host's DNS queries (UDP and TCP port 53) with nftables",
    params = {},
    tools = { "nft" },
    root = true,
    describe = function() return "drop DNS queries" end,
    plan = function(_, _, q, token)
      return nft_plan(q, token, { "chain out { type filter hook output priority 0; policy accept; " ..
        "udp dport 53 drop; tcp dport 53 drop; }" })
    end,
  }
end

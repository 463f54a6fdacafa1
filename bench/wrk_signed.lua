-- wrk script for bench/webhook.py: POSTs pre-signed, unique WhatsApp webhook bodies.
--
-- Usage: wrk -s bench/wrk_signed.lua URL -- <bodies dir> <phase>
-- Each wrk thread reads its own file <dir>/<phase>.<thread number>.txt, so the threads never send the
-- same wamid. A line is "<X-Hub-Signature-256 value>\t<JSON body>" (JSON escapes tabs and newlines,
-- so both are safe separators). The signatures are computed in Python because wrk's LuaJIT has no
-- HMAC. When a thread runs out of bodies it starts over and counts the reuse: the server under test
-- may then answer from its dedupe path, which is cheaper, so bench/webhook.py reports it.

local threads = {}
local counter = 0

-- Runs in the main Lua state once per thread, before that thread's init(): numbers the threads.
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local sigs = {}
local bodies = {}
local n = 0
local i = 0
local sent = 0
reused = 0 -- global so done() can read it with thread:get()
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  local path = args[1] .. "/" .. args[2] .. "." .. tid .. ".txt"
  local f = assert(io.open(path, "rb"))
  -- One read and a gmatch is the quickest load; it matters because thread 1 already sends while
  -- thread 2 is still in init() and wrk's clock has not started yet.
  local content = f:read("*a")
  f:close()
  for line in content:gmatch("[^\n]+") do
    local tab = line:find("\t", 1, true)
    n = n + 1
    sigs[n] = line:sub(1, tab - 1)
    bodies[n] = line:sub(tab + 1)
  end
  assert(n > 0, "no bodies in " .. path)
end

function request()
  i = i + 1
  if i > n then
    i = 1
  end
  sent = sent + 1
  if sent > n then
    reused = reused + 1
  end
  headers["X-Hub-Signature-256"] = sigs[i]
  return wrk.format("POST", nil, headers, bodies[i])
end

-- Machine-readable summary for bench/webhook.py (latencies in microseconds). wrk counts a response
-- as a status error when its code is above 399.
function done(summary, latency, requests)
  local reused_total = 0
  for _, thread in ipairs(threads) do
    reused_total = reused_total + (thread:get("reused") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,'
      .. '"write_errors":%d,"status_errors":%d,"timeouts":%d,"mean_us":%.1f,"max_us":%d,'
      .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"reused":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), reused_total
  ))
end

-- wrk script for bench/run.py: spread requests over the paths of a file, report JSON.
--
--   wrk -t2 -c16 -d10s -s bench/paths.lua http://127.0.0.1:8000 -- paths.txt
--
-- Each wrk thread walks the list (one path a line) from its own starting point, so many
-- entities are requested, not one. At the end one JSON line (prefixed "WRK-JSON ") gives
-- requests, seconds, errors and latency percentiles in microseconds. With WRK_STATUSES=1 in the
-- environment it also counts answers by status (2xx, 429, any other), which costs wrk a little
-- per response: only the SPARQL throughput runs ask for it.

local paths = {}
local next_index = 1
local thread_count = 0
local threads = {}

ok, ok429, other = 0, 0, 0

function setup(thread)
  thread:set("offset", thread_count)
  thread_count = thread_count + 1
  threads[#threads + 1] = thread
end

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open the paths file")
  for line in file:lines() do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  file:close()
  assert(#paths > 0, "the paths file is empty")
  -- Threads start far apart in the list.
  next_index = ((offset or 0) * 7919) % #paths + 1
end

function request()
  local path = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format("GET", path)
end

if os.getenv("WRK_STATUSES") == "1" then
  function response(status, headers, body)
    if status >= 200 and status < 300 then
      ok = ok + 1
    elseif status == 429 then
      ok429 = ok429 + 1
    else
      other = other + 1
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local n2xx, n429, nother = 0, 0, 0
  for _, thread in ipairs(threads) do
    n2xx = n2xx + (thread:get("ok") or 0)
    n429 = n429 + (thread:get("ok429") or 0)
    nother = nother + (thread:get("other") or 0)
  end
  io.write(string.format(
    'WRK-JSON {"requests": %d, "seconds": %.6f, "bytes": %d, "errors": %d, '
      .. '"status_errors": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, '
      .. '"n2xx": %d, "n429": %d, "nother": %d}\n',
    summary.requests, summary.duration / 1e6, summary.bytes,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    n2xx, n429, nother
  ))
end

-- wrk script used by every run of the benchmark (bench/loadgen.py writes its input file).
--
--   wrk ... -s requests.lua URL -- FILE MODE BASE
--
-- FILE holds one request per line: "<Accept header>\t<path>".  Each wrk thread cycles through
-- the lines, starting at its own offset, so a run mixes them evenly.
-- MODE "fixed":  the path is sent as it is (the repeated workload).
-- MODE "unique": a number is appended to the path (the lines end in "LIMIT%20"), distinct for
--                every request of the run: BASE + thread * 10000000 + counter.  BASE differs
--                between runs, so no request text is ever sent twice to a server.
-- done() prints one JSON object with the counts and latency percentiles (microseconds).

local lines = {}
local index = 0
local counter = 0
local unique = false
local base = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = args[1]
  unique = (args[2] == "unique")
  base = tonumber(args[3] or "0")
  for line in io.lines(file) do
    local accept, path = line:match("^([^\t]*)\t(.+)$")
    if path then
      table.insert(lines, { accept = accept, path = path })
    end
  end
  if #lines == 0 then
    error("no requests in " .. file)
  end
  index = (tid or 0) % #lines
end

function request()
  local item = lines[index + 1]
  index = (index + 1) % #lines
  local path = item.path
  if unique then
    counter = counter + 1
    path = path .. tostring(base + (tid or 0) * 10000000 + counter)
  end
  local headers = {}
  if item.accept ~= "" then
    headers["Accept"] = item.accept
  end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\n@@WRK@@{"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max))
end

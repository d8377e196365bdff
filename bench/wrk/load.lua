-- wrk script of the bench (bench/wrk.ts runs it). Arguments after `--`:
--   paths <file>                 GET the paths of <file> (one a line) in turn, each thread from its own offset
--   post <path> <body file> <run>
--                                POST the JSON of <body file>, `{n}` in it replaced by a number unique in
--                                this run (`<run>-<thread>-<n>`), from a client address unique in this run
--                                (X-Forwarded-For, which the local host started with --client-address-header believes)
-- done() prints one JSON line: counts, errors and latency percentiles in microseconds.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  mode = args[1]
  n = 0
  if mode == "paths" then
    paths = {}
    for line in io.lines(args[2]) do
      if #line > 0 then table.insert(paths, line) end
    end
  else
    path = args[2]
    local file = assert(io.open(args[3], "rb"))
    template = file:read("*a")
    file:close()
    run = tonumber(args[4])
  end
end

function request()
  n = n + 1
  if mode == "paths" then
    return wrk.format("GET", paths[(n + id * 101) % #paths + 1])
  end
  local body = string.gsub(template, "{n}", string.format("%d-%d-%d", run, id, n))
  local address = string.format("fd00:%x:%x::%x:%x", run, id, math.floor(n / 65536), n % 65536)
  return wrk.format("POST", path, { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = address }, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\n{"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end

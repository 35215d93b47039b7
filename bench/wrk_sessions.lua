-- wrk script: each request carries one of many session cookies in turn (one per simulated
-- tablet), and every status other than 200 is counted as an error.
local cookies = {}
for c in string.gmatch(os.getenv("BENCH_COOKIES") or "", "[^,]+") do
  table.insert(cookies, c)
end
local counter = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("offset", #threads)
end

function init(args)
  non200 = 0
  counter = offset or 0
end

function request()
  counter = counter + 1
  local cookie = cookies[(counter % #cookies) + 1]
  wrk.headers["Cookie"] = "sessionid=" .. cookie
  wrk.headers["X-Forwarded-Proto"] = "https"
  return wrk.format("GET", wrk.path)
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non200") or 0)
  end
  io.write(string.format(
    "BENCH requests=%d seconds=%.3f rps=%.1f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f "
      .. "non200=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d status_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    bad, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status))
end

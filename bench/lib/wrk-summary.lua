-- Prints wrk's totals as one JSON line (parsed by lib/wrk.js). With BENCH_KEYS_FILE set, each
-- request carries the next key from that file (one per line) in BENCH_KEY_HEADER, so a
-- gateway's key cache misses; without it wrk's fixed request (and its -H headers) is used.
local keys_file = os.getenv("BENCH_KEYS_FILE")
local header = os.getenv("BENCH_KEY_HEADER") or "x-api-key"
local keys, count, index = {}, 0, 0

if keys_file and keys_file ~= "" then
  init = function(args)
    for line in io.lines(keys_file) do
      count = count + 1
      keys[count] = line
    end
  end
  request = function()
    index = index % count + 1
    return wrk.format(nil, nil, { [header] = keys[index] })
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nBENCH_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"connectErrors":%d,"readErrors":%d,' ..
    '"writeErrors":%d,"statusErrors":%d,"timeouts":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end

-- wrk script for bench_ingest.py: every request a distinct PVT result report of one of the
-- demo's observers (token and station from the file named by the first argument), posted to
-- the observer API. Each thread stops after its share of the reports (second argument:
-- reports in all; third: wrk threads), so a run sends a fixed burst, not a fixed time.
-- Prints one JSON line of figures at the end.

local observers = {}
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local function uuid4()
  local template = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (string.gsub(template, "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

function init(args)
  for line in io.lines(args[1]) do
    local token, station = line:match("^(%S+)%s+(%S+)$")
    if token then table.insert(observers, { token = token, station = station }) end
  end
  limit = math.floor(tonumber(args[2]) / tonumber(args[3]))
  sent, ok, refused, other = 0, 0, 0, 0
  math.randomseed(os.time() * 1000 + id)
  counter = id
end

function request()
  counter = counter + 1
  local o = observers[(counter * 7919) % #observers + 1]
  local votes = counter % 997
  local c = { 400 + votes, 120, 40, 20, 10, 6, 4 }
  local valid = 0
  for _, v in ipairs(c) do valid = valid + v end
  local body = string.format(
    '{"client_uuid":"%s","form":"PR","station":"%s","answers":{"RV":1500,"BI":%d,"BC":%d,"IN":12,"VA":%d,"C1":%d,"C2":%d,"C3":%d,"C4":%d,"C5":%d,"C6":%d,"C7":%d}}',
    uuid4(), o.station, valid + 12, valid + 12, valid, c[1], c[2], c[3], c[4], c[5], c[6], c[7])
  return wrk.format("POST", "/api/o/submissions",
    { ["Authorization"] = "Token " .. o.token, ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  sent = sent + 1
  if status == 202 then ok = ok + 1
  elseif status == 429 then refused = refused + 1
  else other = other + 1 end
  if sent >= limit then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local a, r, o = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("ok"); r = r + t:get("refused"); o = o + t:get("other")
  end
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"accepted":%d,"refused":%d,"other":%d,"errors":%d,"p50_ms":%.1f,"p99_ms":%.1f,"max_ms":%.1f}\n',
    summary.requests, summary.duration / 1e6, a, r, o,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end

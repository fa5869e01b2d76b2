#!/usr/bin/env bash
# Load test of POST /v1/usage/events on PostgreSQL: the release binary, one org reporting
# usage of its metered data pack with an API key, wrk on loopback posting batches of 100
# events with unique ids and a share of ids sent before (retries), for DURATION seconds.
# Prints events per second (sent and counted), the duplicate rate and the p99 per batch.
#
#   bash scripts/bench/usage-ingest.sh
# Environment: PGHOST/PGPORT (127.0.0.1:5432), DURATION (15; 60 for the sustained figure),
# CONNECTIONS (16), BATCH (100), DUPLICATES (percent of events repeating an id, 5), PORT
# (18082), BUILD (1; 0 reuses target/release/marketplace-api).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-16}
BATCH=${BATCH:-100}
DUPLICATES=${DUPLICATES:-5}
PORT=${PORT:-18082}
DB=marketplace_bench_usage
# shellcheck source=usage-setup.sh
source scripts/bench/usage-setup.sh

cat >"$WORK/ingest.lua" <<'LUA'
-- Each request is a batch of BATCH events of the `rows` meter, ids unique per thread and
-- run; DUPLICATES percent of them repeat an id sent in the thread's previous batch.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  tool = os.getenv("BENCH_TOOL")
  batch = tonumber(os.getenv("BENCH_BATCH"))
  dup_percent = tonumber(os.getenv("BENCH_DUPLICATES"))
  run = os.getenv("BENCH_RUN")
  n, sent, accepted, duplicates, rejected, failures = 0, 0, 0, 0, 0, 0
  previous = {}
  math.randomseed(os.time() + id)
end

function request()
  local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
  local events, ids = {}, {}
  for i = 1, batch do
    local event_id
    if #previous > 0 and math.random(100) <= dup_percent then
      event_id = previous[math.random(#previous)]
    else
      n = n + 1
      event_id = run .. "-" .. id .. "-" .. n
    end
    ids[i] = event_id
    events[i] = '{"id":"' .. event_id .. '","tool_id":"' .. tool ..
      '","meter":"rows","value":1,"timestamp":"' .. now .. '"}'
  end
  previous = ids
  return wrk.format("POST", "/v1/usage/events",
    { ["Content-Type"] = "application/json", ["Authorization"] = "ApiKey " .. os.getenv("BENCH_KEY") },
    '{"events":[' .. table.concat(events, ",") .. ']}')
end

function response(status, headers, body)
  sent = sent + batch
  if status ~= 202 then failures = failures + 1; return end
  accepted = accepted + tonumber(string.match(body, '"accepted":(%d+)'))
  duplicates = duplicates + tonumber(string.match(body, '"duplicates":(%d+)'))
end

function done(summary, latency, requests)
  local s, a, d, f = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    s = s + t:get("sent"); a = a + t:get("accepted"); d = d + t:get("duplicates"); f = f + t:get("failures")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("batches: %d (%d not 202)\n", summary.requests, f))
  io.write(string.format("events answered: %d (%.0f/s), counted: %d (%.0f/s), duplicates: %d (%.1f %%)\n",
    s, s / seconds, a, a / seconds, d, 100 * d / math.max(a + d, 1)))
  io.write(string.format("per batch: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
LUA

echo "==> POST /v1/usage/events: batches of $BATCH, ${DUPLICATES} % repeated ids, wrk -t2 -c$CONNECTIONS -d${DURATION}s"
BENCH_KEY=$KEY BENCH_TOOL=$TOOL BENCH_BATCH=$BATCH BENCH_DUPLICATES=$DUPLICATES BENCH_RUN=$(date +%s) \
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/ingest.lua" "$BASE" | tee "$WORK/ingest.txt"

echo
echo "==> what the store counted (after the last answers are in)"
sleep 3
curl -fs -H "Authorization: ApiKey $KEY" "$BASE/v1/access?tool_id=$TOOL&meter=rows"; echo
psql -At -h "$PGHOST" -p "$PGPORT" -U postgres -d "$DB" -c "SELECT
  'ids stored: ' || (SELECT count(*) FROM usage_event_ids) ||
  ', raw events: ' || (SELECT count(*) FROM usage_events) ||
  ', period total: ' || (SELECT sum(events) FROM usage_totals) || ' events, usage ' ||
  (SELECT sum(usage) FROM usage_totals)"
echo "(target: at least 10,000 events per second sustained for 60 s)"

#!/usr/bin/env bash
# Load test of the release binary on PostgreSQL with 10,000 extra tools, driven by wrk on
# loopback (16 connections), with pgbench's select-only test against the same server in the
# same run so each endpoint's ratio to it can be read from one output; then the same catalog
# reads on the embedded SQLite default. Bounded: each load phase runs DURATION seconds.
#
#   bash scripts/bench-http.sh            (or: just bench-http)
# Environment: PGHOST/PGPORT (127.0.0.1:5432), DURATION (20), PORT (18080).
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
DURATION=${DURATION:-20}
PORT=${PORT:-18080}
DB=marketplace_bench
OWNER_URL="postgres://postgres@$PGHOST:$PGPORT/$DB"
APP_URL="postgres://marketplace_app:marketplace_app@$PGHOST:$PGPORT/$DB"
WORK=$(mktemp -d)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v pgbench >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql-contrib; }

echo "==> building the release binary"
cargo build --release -q -p marketplace-api
BIN=target/release/marketplace-api

echo "==> a fresh database with the seed catalog and 10,000 more tools"
psql -q -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
export MARKETPLACE_MIGRATE_DATABASE_URL=$OWNER_URL MARKETPLACE_DATABASE_URL=$APP_URL
# The bench measures the service, not its request rate limits (R-T7).
export MARKETPLACE_RATE_LIMIT_API_KEY=off MARKETPLACE_RATE_LIMIT_USER=off MARKETPLACE_RATE_LIMIT_IP=off
$BIN migrate >/dev/null
$BIN seed >/dev/null
psql -q -h "$PGHOST" -p "$PGPORT" -U postgres -d "$DB" <<'SQL'
INSERT INTO tools (id, name, description, category, price_model, price_amount, currency,
                   required_tier, integration_type, status, seller_id, purchase_count, created_at)
SELECT gen_random_uuid(), 'Bench tool ' || n, 'Generated tool number ' || n || ' for load tests',
       (ARRAY['LEAD_GENERATION','LEAD_NURTURING','LISTING_OPTIMIZATION','PROPERTY_SHOPPING',
              'MARKET_INTELLIGENCE','INVESTMENT_ANALYSIS','DOCUMENT_PROCESSING','COMMISSION_FINANCIAL',
              'BOOKING_SCHEDULING','COMMUNICATION','CRM_TOOLS','ANALYTICS_TOOLS','AUTOMATION_TOOLS',
              'INTEGRATION_TOOLS'])[1 + n % 14],
       'ONE_TIME', 5 + (n % 300), 'USD', 'FREE', 'API',
       CASE WHEN n % 10 = 0 THEN 'BETA' ELSE 'ACTIVE' END,
       (SELECT id FROM sellers WHERE kind = 'PLATFORM' LIMIT 1), n % 500, now() - n * interval '1 minute'
FROM generate_series(1, 10000) AS n;
INSERT INTO tool_tags (tool_id, tag) SELECT id, 'bench' FROM tools WHERE name LIKE 'Bench tool %';
SQL
$BIN seed >/dev/null   # idempotent: gives the generated tools their plans
psql -q -h "$PGHOST" -p "$PGPORT" -U postgres -d "$DB" -c "ANALYZE"

echo "==> starting the server on 127.0.0.1:$PORT"
MARKETPLACE_BIND=127.0.0.1:$PORT MARKETPLACE_LOG=pretty,warn $BIN >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null

ADMIN=$($BIN dev-token --platform-role ADMIN)
READER=$($BIN dev-token)
THREADS=2
: >"$WORK/tokens"
for i in $(seq 1 $THREADS); do
  ORG=$(cat /proc/sys/kernel/random/uuid)
  curl -fs -X PUT -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
       -d "{\"name\":\"Bench org $i\",\"tier\":\"ENTERPRISE\"}" "http://127.0.0.1:$PORT/v1/admin/orgs/$ORG" >/dev/null
  curl -fs -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
       -d '{"amount":{"amount":"10000000.00","currency":"USD"}}' "http://127.0.0.1:$PORT/v1/admin/orgs/$ORG/credits" >/dev/null
  $BIN dev-token --org "$ORG" --org-role OWNER >>"$WORK/tokens"
done
psql -At -h "$PGHOST" -p "$PGPORT" -U postgres -d "$DB" \
     -c "SELECT id FROM tools WHERE name LIKE 'Bench tool %' AND status = 'ACTIVE' ORDER BY id" >"$WORK/tools"

cat >"$WORK/flow.lua" <<'LUA'
-- One connection per thread: add a tool to the cart, check out with credits, repeat.
local counter = 1
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args)
  local tokens = {}
  for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
  token = tokens[id]
  tools = {}
  for line in io.lines(os.getenv("BENCH_TOOLS")) do tools[#tools + 1] = line end
  i, step, failures = 0, 0, 0
end
function request()
  local h = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  if step == 0 then
    i = i + 1
    return wrk.format("POST", "/v1/cart/items", h, '{"item_type":"tool","item_id":"' .. tools[i] .. '"}')
  end
  h["Idempotency-Key"] = "bench-" .. id .. "-" .. i
  return wrk.format("POST", "/v1/checkout", h, '{"payment_method":"platform_credits"}')
end
function response(status, headers, body)
  if status >= 300 then failures = failures + 1 end
  step = 1 - step
end
function done(summary, latency, requests)
  io.write(string.format("flows (add + checkout): %.1f/s\n", summary.requests / 2 / (summary.duration / 1e6)))
end
LUA

QUERY="/v1/tools?category=MARKET_INTELLIGENCE&category=CRM_TOOLS&status=ACTIVE&price_min=10&price_max=250&limit=50&offset=100&sort_by=purchase_count&sort_order=desc"
ONE_TOOL="/v1/tools/$(head -n1 "$WORK/tools")"
: >"$WORK/summary"

# load LABEL URL: one wrk phase of 16 connections, its rate, p50 and p99 kept for the summary.
load() {
  echo
  echo "==> $1: wrk -t2 -c16 -d${DURATION}s"
  wrk -t2 -c16 -d"${DURATION}s" --latency -H "Authorization: Bearer $READER" "$2" | tee "$WORK/phase.txt"
  if grep -q "Non-2xx" "$WORK/phase.txt"; then echo "(non-2xx answers above: see $WORK/server.log)"; fi
  printf '%s|%s|%s|%s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' "$WORK/phase.txt")" \
    "$(awk '$1=="50%" {print $2}' "$WORK/phase.txt")" "$(awk '$1=="99%" {print $2}' "$WORK/phase.txt")" >>"$WORK/summary"
}

echo
echo "==> pgbench select-only against the same server (scale 10, 16 clients)"
psql -q -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -c "DROP DATABASE IF EXISTS pgbench_bench WITH (FORCE)" -c "CREATE DATABASE pgbench_bench"
pgbench -q -i -s 10 -h "$PGHOST" -p "$PGPORT" -U postgres pgbench_bench >/dev/null 2>&1
pgbench -S -c 16 -j 2 -T "$DURATION" -h "$PGHOST" -p "$PGPORT" -U postgres pgbench_bench | tee "$WORK/pgbench.txt"
PGBENCH=$(awk -F'= ' '/^tps/ {print $2; exit}' "$WORK/pgbench.txt" | awk '{print $1}')

load "PG GET /v1/tools (filtered page of 50)" "http://127.0.0.1:$PORT$QUERY"
load "PG GET /v1/tools/{id}" "http://127.0.0.1:$PORT$ONE_TOOL"
load "PG GET /v1/bundles" "http://127.0.0.1:$PORT/v1/bundles"
load "PG GET /v1/categories" "http://127.0.0.1:$PORT/v1/categories"

echo
echo "==> cart + checkout with platform credits: wrk -t$THREADS -c$THREADS -d${DURATION}s"
BENCH_TOKENS="$WORK/tokens" BENCH_TOOLS="$WORK/tools" \
  wrk -t$THREADS -c$THREADS -d"${DURATION}s" --latency -s "$WORK/flow.lua" "http://127.0.0.1:$PORT" | tee "$WORK/flow.txt"
grep -E "Non-2xx" "$WORK/flow.txt" && echo "(non-2xx answers above: see $WORK/server.log)" || true

echo
echo "==> the same catalog reads on the embedded SQLite default (seed catalog only)"
kill "$SERVER" 2>/dev/null || true
wait "$SERVER" 2>/dev/null || true
SQLITE_URL="sqlite://$WORK/bench.sqlite?mode=rwc"
MARKETPLACE_MIGRATE_DATABASE_URL=$SQLITE_URL MARKETPLACE_DATABASE_URL=$SQLITE_URL $BIN migrate >/dev/null
MARKETPLACE_MIGRATE_DATABASE_URL=$SQLITE_URL MARKETPLACE_DATABASE_URL=$SQLITE_URL $BIN seed >/dev/null
MARKETPLACE_DATABASE_URL=$SQLITE_URL MARKETPLACE_BIND=127.0.0.1:$PORT MARKETPLACE_LOG=pretty,warn \
  $BIN >"$WORK/server-sqlite.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
SQLITE_TOOL=$(curl -fs -H "Authorization: Bearer $READER" "http://127.0.0.1:$PORT/v1/tools?limit=1" | sed -E 's/.*"id":"([0-9a-f-]{36})".*/\1/')
load "SQLite GET /v1/tools (page of 50)" "http://127.0.0.1:$PORT/v1/tools?limit=50"
load "SQLite GET /v1/tools/{id}" "http://127.0.0.1:$PORT/v1/tools/$SQLITE_TOOL"
load "SQLite GET /v1/bundles" "http://127.0.0.1:$PORT/v1/bundles"
load "SQLite GET /v1/categories" "http://127.0.0.1:$PORT/v1/categories"
load "SQLite GET /healthz" "http://127.0.0.1:$PORT/healthz"

echo
echo "==> summary (ratio = requests/s over pgbench select-only tps of this run)"
printf '%-40s %10s %9s %9s %7s\n' "endpoint" "req/s" "p50" "p99" "ratio"
while IFS='|' read -r label rate p50 p99; do
  printf '%-40s %10s %9s %9s %7s\n' "$label" "$rate" "$p50" "$p99" \
    "$(awk -v r="$rate" -v b="$PGBENCH" 'BEGIN { if (b > 0) printf "%.2f", r / b; else print "-" }')"
done <"$WORK/summary"
printf '%-40s %10s %9s %9s\n' "cart+checkout (credits)" \
  "$(awk '/Requests\/sec/ {print $2}' "$WORK/flow.txt")" \
  "$(awk '$1=="50%" {print $2}' "$WORK/flow.txt")" "$(awk '$1=="99%" {print $2}' "$WORK/flow.txt")"
grep 'flows' "$WORK/flow.txt" || true
printf '%-40s %10s tps\n' "pgbench select-only" "$PGBENCH"

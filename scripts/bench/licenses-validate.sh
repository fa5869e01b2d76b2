#!/usr/bin/env bash
# Load test of POST /v1/licenses/validate: the release binary on PostgreSQL, an org holding
# licenses (half of them with an activated machine), wrk at 16 connections on loopback
# posting rotating keys with a nonce and a fingerprint, and pgbench's select-only test at
# 16 clients against the same server in the same run, so the ratio reads from one output.
# Bounded: each load phase runs DURATION seconds.
#
#   bash scripts/bench/licenses-validate.sh
# Environment: PGHOST/PGPORT (127.0.0.1:5432, user postgres, trust auth), DURATION (20),
# PORT (18081), LICENSES (20), BUILD (1; 0 reuses target/release/marketplace-api).
set -euo pipefail
cd "$(dirname "$0")/../.."

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
DURATION=${DURATION:-20}
PORT=${PORT:-18081}
LICENSES=${LICENSES:-20}
BUILD=${BUILD:-1}
DB=marketplace_bench_licenses
OWNER_URL="postgres://postgres@$PGHOST:$PGPORT/$DB"
APP_URL="postgres://marketplace_app:marketplace_app@$PGHOST:$PGPORT/$DB"
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v pgbench >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql-contrib; }

BIN=target/release/marketplace-api
if [ "$BUILD" = 1 ] || [ ! -x "$BIN" ]; then
  echo "==> building the release binary"
  cargo build --release -q -p marketplace-api
fi

echo "==> a fresh database with the seed catalog"
psql -q -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
export MARKETPLACE_MIGRATE_DATABASE_URL=$OWNER_URL MARKETPLACE_DATABASE_URL=$APP_URL
# The bench measures the service, not its request rate limits (R-T7).
export MARKETPLACE_RATE_LIMIT_API_KEY=off MARKETPLACE_RATE_LIMIT_USER=off MARKETPLACE_RATE_LIMIT_IP=off
$BIN migrate >/dev/null
$BIN seed >/dev/null

# A signing key for this run: kid and a 32-byte seed, base64url.
SEED=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
export MARKETPLACE_LICENSE_SIGNING_KEY="bench-$(date +%s):$SEED"

echo "==> starting the server on 127.0.0.1:$PORT"
MARKETPLACE_BIND=127.0.0.1:$PORT MARKETPLACE_LOG=pretty,warn $BIN >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 150); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.2; done
curl -fs "$BASE/readyz" >/dev/null

echo "==> an org buying $LICENSES tools with credits, and its licenses"
ADMIN=$($BIN dev-token --platform-role ADMIN)
ORG=$(cat /proc/sys/kernel/random/uuid)
OWNER=$($BIN dev-token --org "$ORG" --org-role OWNER)
json() { curl -fs -H "Authorization: Bearer $1" -H 'Content-Type: application/json' "${@:2}"; }
json "$ADMIN" -X PUT -d '{"name":"Bench licenses","tier":"ENTERPRISE"}' "$BASE/v1/admin/orgs/$ORG" >/dev/null
json "$ADMIN" -d '{"amount":{"amount":"10000000.00","currency":"USD"}}' "$BASE/v1/admin/orgs/$ORG/credits" >/dev/null
psql -At -h "$PGHOST" -p "$PGPORT" -U postgres -d "$DB" \
     -c "SELECT id FROM tools WHERE status = 'ACTIVE' AND price_model IN ('ONE_TIME','MONTHLY','ANNUAL','FREE') ORDER BY id LIMIT $LICENSES" >"$WORK/tools"
n=0
while read -r tool; do
  n=$((n + 1))
  json "$OWNER" -d "{\"item_type\":\"tool\",\"item_id\":\"$tool\"}" "$BASE/v1/cart/items" >/dev/null
  json "$OWNER" -H "Idempotency-Key: bench-licenses-$n" -d '{"payment_method":"platform_credits"}' "$BASE/v1/checkout" >/dev/null
done <"$WORK/tools"
json "$OWNER" "$BASE/v1/licenses?limit=100" | grep -o '"key":"ML1[^"]*"' | cut -d'"' -f4 >"$WORK/keys"
COUNT=$(wc -l <"$WORK/keys")
[ "$COUNT" -gt 0 ] || { echo "no licenses issued; see $WORK/server.log"; cat "$WORK/server.log"; exit 1; }
i=0
while read -r key; do
  i=$((i + 1))
  if [ $((i % 2)) = 0 ]; then
    curl -fs -H 'Content-Type: application/json' -d "{\"key\":\"$key\",\"fingerprint\":\"bench-machine\"}" \
         "$BASE/v1/licenses/activate" >/dev/null
  fi
done <"$WORK/keys"
echo "$COUNT licenses, every second one with bench-machine activated"
echo "one answer:"
curl -fs -H 'Content-Type: application/json' \
     -d "{\"key\":\"$(head -1 "$WORK/keys")\",\"fingerprint\":\"bench-machine\",\"nonce\":\"bench-nonce-0000000001\"}" \
     "$BASE/v1/licenses/validate"
echo

cat >"$WORK/validate.lua" <<'LUA'
-- Rotates over the licenses; every request names the machine and a fresh nonce.
function init(args)
  keys = {}
  for line in io.lines(os.getenv("BENCH_KEYS")) do keys[#keys + 1] = line end
  i, failures = 0, 0
  prefix = tostring(math.random(100000, 999999))
end
function request()
  i = i + 1
  local key = keys[(i % #keys) + 1]
  local body = '{"key":"' .. key .. '","fingerprint":"bench-machine","nonce":"n-' .. prefix .. '-' .. string.format("%010d", i) .. '"}'
  return wrk.format("POST", "/v1/licenses/validate", { ["Content-Type"] = "application/json" }, body)
end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"signature"', 1, true) then failures = failures + 1 end
end
LUA

echo
echo "==> POST /v1/licenses/validate: wrk -t2 -c16 -d${DURATION}s"
BENCH_KEYS="$WORK/keys" wrk -t2 -c16 -d"${DURATION}s" --latency -s "$WORK/validate.lua" "$BASE" | tee "$WORK/validate.txt"
if grep -q "Non-2xx" "$WORK/validate.txt"; then echo "(non-2xx answers above: see the server log)"; tail -20 "$WORK/server.log"; fi

echo
echo "==> pgbench select-only against the same server (scale 10, 16 clients)"
psql -q -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -c "DROP DATABASE IF EXISTS pgbench_bench WITH (FORCE)" -c "CREATE DATABASE pgbench_bench"
pgbench -q -i -s 10 -h "$PGHOST" -p "$PGPORT" -U postgres pgbench_bench >/dev/null 2>&1
pgbench -S -c 16 -j 2 -T "$DURATION" -h "$PGHOST" -p "$PGPORT" -U postgres pgbench_bench | tee "$WORK/pgbench.txt"

echo
echo "==> summary"
RATE=$(awk '/Requests\/sec/ {print $2}' "$WORK/validate.txt")
TPS=$(awk -F'= ' '/^tps/ {print $2; exit}' "$WORK/pgbench.txt" | awk '{print $1}')
printf 'POST /v1/licenses/validate  %s req/s   p50 %s  p99 %s\n' "$RATE" \
  "$(awk '$1=="50%" {print $2}' "$WORK/validate.txt")" "$(awk '$1=="99%" {print $2}' "$WORK/validate.txt")"
printf 'pgbench select-only         %s tps\n' "$TPS"
awk -v r="$RATE" -v t="$TPS" 'BEGIN { if (t > 0) printf "validate / pgbench          %.2f (target: at least 0.50; p99 target: at most 2 ms)\n", r / t }'

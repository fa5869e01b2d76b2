# Shared by usage-ingest.sh and usage-access.sh (sourced, not run): the release binary on a
# fresh PostgreSQL database with the seed catalog, a server on loopback, and an org whose
# metered subscription a host reports usage of with an API key.
#
# Sets BIN, BASE, WORK, SERVER, KEY (usage:write, usage:read, entitlements:read) and TOOL
# (Market Data Integration: `rows`, summed, 1,000,000 a month then 0.001 a row, soft).
# Environment: PGHOST/PGPORT (127.0.0.1:5432, user postgres, trust auth), PORT, BUILD (1;
# 0 reuses target/release/marketplace-api, or BIN), DB.

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
BUILD=${BUILD:-1}
OWNER_URL="postgres://postgres@$PGHOST:$PGPORT/$DB"
APP_URL="postgres://marketplace_app:marketplace_app@$PGHOST:$PGPORT/$DB"
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

BIN=${BIN:-target/release/marketplace-api}
if [ "$BUILD" = 1 ] || [ ! -x "$BIN" ]; then
  echo "==> building the release binary"
  cargo build --release -q -p marketplace-api
fi

echo "==> a fresh database with the seed catalog"
psql -q -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
export MARKETPLACE_MIGRATE_DATABASE_URL=$OWNER_URL MARKETPLACE_DATABASE_URL=$APP_URL
# The benches measure the service, not its request rate limits (R-T7).
export MARKETPLACE_RATE_LIMIT_API_KEY=off MARKETPLACE_RATE_LIMIT_USER=off MARKETPLACE_RATE_LIMIT_IP=off
$BIN migrate >/dev/null
$BIN seed >/dev/null
SEED=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
export MARKETPLACE_LICENSE_SIGNING_KEY="bench-$(date +%s):$SEED"

echo "==> starting the server on 127.0.0.1:$PORT"
MARKETPLACE_BIND=127.0.0.1:$PORT MARKETPLACE_LOG=pretty,warn $BIN >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 150); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.2; done
curl -fs "$BASE/readyz" >/dev/null

echo "==> a metered data pack, an org subscribed to it, and its API key"
ADMIN=$($BIN dev-token --platform-role ADMIN)
ORG=$(cat /proc/sys/kernel/random/uuid)
OWNER=$($BIN dev-token --org "$ORG" --org-role OWNER)
json() { curl -fs -H "Authorization: Bearer $1" -H 'Content-Type: application/json' "${@:2}"; }
TOOL=$(psql -At -h "$PGHOST" -p "$PGPORT" -U postgres -d "$DB" \
       -c "SELECT id FROM tools WHERE name = 'Market Data Integration'")
json "$ADMIN" -d '{"key":"rows","aggregation":"sum","unit":"row"}' "$BASE/v1/admin/tools/$TOOL/meters" >/dev/null
json "$ADMIN" -X PATCH -d '{"quotas":[{"meter":"rows","limit":"1000000","hard":false}],
  "overage":[{"meter":"rows","unit_price":{"amount":"0.001","currency":"USD"}}]}' \
  "$BASE/v1/admin/tools/$TOOL/plans/STANDARD" >/dev/null
json "$ADMIN" -X PUT -d '{"name":"Bench usage","tier":"ENTERPRISE"}' "$BASE/v1/admin/orgs/$ORG" >/dev/null
json "$ADMIN" -d '{"amount":{"amount":"10000.00","currency":"USD"}}' "$BASE/v1/admin/orgs/$ORG/credits" >/dev/null
json "$OWNER" -d "{\"item_type\":\"tool\",\"item_id\":\"$TOOL\"}" "$BASE/v1/cart/items" >/dev/null
json "$OWNER" -H "Idempotency-Key: bench-usage" -d '{"payment_method":"platform_credits"}' "$BASE/v1/checkout" >/dev/null
KEY=$(json "$OWNER" -d '{"label":"bench","scopes":["usage:write","usage:read","entitlements:read"]}' \
      "$BASE/v1/api-keys" | sed -E 's/.*"key":"([^"]+)".*/\1/')
[ -n "$KEY" ] || { echo "no API key; see the server log"; cat "$WORK/server.log"; exit 1; }

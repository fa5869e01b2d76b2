#!/usr/bin/env bash
# Load test of GET /v1/access on PostgreSQL: the release binary, an org with a metered
# subscription and some usage, wrk at 16 connections on loopback asking with an API key how
# much of the meter is left, for DURATION seconds. Target: p99 at most 2 ms.
#
#   bash scripts/bench/usage-access.sh
# Environment: PGHOST/PGPORT (127.0.0.1:5432), DURATION (15), CONNECTIONS (16), PORT
# (18083), BUILD (1; 0 reuses target/release/marketplace-api).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18083}
DB=marketplace_bench_access
# shellcheck source=usage-setup.sh
source scripts/bench/usage-setup.sh

NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
curl -fs -H "Authorization: ApiKey $KEY" -H 'Content-Type: application/json' \
  -d "{\"events\":[{\"id\":\"seed-1\",\"tool_id\":\"$TOOL\",\"meter\":\"rows\",\"value\":1200,\"timestamp\":\"$NOW\"}]}" \
  "$BASE/v1/usage/events" >/dev/null
echo "one answer:"
curl -fs -H "Authorization: ApiKey $KEY" "$BASE/v1/access?tool_id=$TOOL&meter=rows"; echo

echo "==> GET /v1/access: wrk -t2 -c$CONNECTIONS -d${DURATION}s"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: ApiKey $KEY" \
  "$BASE/v1/access?tool_id=$TOOL&meter=rows" | tee "$WORK/access.txt"
echo
printf 'GET /v1/access  %s req/s   p50 %s  p99 %s  (target: p99 at most 2 ms)\n' \
  "$(awk '/Requests\/sec/ {print $2}' "$WORK/access.txt")" \
  "$(awk '$1=="50%" {print $2}' "$WORK/access.txt")" "$(awk '$1=="99%" {print $2}' "$WORK/access.txt")"
if grep -q "Non-2xx" "$WORK/access.txt"; then echo "(non-2xx answers above: see the server log)"; tail -20 "$WORK/server.log"; fi

#!/usr/bin/env bash
# Builds the image and runs it as a new user would: in production mode, against PostgreSQL and the bundled QBank
# sandbox (run from the same image), with public-key auth and a token signed here. Checks /health/ready, one real
# route, the full /health (the start-up sync), the container's HEALTHCHECK, what the image leaves out, and the
# default SQLite database on a volume as user node. Needs a Docker engine on Linux (host networking), openssl
# and curl. Usage: scripts/image-check.sh   (settings below; DATABASE_URL: a PostgreSQL it may add a schema to)
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-qbank-gateway:check}
DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
SANDBOX_PORT=${SANDBOX_PORT:-4310}
GATEWAY_PORT=${GATEWAY_PORT:-3310}
SQLITE_GATEWAY_PORT=${SQLITE_GATEWAY_PORT:-3311}
DEADLINE_SECONDS=${DEADLINE_SECONDS:-180}
# The build reaches the npm and Debian registries through the host's network (an engine may have no bridge).
BUILD_NETWORK=${BUILD_NETWORK:-host}

run_id=$(date +%s)-$$
name=qbank-image-check-$run_id
schema=image_check_$(openssl rand -hex 4)
work=$(mktemp -d)
containers=()

step() { printf '\n==> %s (%ss)\n' "$*" "$SECONDS"; }
ok() { printf '    ok: %s\n' "$*"; }
fail() {
  printf '    FAILED: %s\n' "$*" >&2
  for c in "${containers[@]}"; do
    printf -- '--- last log lines of %s\n' "$c" >&2
    docker logs --tail 30 "$c" >&2 2>&1 || true
  done
  exit 1
}

cleanup() {
  set +e
  for c in "${containers[@]}"; do docker rm -fv "$c" >/dev/null 2>&1; done
  docker volume rm "$name-data" >/dev/null 2>&1
  # The schema the check created, dropped with the image's own PostgreSQL client.
  docker run --rm --network host -e DATABASE_URL="$DATABASE_URL" "$IMAGE" node -e "
    const { Client } = require('pg'); const c = new Client({ connectionString: process.env.DATABASE_URL });
    c.connect().then(() => c.query('DROP SCHEMA IF EXISTS $schema CASCADE')).finally(() => c.end());" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# Polls `command` until it succeeds or DEADLINE_SECONDS pass.
wait_for() {
  local what=$1
  shift
  local deadline=$((SECONDS + DEADLINE_SECONDS))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "$what: not within ${DEADLINE_SECONDS}s"
    sleep 2
  done
  ok "$what"
}

step "Build $IMAGE"
if docker buildx version >/dev/null 2>&1; then build=(docker build); else build=(env DOCKER_BUILDKIT=0 docker build); fi
"${build[@]}" --network "$BUILD_NETWORK" -t "$IMAGE" . >"$work/build.log" 2>&1 || {
  tail -40 "$work/build.log" >&2
  fail "docker build"
}
ok "built in ${SECONDS}s"

step "What the image holds"
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
ok "image size $((size / 1000000)) MB"
docker run --rm "$IMAGE" sh -c '
  set -e
  echo "    node_modules: $(du -sm node_modules | cut -f1) MB; better-sqlite3: $(du -sm node_modules/better-sqlite3 | cut -f1) MB"
  test ! -e node_modules/typescript || { echo "TypeScript is in the image"; exit 1; }
  leftovers=$(cd node_modules/better-sqlite3 && find build deps src -type f 2>/dev/null | grep -vx build/Release/better_sqlite3.node || true)
  test -z "$leftovers" || { echo "better-sqlite3 build leftovers: $leftovers"; exit 1; }
  test "$(id -un)" = node && test "$(stat -c %U /app/data)" = node
  node -e "new (require(\"better-sqlite3\"))(\":memory:\").close()"' || fail "image contents"
ok "no TypeScript, only better_sqlite3.node of its build, runs as node, /app/data is node's"

step "Secrets and keys (real-looking, shared by the sandbox and the gateway)"
client_secret=$(openssl rand -hex 24)
webhook_secret=whsec_$(openssl rand -hex 24)
request_keys=check:$(openssl rand -base64 32)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/caller.key" 2>/dev/null
openssl pkey -in "$work/caller.key" -pubout -out "$work/caller.pub"
ok "client secret, webhook secret, request key, caller key pair"

step "QBank sandbox on 127.0.0.1:$SANDBOX_PORT (from the same image)"
containers+=("$name-sandbox")
docker run -d --name "$name-sandbox" --network host --no-healthcheck \
  -e SANDBOX_PORT="$SANDBOX_PORT" -e SANDBOX_HOST=127.0.0.1 \
  -e SANDBOX_CLIENTS="gateway:$client_secret" -e SANDBOX_WEBHOOK_SECRET="$webhook_secret" \
  -e SANDBOX_WEBHOOK_URL="http://127.0.0.1:$GATEWAY_PORT/v1/webhooks/qbank" \
  "$IMAGE" node dist/libs/qbank-sandbox/src/main.js >/dev/null
wait_for "sandbox answers" curl -fsS "http://127.0.0.1:$SANDBOX_PORT/sandbox/stats"

gateway_env=(
  -e QBANK_BASE_URL="http://127.0.0.1:$SANDBOX_PORT/v1" -e QBANK_CLIENT_ID=gateway
  -e QBANK_CLIENT_SECRET="$client_secret" -e QBANK_WEBHOOK_SECRET="$webhook_secret"
  -e REQUEST_ENCRYPTION_KEYS="$request_keys"
  -e AUTH_PUBLIC_KEY="$(cat "$work/caller.pub")" -e AUTH_ISSUER=image-check
  -e HOST=127.0.0.1
)

step "Gateway (production) on 127.0.0.1:$GATEWAY_PORT, PostgreSQL schema $schema"
containers+=("$name-gateway")
docker run -d --name "$name-gateway" --network host "${gateway_env[@]}" -e PORT="$GATEWAY_PORT" \
  -e DATABASE_URL="$DATABASE_URL" -e DATABASE_SCHEMA="$schema" "$IMAGE" >/dev/null
wait_for "GET /health/ready 200" curl -fsS "http://127.0.0.1:$GATEWAY_PORT/health/ready"

step "A caller's token, signed with its private key (RS256), and one real route"
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
payload=$(printf '{"sub":"image-check","roles":["treasury-viewer"],"iss":"image-check","aud":"qbank-gateway","iat":%d,"exp":%d}' \
  "$now" $((now + 600)) | b64url)
signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$work/caller.key" | b64url)
token="$header.$payload.$signature"
wait_for "GET /health 200 (the start-up sync of a fresh database)" curl -fsS "http://127.0.0.1:$GATEWAY_PORT/health"
accounts=$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$GATEWAY_PORT/v1/accounts") || fail "GET /v1/accounts"
account=$(printf '%s' "$accounts" | grep -o '"account_id":"[^"]*"' | head -1 | cut -d'"' -f4)
[ -n "$account" ] || fail "GET /v1/accounts listed no account: $accounts"
ok "GET /v1/accounts 200 (synced at start-up)"
balance=$(curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$GATEWAY_PORT/v1/balances/$account") ||
  fail "GET /v1/balances/$account"
ok "GET /v1/balances/$account 200: $(printf '%s' "$balance" | head -c 120)…"
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$GATEWAY_PORT/v1/balances/$account")
[ "$status" = 401 ] || fail "without a token: $status, not 401"
ok "without a token: 401"

step "HEALTHCHECK"
healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$name-gateway")" = healthy ]; }
wait_for "docker inspect: healthy" healthy

step "Default SQLite database (./data, as user node) on a volume"
containers+=("$name-sqlite")
docker volume create "$name-data" >/dev/null
docker run -d --name "$name-sqlite" --network host "${gateway_env[@]}" -e PORT="$SQLITE_GATEWAY_PORT" \
  -v "$name-data:/app/data" "$IMAGE" >/dev/null
wait_for "GET /health/ready 200 on SQLite" curl -fsS "http://127.0.0.1:$SQLITE_GATEWAY_PORT/health/ready"
docker run --rm -v "$name-data:/app/data" "$IMAGE" test -s /app/data/gateway.sqlite || fail "no gateway.sqlite on the volume"
ok "the volume holds gateway.sqlite"
docker rm -fv "$name-sqlite" >/dev/null

step "A data directory user node cannot write: exit 78, one line"
# (read-only for everyone, whoever runs the check: its owner could be uid 1000 too)
mkdir -p "$work/read-only" && chmod 555 "$work/read-only"
set +e
out=$(docker run --rm --network host "${gateway_env[@]}" -v "$work/read-only:/app/data" "$IMAGE" 2>&1)
code=$?
set -e
printf '    %s\n' "$out"
[ "$code" = 78 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "exit $code, not 78 with one line"
ok "exit 78"

step "All checks passed"

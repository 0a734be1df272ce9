#!/usr/bin/env bash
# The quick start, on the local backend (no server): a cluster, a workload identity and a role from
# Teleport's guide, a bot, then tbot writing real SVIDs to disk, verified, and the Workload API
# inspected. Everything lands in ./quickstart (remove it to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/build.mjs >/dev/null
root=$PWD
work=$root/quickstart
rm -rf "$work" && mkdir -p "$work"
export SVIDKIT_DATA_DIR=$work/data
tctl() { node "$root/bin/tctl.js" "$@"; }
tbot() { node "$root/bin/tbot.js" "$@"; }
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }

step tctl init --cluster-name example.teleport.sh
tctl init --cluster-name example.teleport.sh
step tctl create -f examples/workload-identity.yaml
tctl create -f examples/workload-identity.yaml
step tctl create -f examples/role.yaml
tctl create -f examples/role.yaml
step tctl bots add my-bot --format json
token=$(tctl bots add my-bot --format json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token_id))')
echo "token: $token"
step tctl bots update my-bot --add-roles example-workload-identity-issuer
tctl bots update my-bot --add-roles example-workload-identity-issuer

cat > "$work/tbot.yaml" <<YAML
version: v2
onboarding:
  join_method: token
  token: $token
storage:
  type: directory
  path: $work/bot-state
services:
  - type: workload-identity-x509
    destination:
      type: directory
      path: $work/svid
    selector:
      name: example-workload-identity
  - type: workload-identity-jwt
    destination:
      type: directory
      path: $work/jwt
    selector:
      name: example-workload-identity
    audiences: ["sts.amazonaws.com"]
  - type: workload-identity-api
    listen: unix://$work/workload.sock
    selector:
      name: example-workload-identity
YAML
step tbot start -c quickstart/tbot.yaml --oneshot
tbot start -c "$work/tbot.yaml" --oneshot
step ls -l quickstart/svid quickstart/jwt
ls -l "$work/svid" "$work/jwt"
step openssl verify -CAfile quickstart/svid/svid_bundle.pem quickstart/svid/svid.pem
openssl verify -CAfile "$work/svid/svid_bundle.pem" "$work/svid/svid.pem"
openssl x509 -in "$work/svid/svid.pem" -noout -ext subjectAltName -enddate

step tbot start -c quickstart/tbot.yaml '&'  "(the Workload API on quickstart/workload.sock)"
# node itself in the background (not the shell function), so $! is the process to stop.
node "$root/bin/tbot.js" start -c "$work/tbot.yaml" >/dev/null 2>"$work/tbot.log" &
tbot_pid=$!
trap 'kill $tbot_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -S "$work/workload.sock" ] && break; sleep 0.1; done
step tbot spiffe-inspect --path unix://quickstart/workload.sock
tbot spiffe-inspect --path "unix://$work/workload.sock"
kill $tbot_pid && wait $tbot_pid 2>/dev/null || true
printf '\nDone: SVIDs are in %s/svid and %s/jwt.\n' "$work" "$work"

#!/usr/bin/env bash
# Packs svidkit, installs the tarball into an empty project, and runs its tctl and tbot there: a local
# cluster, a bot, tbot's Workload API on a socket, and spiffe-inspect against it (X.509 and JWT SVIDs).
# `--no-build` packs the dist/ already built (the test suite runs from it, so it must not be rebuilt under it).
set -euo pipefail
pack_flags=()
[ "${1:-}" = --no-build ] && pack_flags=(--ignore-scripts)
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'kill "$tbot_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
tbot_pid=
cd "$work"
npm pack --silent "${pack_flags[@]}" --pack-destination "$work" "$repo" >/dev/null
npm init -y >/dev/null
npm install --silent --no-audit --no-fund ./svidkit-*.tgz
export PATH="$work/node_modules/.bin:$PATH" SVIDKIT_DATA_DIR="$work/data"
tctl init --cluster-name pack.example
cat > wi.yaml <<'YAML'
kind: workload_identity
version: v1
metadata: {name: packed}
spec: {spiffe: {id: /svc/packed}}
---
kind: role
version: v6
metadata: {name: packed-issuer}
spec:
  allow:
    workload_identity_labels: {'*': '*'}
    rules: [{resources: [workload_identity], verbs: [list, read]}]
YAML
tctl create wi.yaml
token="$(tctl bots add packed-bot --roles packed-issuer --format json | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>console.log(JSON.parse(s).token_id))')"
tbot start workload-identity-api --token="$token" --storage=memory:// --listen="unix://$work/wl.sock" --name-selector=packed >tbot.log 2>&1 &
tbot_pid=$!
for _ in $(seq 50); do [ -S "$work/wl.sock" ] && break; sleep 0.2; done
tbot spiffe-inspect --path "unix://$work/wl.sock" | tee inspect.txt
grep -q 'spiffe://pack.example/svc/packed' inspect.txt
grep -q 'Validation: PASS' inspect.txt
echo "pack-check: OK"

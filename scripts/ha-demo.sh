#!/usr/bin/env bash
# The HA setup on one machine: a throwaway PostgreSQL (Debian's binaries, run as the unprivileged
# `postgres` user when started as root), three `teleport start` replicas sharing it, and HAProxy
# in TCP mode in front (TLS end to end). Everything lands in ./ha-demo; Ctrl-C stops it all.
#   scripts/ha-demo.sh            then, in another shell, what it prints
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/build.mjs >/dev/null
root=$PWD
work=$root/ha-demo
pgbin=${SVIDKIT_PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$pgbin/initdb" ] || { echo "needs PostgreSQL: apt-get install postgresql" >&2; exit 1; }
command -v haproxy >/dev/null || { echo "needs HAProxy: apt-get install haproxy" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work" && chmod 755 "$work"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"

pgport=${PGPORT:-55432} lbport=${LBPORT:-3080} password=demo-password
echo "$password" > "$work/pw" && [ "$(id -u)" = 0 ] && chown postgres "$work/pw"
as_pg "$pgbin/initdb" -D "$work/pg" -U postgres --pwfile "$work/pw" --auth-host=scram-sha-256 --auth-local=trust >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -o "-c listen_addresses=127.0.0.1 -c port=$pgport -c unix_socket_directories=$work" start >/dev/null
db=postgresql://postgres:$password@127.0.0.1:$pgport
as_pg "$pgbin/psql" -h "$work" -p "$pgport" -U postgres -qc 'CREATE DATABASE teleport_backend' -c 'CREATE DATABASE teleport_audit'

pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  as_pg "$pgbin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null || true
}
trap cleanup EXIT INT TERM

servers=''
for i in 1 2 3; do
  port=$((lbport + i))
  mkdir -p "$work/replica$i"
  cat > "$work/replica$i/teleport.yaml" <<YAML
version: v3
teleport:
  data_dir: $work/replica$i/data
  storage:
    type: postgresql
    conn_string: $db/teleport_backend
    audit_events_uri: ['$db/teleport_audit']
auth_service: {enabled: yes, cluster_name: ha.example.com}
proxy_service: {enabled: yes, web_listen_addr: 127.0.0.1:$port, public_addr: 127.0.0.1:$lbport}
ssh_service: {enabled: no}
YAML
  node bin/teleport.js start -c "$work/replica$i/teleport.yaml" 2>"$work/replica$i/teleport.log" &
  pids+=($!)
  servers+="  server r$i 127.0.0.1:$port check inter 500 fall 1 rise 1"$'\n'
  # The first replica creates the cluster (and its CA) in the database; wait for it before the next.
  until grep -q 'service is ready' "$work/replica$i/teleport.log" 2>/dev/null; do sleep 0.2; done
done

cat > "$work/haproxy.cfg" <<CFG
defaults
  mode tcp
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  retries 3
  option redispatch
frontend teleport
  bind 127.0.0.1:$lbport
  default_backend replicas
backend replicas
  balance roundrobin
$servers
CFG
haproxy -db -f "$work/haproxy.cfg" &
pids+=($!)

node bin/tctl.js -c "$work/replica1/teleport.yaml" auth sign --user admin --out "$work/admin.pem" --overwrite >/dev/null
pin=$(grep -o 'ca_pin:sha256:[0-9a-f]*' "$work/replica1/teleport.log" | head -1 | cut -d: -f2-)
cat <<TXT
PostgreSQL 127.0.0.1:$pgport, replicas 127.0.0.1:$((lbport + 1))-$((lbport + 3)), HAProxy 127.0.0.1:$lbport. Try:
  node bin/tctl.js -c $work/replica2/teleport.yaml status
  node bin/tctl.js --auth-server 127.0.0.1:$lbport -i $work/admin.pem create -f examples/workload-identity.yaml
  node bin/tctl.js --auth-server 127.0.0.1:$lbport -i $work/admin.pem get workload_identity
  kill -9 <one replica's pid: ${pids[*]:0:3}>   # the balancer sends the next requests elsewhere
CA pin for tbot: $pin
Ctrl-C stops everything.
TXT
wait

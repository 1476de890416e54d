#!/usr/bin/env bash
# The stack of compose.yaml without Docker, on 127.0.0.1 only:
#   MLflow (from PyPI, in a cached virtualenv) bound to 127.0.0.1, not reachable except through nginx;
#   htpass serve on 127.0.0.1, which nginx asks about each request (auth_request);
#   the host's nginx running ./nginx.conf (ports, paths and upstreams rewritten) with TLS from a
#   throw-away self-signed certificate; an htpasswd file written by htpass, with generated passwords.
#
#   examples/mlflow-nginx/run-local.sh              start, print how to connect, stop on Ctrl-C
#   examples/mlflow-nginx/run-local.sh -- CMD ...   start, run CMD with the stack's variables, stop
#
# Everything lives in one temporary directory, removed on exit with every process started here.
#
# Environment:
#   HTPASS             htpass binary (default: built with `swift build --scratch-path .build-mlflow`)
#   HTPASS_SERVE       htpass-serve binary (default: next to HTPASS, else built the same way)
#   STACK_SERVE_OPTIONS more options for htpass-serve (e.g. "--max-failures 20")
#   MLFLOW_VERSION     pinned MLflow version (default 3.17.2)
#   MLFLOW_VENV        virtualenv to use or create (default ${XDG_CACHE_HOME:-~/.cache}/htpass-mlflow/venv-$MLFLOW_VERSION)
#   STACK_USERS        users to create, with generated passwords (default "alice bob")
#   STACK_DOMAIN       the public name nginx and MLflow are configured for (default mlflow.example.com)
#   NGINX              nginx binary (default: nginx on PATH, else /usr/sbin/nginx)
#   KEEP_STACK_DIR=1   keep the temporary directory (logs) after exit
#
# Variables given to CMD: MLFLOW_TRACKING_URI (https://127.0.0.1:PORT),
# MLFLOW_TRACKING_SERVER_CERT_PATH, STACK_DIR, STACK_HTPASSWD, STACK_SECRETS (one file per user,
# holding the password htpass generated), STACK_HTTP_PORT, STACK_HTTPS_PORT, STACK_MLFLOW_PORT,
# STACK_DOMAIN, STACK_NGINX_USER, STACK_PYTHON (the virtualenv's python, with mlflow), HTPASS,
# HTPASS_SERVE, STACK_SERVE_PORT (htpass serve on 127.0.0.1), STACK_SERVE_LOG (its output: the audit log).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MLFLOW_VERSION=${MLFLOW_VERSION:-3.17.2}
MLFLOW_VENV=${MLFLOW_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/htpass-mlflow/venv-$MLFLOW_VERSION}
STACK_USERS=${STACK_USERS:-alice bob}
STACK_DOMAIN=${STACK_DOMAIN:-mlflow.example.com}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
PYTHON=${PYTHON:-python3}

log() { printf 'run-local: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

if [[ "${1:-}" == "--" ]]; then shift; fi
CMD=("$@")

for tool in "$NGINX" openssl curl "$PYTHON"; do
    command -v "$tool" >/dev/null || die "$tool not found (Debian: apt-get install nginx-light openssl curl python3-venv)"
done

# --- htpass -------------------------------------------------------------------------------------
if [[ -z "${HTPASS:-}" ]]; then
    log "building htpass (swift build --scratch-path .build-mlflow) ..."
    (cd "$ROOT" && swift build --scratch-path .build-mlflow --product htpass >&2)
    HTPASS="$(cd "$ROOT" && swift build --scratch-path .build-mlflow --show-bin-path)/htpass"
fi
[[ -x "$HTPASS" ]] || die "htpass not executable: $HTPASS"
if [[ -z "${HTPASS_SERVE:-}" ]]; then
    HTPASS_SERVE="$(dirname "$HTPASS")/htpass-serve"
    if [[ ! -x "$HTPASS_SERVE" ]]; then
        log "building htpass-serve (swift build --scratch-path .build-mlflow) ..."
        (cd "$ROOT" && swift build --scratch-path .build-mlflow --product htpass-serve >&2)
        HTPASS_SERVE="$(cd "$ROOT" && swift build --scratch-path .build-mlflow --show-bin-path)/htpass-serve"
    fi
fi
[[ -x "$HTPASS_SERVE" ]] || die "htpass-serve not executable: $HTPASS_SERVE"

# --- MLflow virtualenv, installed once and reused -----------------------------------------------
ensure_venv() {
    [[ -f "$MLFLOW_VENV/.htpass-complete" ]] && return 0
    mkdir -p "$(dirname "$MLFLOW_VENV")"
    exec 9>"$MLFLOW_VENV.lock"
    command -v flock >/dev/null && flock 9
    [[ -f "$MLFLOW_VENV/.htpass-complete" ]] && return 0
    log "installing mlflow==$MLFLOW_VERSION into $MLFLOW_VENV (about 850 MB, once) ..."
    rm -rf "$MLFLOW_VENV"
    "$PYTHON" -m venv "$MLFLOW_VENV"
    "$MLFLOW_VENV/bin/pip" install -q --disable-pip-version-check "mlflow==$MLFLOW_VERSION" >&2
    touch "$MLFLOW_VENV/.htpass-complete"
}
ensure_venv

# --- the temporary directory and cleanup --------------------------------------------------------
D=$(mktemp -d "${TMPDIR:-/tmp}/htpass-mlflow.XXXXXX")
NGINX_PID=""
MLFLOW_PID=""
SERVE_PID=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$SERVE_PID" ]] && kill -0 "$SERVE_PID" 2>/dev/null; then
        kill -TERM "$SERVE_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVE_PID" 2>/dev/null || true
    fi
    if [[ -n "$NGINX_PID" ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
        kill -QUIT "$NGINX_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$NGINX_PID" 2>/dev/null || true
    fi
    if [[ -n "$MLFLOW_PID" ]]; then
        # MLflow runs in its own process group (setsid): stop it and its workers together.
        kill -TERM -- "-$MLFLOW_PID" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 -- "-$MLFLOW_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$MLFLOW_PID" 2>/dev/null || true
    fi
    if [[ "${KEEP_STACK_DIR:-0}" == 1 ]]; then log "kept $D"; else rm -rf "$D"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP_PORT=$(free_port); HTTPS_PORT=$(free_port); MLFLOW_PORT=$(free_port); SERVE_PORT=$(free_port)
while [[ $HTTPS_PORT == "$HTTP_PORT" ]]; do HTTPS_PORT=$(free_port); done
while [[ $MLFLOW_PORT == "$HTTP_PORT" || $MLFLOW_PORT == "$HTTPS_PORT" ]]; do MLFLOW_PORT=$(free_port); done
while [[ $SERVE_PORT == "$HTTP_PORT" || $SERVE_PORT == "$HTTPS_PORT" || $SERVE_PORT == "$MLFLOW_PORT" ]]; do
    SERVE_PORT=$(free_port)
done

mkdir -p "$D/auth" "$D/certs" "$D/secrets" "$D/logs" "$D/mlflow/artifacts" "$D/conf.d"
chmod 0700 "$D/secrets" "$D/certs"

# As root, nginx's workers drop to the web server's user, as in production; the htpasswd file is
# then given to that group (0640) -- the setup the guide describes, checked for real.
NGINX_USER=$(id -un)
GROUP_ARGS=()
USER_LINE=""
if [[ $(id -u) -eq 0 ]]; then
    NGINX_USER=${STACK_NGINX_USER:-www-data}
    id "$NGINX_USER" >/dev/null 2>&1 || NGINX_USER=nobody
    NGINX_GROUP=$(id -gn "$NGINX_USER")
    USER_LINE="user $NGINX_USER $NGINX_GROUP;"
    GROUP_ARGS=(--group "$NGINX_GROUP")
    chmod 0711 "$D"
    chgrp "$NGINX_GROUP" "$D/auth" && chmod 0750 "$D/auth"
fi

# --- users: passwords generated by htpass, kept only in 0600 files ------------------------------
first=1
umask 077
for u in $STACK_USERS; do
    if [[ $first == 1 ]]; then
        "$HTPASS" create "$D/auth/htpasswd" "$u" --generate --length 32 "${GROUP_ARGS[@]}" > "$D/secrets/$u"
        first=0
    else
        "$HTPASS" add "$D/auth/htpasswd" "$u" --generate --length 32 > "$D/secrets/$u"
    fi
done
umask 022
[[ -s "$D/auth/htpasswd" ]] || die "htpass wrote no htpasswd file"

# --- TLS: a throw-away self-signed certificate for the domain, localhost and 127.0.0.1 ----------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$STACK_DOMAIN" \
    -addext "subjectAltName=DNS:$STACK_DOMAIN,DNS:localhost,IP:127.0.0.1" \
    -keyout "$D/certs/privkey.pem" -out "$D/certs/fullchain.pem" 2>"$D/logs/openssl.log" \
    || die "openssl failed: $(cat "$D/logs/openssl.log")"

# --- MLflow: 127.0.0.1 only ---------------------------------------------------------------------
log "starting MLflow $MLFLOW_VERSION on 127.0.0.1:$MLFLOW_PORT ..."
(
    cd "$D/mlflow"
    export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false
    exec setsid "$MLFLOW_VENV/bin/mlflow" server \
        --host 127.0.0.1 --port "$MLFLOW_PORT" --workers 1 \
        --backend-store-uri "sqlite:///$D/mlflow/mlflow.db" \
        --artifacts-destination "$D/mlflow/artifacts" \
        --allowed-hosts "$STACK_DOMAIN,localhost,127.0.0.1" \
        --cors-allowed-origins "https://$STACK_DOMAIN"
) > "$D/logs/mlflow.log" 2>&1 &
MLFLOW_PID=$!

# --- htpass serve: 127.0.0.1 only, as the nginx workers' user (it reads the file, 0640, as a member of
# their group, and never writes it); its audit log, one JSON line per decision, on standard output -------
SERVE_AS=()
if [[ $(id -u) -eq 0 ]]; then
    SERVE_AS=(setpriv --reuid="$NGINX_USER" --regid="$NGINX_GROUP" --clear-groups --)
fi
log "starting htpass serve on 127.0.0.1:$SERVE_PORT ..."
# shellcheck disable=SC2086
"${SERVE_AS[@]}" "$HTPASS_SERVE" "$D/auth/htpasswd" --listen "127.0.0.1:$SERVE_PORT" --realm MLflow \
    ${STACK_SERVE_OPTIONS:-} > "$D/logs/htpass-serve.log" 2> "$D/logs/htpass-serve.err" &
SERVE_PID=$!
for i in $(seq 100); do
    curl -sf "http://127.0.0.1:$SERVE_PORT/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVE_PID" 2>/dev/null || die "htpass serve exited: $(tail -5 "$D/logs/htpass-serve.err")"
    [[ $i == 100 ]] && die "htpass serve not ready after 10 s: $(tail -5 "$D/logs/htpass-serve.err")"
    sleep 0.1
done

# --- nginx: ./nginx.conf itself, with ports, paths and upstreams rewritten -----------------------
sed -e "s|server mlflow:5000;|server 127.0.0.1:$MLFLOW_PORT;|" \
    -e "s|server htpass-serve:9180;|server 127.0.0.1:$SERVE_PORT;|" \
    -e "s|listen 80;|listen 127.0.0.1:$HTTP_PORT;|" \
    -e "s|listen 443 ssl;|listen 127.0.0.1:$HTTPS_PORT ssl;|" \
    -e "/listen \[::\]/d" \
    -e "s|/etc/nginx/certs/|$D/certs/|" \
    -e "s|/etc/nginx/auth/htpasswd|$D/auth/htpasswd|" \
    -e "s|mlflow\.example\.com|$STACK_DOMAIN|g" \
    "$HERE/nginx.conf" > "$D/conf.d/mlflow.conf"
grep -q "127.0.0.1:$HTTPS_PORT ssl" "$D/conf.d/mlflow.conf" || die "could not adapt nginx.conf"
grep -q "server 127.0.0.1:$SERVE_PORT;" "$D/conf.d/mlflow.conf" || die "could not point nginx.conf at htpass serve"
cat > "$D/nginx.conf" <<CONF
$USER_LINE
worker_processes 2;
pid $D/nginx.pid;
error_log $D/logs/nginx-error.log notice;
events { worker_connections 512; }
http {
    access_log $D/logs/nginx-access.log;
    client_body_temp_path $D/tmp_body;
    proxy_temp_path $D/tmp_proxy;
    fastcgi_temp_path $D/tmp_fastcgi;
    uwsgi_temp_path $D/tmp_uwsgi;
    scgi_temp_path $D/tmp_scgi;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    include $D/conf.d/*.conf;
}
CONF
"$NGINX" -e "$D/logs/nginx-error.log" -p "$D" -c "$D/nginx.conf" -t -q || die "nginx -t failed"
"$NGINX" -e "$D/logs/nginx-error.log" -p "$D" -c "$D/nginx.conf"
for _ in $(seq 50); do [[ -s "$D/nginx.pid" ]] && break; sleep 0.1; done
NGINX_PID=$(cat "$D/nginx.pid" 2>/dev/null) || die "nginx did not start: $(tail -5 "$D/logs/nginx-error.log")"

# --- wait until MLflow answers through nginx ----------------------------------------------------
log "waiting for MLflow ..."
for i in $(seq 240); do
    if curl -sf --cacert "$D/certs/fullchain.pem" "https://127.0.0.1:$HTTPS_PORT/health" >/dev/null 2>&1; then break; fi
    kill -0 "$MLFLOW_PID" 2>/dev/null || die "MLflow exited: $(tail -20 "$D/logs/mlflow.log")"
    [[ $i == 240 ]] && die "MLflow not ready after 120 s: $(tail -20 "$D/logs/mlflow.log")"
    sleep 0.5
done

export MLFLOW_TRACKING_URI="https://127.0.0.1:$HTTPS_PORT"
export MLFLOW_TRACKING_SERVER_CERT_PATH="$D/certs/fullchain.pem"
export STACK_DIR="$D" STACK_HTPASSWD="$D/auth/htpasswd" STACK_SECRETS="$D/secrets"
export STACK_HTTP_PORT="$HTTP_PORT" STACK_HTTPS_PORT="$HTTPS_PORT" STACK_MLFLOW_PORT="$MLFLOW_PORT"
export STACK_DOMAIN STACK_NGINX_USER="$NGINX_USER" STACK_PYTHON="$MLFLOW_VENV/bin/python" HTPASS
export HTPASS_SERVE STACK_SERVE_PORT="$SERVE_PORT" STACK_SERVE_LOG="$D/logs/htpass-serve.log"
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true

if [[ ${#CMD[@]} -gt 0 ]]; then
    set +e
    "${CMD[@]}"
    rc=$?
    set -e
    exit "$rc"
fi

first_user=${STACK_USERS%% *}
cat >&2 <<INFO

MLflow $MLFLOW_VERSION behind nginx (Basic Auth through htpass serve, TLS) is up:
  UI/API      $MLFLOW_TRACKING_URI   (self-signed: $MLFLOW_TRACKING_SERVER_CERT_PATH)
  redirect    http://127.0.0.1:$HTTP_PORT/ -> https
  htpasswd    $STACK_HTPASSWD  (nginx workers and htpass serve run as $NGINX_USER)
  htpass serve http://127.0.0.1:$SERVE_PORT/metrics; audit log $STACK_SERVE_LOG
  passwords   $STACK_SECRETS/<user>   users: $STACK_USERS

  export MLFLOW_TRACKING_URI=$MLFLOW_TRACKING_URI
  export MLFLOW_TRACKING_SERVER_CERT_PATH=$MLFLOW_TRACKING_SERVER_CERT_PATH
  export MLFLOW_TRACKING_USERNAME=$first_user
  export MLFLOW_TRACKING_PASSWORD="\$(cat $STACK_SECRETS/$first_user)"
  $HTPASS add $STACK_HTPASSWD carol --generate     # takes effect on the next request

Ctrl-C stops everything and removes $D.
INFO
wait "$MLFLOW_PID"

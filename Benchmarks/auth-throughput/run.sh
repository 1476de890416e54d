#!/usr/bin/env bash
# Requests/second through nginx Basic Auth on 127.0.0.1, for each hash format htpass writes.
#
# nginx checks the password on EVERY request (no cache), so the hash's cost is paid per request.
# For each format: htpass writes a one-user htpasswd file, nginx serves a 3-byte static file
# behind auth_basic (content phase, so the access phase with the password check always runs;
# `return 200` would skip auth_basic, it runs earlier), and wrk measures it with correct credentials.
#
#   Benchmarks/auth-throughput/run.sh                 # all formats, wrk -t2 -c8 -d5s
#   DURATION=10s CONNECTIONS=16 Benchmarks/auth-throughput/run.sh bcrypt:10 sha1
#   HTPASS=/path/to/htpass  (else built with `swift build -c release --scratch-path .build-mlflow`)
#
# Output: a Markdown table on stdout (progress on stderr). Traffic only to 127.0.0.1, bounded by
# DURATION per case; nginx is stopped and the temp dir removed on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-8}
DURATION=${DURATION:-5s}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
CASES=("$@")
[[ ${#CASES[@]} -gt 0 ]] || CASES=(none bcrypt:5 bcrypt:10 bcrypt:12 sha512 apr1 sha1)

log() { printf '%s\n' "$*" >&2; }
for tool in wrk curl "$NGINX"; do
    command -v "$tool" >/dev/null || { log "run.sh: $tool not found (Debian: apt-get install wrk curl nginx-light)"; exit 2; }
done

if [[ -z "${HTPASS:-}" ]]; then
    log "building htpass (release) ..."
    (cd "$ROOT" && swift build -c release --scratch-path .build-mlflow --product htpass >&2)
    HTPASS="$(cd "$ROOT" && swift build -c release --scratch-path .build-mlflow --show-bin-path)/htpass"
fi
[[ -x "$HTPASS" ]] || { log "run.sh: htpass not executable: $HTPASS"; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/htpass-bench.XXXXXX")
NGINX_PID=""
cleanup() {
    if [[ -n "$NGINX_PID" ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
        kill -QUIT "$NGINX_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$NGINX_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
mkdir -p "$WORK/www" "$WORK/logs"
printf 'ok\n' > "$WORK/www/ok"
# A long random password, as `htpass add --generate` would make for a machine client.
PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
printf '%s\n' "$PASSWORD" > "$WORK/password"
AUTH="Authorization: Basic $(printf 'bench:%s' "$PASSWORD" | base64 -w0)"

# When run as root, the workers drop to an unprivileged user, as in production.
USER_LINE=""
if [[ $(id -u) -eq 0 ]]; then
    NGINX_USER=${NGINX_USER:-www-data}
    id "$NGINX_USER" >/dev/null 2>&1 || NGINX_USER=nobody
    USER_LINE="user $NGINX_USER;"
    chmod 0755 "$WORK"
fi

cat > "$WORK/nginx.conf" <<CONF
$USER_LINE
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $WORK/tmp_body;
    proxy_temp_path $WORK/tmp_proxy;
    fastcgi_temp_path $WORK/tmp_fastcgi;
    uwsgi_temp_path $WORK/tmp_uwsgi;
    scgi_temp_path $WORK/tmp_scgi;
    default_type text/plain;
    keepalive_requests 100000;
    server {
        listen 127.0.0.1:$PORT;
        root $WORK/www;
        location = /ok {
            auth_basic "bench";
            auth_basic_user_file $WORK/htpasswd;
        }
        location = /open { alias $WORK/www/ok; }
    }
}
CONF
: > "$WORK/htpasswd"
[[ -z "$USER_LINE" ]] || chgrp "${NGINX_USER}" "$WORK/htpasswd" 2>/dev/null || chmod 0644 "$WORK/htpasswd"
"$NGINX" -e "$WORK/logs/error.log" -p "$WORK" -c "$WORK/nginx.conf" -t -q
"$NGINX" -e "$WORK/logs/error.log" -p "$WORK" -c "$WORK/nginx.conf"
for _ in $(seq 50); do [[ -s "$WORK/nginx.pid" ]] && break; sleep 0.1; done
NGINX_PID=$(cat "$WORK/nginx.pid")

# Parse wrk's summary: requests/sec, average and p99 latency.
run_wrk() {
    local path=$1 out
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$AUTH" "http://127.0.0.1:$PORT$path" 2>&1)
    printf '%s\n' "$out" >> "$WORK/logs/wrk.log"
    local rps avg p99 non2xx
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    avg=$(awk '$1=="Latency" {print $2; exit}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
    printf '%s|%s|%s|%s\n' "$rps" "$avg" "$p99" "${non2xx:-0}"
}

printf '| format | hash prefix | requests/s | ms CPU per request (2 cores) | avg latency | p99 latency |\n'
printf '|---|---|---:|---:|---:|---:|\n'
CORES=$(nproc)
for case in "${CASES[@]}"; do
    algo=${case%%:*}; cost=""
    [[ "$case" == *:* ]] && cost=${case#*:}
    path=/ok
    label=$case
    if [[ "$algo" == none ]]; then
        path=/open; label="no auth (baseline)"; prefix="-"
    else
        args=(-a "$algo")
        [[ -n "$cost" && "$algo" == bcrypt ]] && args+=(--cost "$cost")
        [[ -n "$cost" && "$algo" == sha* && "$algo" != sha1 ]] && args+=(--rounds "$cost")
        # Weak formats print a warning on stderr; that is expected here.
        "$HTPASS" add "$WORK/htpasswd" bench --password-file "$WORK/password" "${args[@]}" 2>>"$WORK/logs/htpass.log"
        prefix=$(cut -d: -f2 "$WORK/htpasswd" | head -1 | cut -c1-7)
        code=$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "http://127.0.0.1:$PORT/ok")
        [[ "$code" == 200 ]] || { log "run.sh: $case: nginx answered $code with the right password"; cat "$WORK/logs/error.log" >&2; exit 1; }
        code=$(curl -s -o /dev/null -w '%{http_code}' -u "bench:wrong" "http://127.0.0.1:$PORT/ok")
        [[ "$code" == 401 ]] || { log "run.sh: $case: nginx answered $code to a wrong password"; exit 1; }
    fi
    log "measuring $label ($DURATION, -t$THREADS -c$CONNECTIONS) ..."
    IFS='|' read -r rps avg p99 non2xx < <(run_wrk "$path")
    [[ "$non2xx" == 0 ]] || { log "run.sh: $case: $non2xx non-2xx responses"; exit 1; }
    cpu=$(awk -v r="$rps" -v c="$CORES" 'BEGIN { if (r > 0) printf "%.2f", 1000 * c / r; else print "-" }')
    printf '| %s | `%s` | %s | %s | %s | %s |\n' "$label" "$prefix" "$rps" "$cpu" "$avg" "$p99"
done
log "machine: $(nproc) cores, $(uname -sr), $("$NGINX" -v 2>&1 | sed 's/.*: //'), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"

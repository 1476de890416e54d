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

# CPU time (user+system, seconds) used so far by nginx's worker processes: measured, so that
# "CPU per request" stays right even when other processes share the cores.
TICK=$(getconf CLK_TCK)
workers_cpu() {
    local total=0 pid
    for pid in $(pgrep -P "$NGINX_PID"); do
        total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
    done
    awk -v t="$total" -v k="$TICK" 'BEGIN { printf "%.3f", t / k }'
}

# wrk's summary: requests, requests/sec, average and p99 latency, errors.
run_wrk() {
    local path=$1 out
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 60s --latency -H "$AUTH" "http://127.0.0.1:$PORT$path" 2>&1)
    printf '%s\n' "$out" >> "$WORK/logs/wrk.log"
    local n rps avg p99 bad
    n=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    avg=$(awk '$1=="Latency" {print $2; exit}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    bad=$(awk '/Non-2xx or 3xx responses:/ {s += $5} /Socket errors:/ {gsub(",", ""); s += $4 + $6 + $8 + $10} END {print s + 0}' <<<"$out")
    printf '%s|%s|%s|%s|%s\n' "$n" "$rps" "$avg" "$p99" "$bad"
}

CORES=$(nproc)
log "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $CORES cores"
printf '| format | hash prefix | requests/s measured | nginx CPU per request | max requests/s on %s idle cores (derived) | avg latency | p99 latency |\n' "$CORES"
printf '|---|---|---:|---:|---:|---:|---:|\n'
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
    cpu0=$(workers_cpu)
    IFS='|' read -r n rps avg p99 bad < <(run_wrk "$path")
    cpu1=$(workers_cpu)
    [[ "$bad" == 0 ]] || { log "run.sh: $case: $bad failed requests (see wrk output)"; tail -20 "$WORK/logs/wrk.log" >&2; exit 1; }
    read -r per_req max_rps < <(awk -v a="$cpu0" -v b="$cpu1" -v n="$n" -v c="$CORES" 'BEGIN {
        ms = 1000 * (b - a) / n
        if (ms >= 10) f = "%.0f ms"; else if (ms >= 1) f = "%.1f ms"; else if (ms >= 0.1) f = "%.2f ms"; else f = "%.3f ms"
        printf f " %.0f\n", ms, (ms > 0 ? 1000 * c / ms : 0) }' | sed 's/ ms /_ms /')
    [[ "$algo" == none ]] && max_rps="- (wrk shares the cores)"
    printf '| %s | `%s` | %s | %s | %s | %s | %s |\n' "$label" "$prefix" "$rps" "${per_req/_ms/ ms}" "$max_rps" "$avg" "$p99"
done
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
log "machine: $(nproc) cores, $(uname -sr), $("$NGINX" -v 2>&1 | sed 's/.*: //'), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"

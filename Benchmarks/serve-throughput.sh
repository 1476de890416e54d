#!/usr/bin/env bash
# htpass serve (issue 19) behind nginx `auth_request`, against nginx `auth_basic` on the same file and nginx
# without authentication, in one run, with its memory and a password-guessing run:
#
#   1. throughput: one bcrypt cost-12 user, keep-alive, wrk; per round (ROUNDS, interleaved) every case of
#      CASES, then auth_basic once (BASIC_DURATION: it serves a few requests a second). The cases:
#        none        nginx, no authentication
#        free        auth_request -> a second nginx server on 127.0.0.1 that answers `return 200;`: a free
#                    auth service, the ceiling of any auth_request service on this machine
#        free_unix   the same on a unix socket
#        serve       auth_request -> htpass-serve on 127.0.0.1
#        serve_unix  auth_request -> the same htpass-serve on a unix socket (`--listen unix:PATH`)
#      A static file in every case (a content handler: `return` would run before the access phase); the
#      subrequests of every case go through the same keep-alive upstream settings (UPSTREAM_KEEPALIVE).
#      Requests/s, latency, nginx + htpass-serve CPU per request, the ratio to the same round's no auth, and
#      the ratios of the medians (goals: >= 100x auth_basic, >= 0.5x no auth; the free case shows how much of
#      the gap is nginx's own subrequest).
#   2. memory: a second htpass-serve on a file of 10,000 users (bcrypt cost 4: the cache keeps a keyed hash per
#      credential, whatever the cost), each user's right password once (10,000 misses, the cache full), then
#      once more (10,000 hits); its resident set before, after, and its peak (goal: <= 32 MB).
#   3. guessing: ATTACK_CONNECTIONS connections send wrong passwords for the cost-12 user, each request from one
#      of ATTACK_ADDRESSES addresses (X-Forwarded-For, taken by nginx's realip module from its trusted
#      127.0.0.1, then passed on as X-Real-IP), while one client with the right password keeps going on its
#      own connection. Goals: every legitimate request 200, its p99 <= 50 ms, and the hashes spent on the
#      attack (htpass_serve_hash_seconds_count from /metrics) bounded by the limits: the user is blocked after
#      --max-failures failures for --failure-window seconds (twice as long each time again), so a run shorter
#      than the window costs at most MAX_FAILURES hashes, plus the attempts that were already waiting for a
#      hash when the block began (at most one per attack connection).
#
#   Benchmarks/serve-throughput.sh                          (make bench-serve builds both binaries first)
#   DURATION=10s CONNECTIONS=32 ROUNDS=5 Benchmarks/serve-throughput.sh
#
# Environment: HTPASS_SERVE (default .build/release/htpass-serve), HTPASS (default next to it: makes the files),
# THREADS (wrk, 2), CONNECTIONS (8), DURATION (10s), ROUNDS (3), CASES ("none free free_unix serve serve_unix"),
# BASIC_DURATION (20s; 0 skips auth_basic), NGINX_WORKERS (worker_processes, auto), UPSTREAM_KEEPALIVE
# (the upstreams' keepalive, 16), SERVE_THREADS (htpass-serve --threads, its default), SERVE_LISTEN ("tcp" or
# "unix": the transport of the guessing run, tcp), FILL_USERS (10000),
# ATTACK_CONNECTIONS (64), ATTACK_ADDRESSES (16), ATTACK_DURATION (20s), MAX_FAILURES (10, the default),
# FAILURE_WINDOW (60), ONLY ("throughput", "memory" or "guessing": one part), WORKDIR.
#
# Output: Markdown tables on stdout, progress and the raw wrk output on stderr. Traffic only on 127.0.0.1;
# nginx and both servers are stopped, and the directory removed, on exit. Exits 1 when a check fails (a
# wrong status, a request that failed), not when a goal is missed: the goals are printed as met or not.
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/lib.sh

HTPASS_SERVE=${HTPASS_SERVE:-.build/release/htpass-serve}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-8}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CASES=${CASES:-none free free_unix serve serve_unix}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
UPSTREAM_KEEPALIVE=${UPSTREAM_KEEPALIVE:-16}
SERVE_THREADS=${SERVE_THREADS:-}
SERVE_LISTEN=${SERVE_LISTEN:-tcp}
BASIC_DURATION=${BASIC_DURATION:-20s}
FILL_USERS=${FILL_USERS:-10000}
ATTACK_CONNECTIONS=${ATTACK_CONNECTIONS:-64}
ATTACK_ADDRESSES=${ATTACK_ADDRESSES:-16}
ATTACK_DURATION=${ATTACK_DURATION:-20s}
MAX_FAILURES=${MAX_FAILURES:-10}
FAILURE_WINDOW=${FAILURE_WINDOW:-60}
ONLY=${ONLY:-}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

log() { printf '%s\n' "$*" >&2; }
die() { log "serve-throughput.sh: $*"; exit 1; }
need_tools wrk curl python3 "$NGINX"
[ -x "$HTPASS_SERVE" ] || { log "serve-throughput.sh: no htpass-serve at $HTPASS_SERVE; run 'make release'"; exit 2; }
HTPASS_SERVE=$(cd "$(dirname "$HTPASS_SERVE")" && pwd)/$(basename "$HTPASS_SERVE")
HTPASS=${HTPASS:-$(dirname "$HTPASS_SERVE")/htpass}
[ -x "$HTPASS" ] || { log "serve-throughput.sh: no htpass at $HTPASS; run 'make release'"; exit 2; }
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }

WORK=$(mktemp -d "${WORKDIR:-${TMPDIR:-/tmp}}/htpass-bench-serve.XXXXXX")
NGINX_PID=""
SERVE_PIDS=()
cleanup() {
    local pid
    for pid in "${SERVE_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
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
SERVE_PORT=$(free_port)
FREE_PORT=$(free_port)
FILL_PORT=$(free_port)
mkdir -p "$WORK/www" "$WORK/logs" "$WORK/run"
# The unix sockets: htpass-serve's (it creates it, 0660, its group nginx's) and the free service's (nginx's).
SERVE_SOCKET=$WORK/run/htpass-serve.sock
FREE_SOCKET=$WORK/run/free.sock
printf 'ok\n' > "$WORK/www/ok"

# When run as root, nginx's workers and htpass-serve run as an unprivileged user, as in production; the file is
# theirs to read, not to write.
RUN_AS=()
USER_LINE=""
if [ "$(id -u)" -eq 0 ]; then
    NGINX_USER=${NGINX_USER:-www-data}
    id "$NGINX_USER" >/dev/null 2>&1 || NGINX_USER=nobody
    USER_LINE="user $NGINX_USER;"
    RUN_AS=(setpriv --reuid="$NGINX_USER" --regid="$(id -g "$NGINX_USER")" --clear-groups --)
    chmod 0755 "$WORK"
fi
give_to_readers() { [ -z "$USER_LINE" ] || { chgrp "$(id -g "$NGINX_USER")" "$1" && chmod 0640 "$1"; }; }

# The cost-12 user: a long random password, as a person's manager would store it.
PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
printf '%s\n' "$PASSWORD" > "$WORK/password"
AUTH="Authorization: Basic $(printf 'alice:%s' "$PASSWORD" | base64 -w0)"
"$HTPASS" create "$WORK/htpasswd" alice --password-file "$WORK/password" --cost 12 2>>"$WORK/logs/htpass.log"
give_to_readers "$WORK/htpasswd"
grep -q '^alice:\$2y\$12\$' "$WORK/htpasswd" || die "htpass did not write a bcrypt cost-12 line"

# start_serve PORT FILE LOG ARGS...: htpass-serve in the background, waits for /healthz; sets SERVE_PID.
start_serve() {
    local port=$1 file=$2 name=$3
    shift 3
    "${RUN_AS[@]}" "$HTPASS_SERVE" "$file" --listen "127.0.0.1:$port" --realm bench \
        --audit-log "$WORK/logs/$name-audit.log" "$@" > "$WORK/logs/$name.out" 2> "$WORK/logs/$name.err" &
    SERVE_PID=$!
    SERVE_PIDS+=("$SERVE_PID")
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
        kill -0 "$SERVE_PID" 2>/dev/null || die "htpass-serve exited: $(tail -5 "$WORK/logs/$name.err")"
        sleep 0.1
    done
    die "htpass-serve did not answer /healthz on 127.0.0.1:$port"
}
# The audit log's and the socket's directories must be writable by the server's user.
[ -z "$USER_LINE" ] || chown "$NGINX_USER" "$WORK/logs" "$WORK/run"

# metric PORT NAME[{LABELS}]: the sum of the samples of that name (and labels, if given) in /metrics.
metrics() { curl -sf "http://127.0.0.1:$1/metrics"; }
metric() {
    metrics "$1" | awk -v want="$2" '
        /^#/ { next }
        { name = $1; sub(/\{.*/, "", name) }
        (index(want, "{") ? $1 == want : name == want) { sum += $NF }
        END { printf "%.0f\n", sum }'
}
# decisions PORT: "result=count" for every result, one line each.
decisions() {
    metrics "$1" | sed -n 's/^htpass_serve_decisions_total{result="\([^"]*\)"} \([0-9.e+]*\)$/\1 \2/p' \
        | awk '{ printf "%s=%.0f\n", $1, $2 }' | sort
}
# rss PID: "VmRSS VmHWM" in MB.
rss() { awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { printf "%.1f %.1f\n", r / 1024, h / 1024 }' "/proc/$1/status"; }

TICK=$(getconf CLK_TCK)
# cpu_seconds PID...: user + system time of these processes (all their threads) so far.
cpu_seconds() {
    local total=0 pid
    for pid in "$@"; do
        [ -r "/proc/$pid/stat" ] && total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
    done
    awk -v t="$total" -v k="$TICK" 'BEGIN { printf "%.3f", t / k }'
}
nginx_workers() { pgrep -P "$NGINX_PID" | tr '\n' ' '; }

# run_wrk NAME WRK-ARGS...: wrk's summary as "requests|req/s|avg|p50|p99|bad" (bad: non-2xx and socket errors).
run_wrk() {
    local name=$1 out
    shift
    out=$(wrk --timeout 60s --latency "$@" 2>&1) || true
    printf '## %s: wrk %s\n%s\n' "$name" "$*" "$out" >> "$WORK/logs/wrk.log"
    printf '## %s\n%s\n' "$name" "$out" >&2
    local n rps avg p50 p99 bad
    n=$(awk '/requests in/ { print $1 }' <<<"$out")
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    avg=$(awk '$1 == "Latency" { print $2; exit }' <<<"$out")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    bad=$(awk '/Non-2xx or 3xx responses:/ { s += $5 } /Socket errors:/ { gsub(",", ""); s += $4 + $6 + $8 + $10 } END { print s + 0 }' <<<"$out")
    printf '%s|%s|%s|%s|%s|%s\n' "${n:-0}" "${rps:-0}" "${avg:--}" "${p50:--}" "${p99:--}" "$bad"
}
# ms LATENCY: wrk's "1.23ms", "456.00us", "2.10s" in milliseconds.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

log "$(describe_machine "$WORK")"
log "htpass-serve: $HTPASS_SERVE"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------------------------------------------------------
# nginx: one server, a location per case on the same static file. /serve and /serve-unix ask htpass-serve
# (one process listening on 127.0.0.1 and on a unix socket), /free and /free-unix a second nginx server that
# answers 200 at once; every upstream keep-alive, the same proxy settings for all (those of
# Docs/guides/mlflow-nginx.md §7). htpass-serve's 429 and 503 reach the client as such (auth_request itself
# turns any status but 2xx, 401 and 403 into 500). The realip module takes X-Forwarded-For from 127.0.0.1 (the
# guessing run's "load balancer"); the subrequest passes the resulting address on, overwriting whatever the
# client sent.
if want throughput || want guessing; then
    SERVE_ARGS=(--listen "unix:$SERVE_SOCKET" --max-failures "$MAX_FAILURES" --failure-window "$FAILURE_WINDOW")
    [ -z "$SERVE_THREADS" ] || SERVE_ARGS+=(--threads "$SERVE_THREADS")
    start_serve "$SERVE_PORT" "$WORK/htpasswd" serve "${SERVE_ARGS[@]}"
    MAIN_SERVE_PID=$SERVE_PID
    for _ in $(seq 50); do [ -S "$SERVE_SOCKET" ] && break; sleep 0.1; done
    [ -S "$SERVE_SOCKET" ] || die "htpass-serve did not create $SERVE_SOCKET"
    # protected PATH UPSTREAM: a location behind auth_request to UPSTREAM, and its internal subrequest location.
    protected() {
        cat <<LOC
        location = /$1 {
            auth_request /_auth_$1;
            auth_request_set \$auth_status \$upstream_status;
            auth_request_set \$auth_retry_after \$upstream_http_retry_after;
            error_page 500 = @auth_error;
            alias $WORK/www/ok;
        }
        location = /_auth_$1 {
            internal;
            proxy_pass http://$2/auth;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Real-IP \$remote_addr;
            proxy_set_header X-Forwarded-For \$remote_addr;
        }
LOC
    }
    cat > "$WORK/nginx.conf" <<CONF
$USER_LINE
worker_processes $NGINX_WORKERS;
pid $WORK/nginx.pid;
error_log $WORK/logs/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/tmp_body;
    proxy_temp_path $WORK/tmp_proxy;
    fastcgi_temp_path $WORK/tmp_fastcgi;
    uwsgi_temp_path $WORK/tmp_uwsgi;
    scgi_temp_path $WORK/tmp_scgi;
    default_type text/plain;
    keepalive_requests 1000000;
    upstream htpass_serve {
        server 127.0.0.1:$SERVE_PORT;
        keepalive $UPSTREAM_KEEPALIVE;
    }
    upstream htpass_serve_unix {
        server unix:$SERVE_SOCKET;
        keepalive $UPSTREAM_KEEPALIVE;
    }
    upstream free {
        server 127.0.0.1:$FREE_PORT;
        keepalive $UPSTREAM_KEEPALIVE;
    }
    upstream free_unix {
        server unix:$FREE_SOCKET;
        keepalive $UPSTREAM_KEEPALIVE;
    }
    # The free auth service: 200 to every question, no body.
    server {
        listen 127.0.0.1:$FREE_PORT;
        listen unix:$FREE_SOCKET;
        location / { return 200; }
    }
    server {
        listen 127.0.0.1:$PORT;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Forwarded-For;

        location = /open { alias $WORK/www/ok; }
        location = /basic {
            auth_basic "bench";
            auth_basic_user_file $WORK/htpasswd;
            alias $WORK/www/ok;
        }
$(protected serve htpass_serve)
$(protected serve-unix htpass_serve_unix)
$(protected free free)
$(protected free-unix free_unix)
        location @auth_error {
            if (\$auth_status = 429) {
                add_header Retry-After \$auth_retry_after always;
                return 429;
            }
            if (\$auth_status = 503) { return 503; }
            return 500;
        }
    }
}
CONF
    "$NGINX" -e "$WORK/logs/nginx-error.log" -p "$WORK" -c "$WORK/nginx.conf" -t -q
    "$NGINX" -e "$WORK/logs/nginx-error.log" -p "$WORK" -c "$WORK/nginx.conf"
    for _ in $(seq 50); do [ -s "$WORK/nginx.pid" ] && break; sleep 0.1; done
    NGINX_PID=$(cat "$WORK/nginx.pid")
    URL=http://127.0.0.1:$PORT

    status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
    [ "$(status "$URL/open")" = 200 ] || die "/open is not 200"
    for path in basic serve serve-unix; do
        [ "$(status -H "$AUTH" "$URL/$path")" = 200 ] || die "/$path: the right password is not 200"
        [ "$(status -u alice:wrong "$URL/$path")" = 401 ] || die "/$path: a wrong password is not 401"
        [ "$(status "$URL/$path")" = 401 ] || die "/$path: no credentials is not 401"
    done
    for path in free free-unix; do
        [ "$(status "$URL/$path")" = 200 ] || die "/$path: the free auth service's answer is not 200"
    done
    user=$(curl -s -D - -o /dev/null "http://127.0.0.1:$SERVE_PORT/auth" -H "$AUTH" | tr -d '\r' \
        | awk -F': ' 'tolower($1) == "x-remote-user" { print $2 }')
    [ "$user" = alice ] || die "htpass-serve's 200 has no 'X-Remote-User: alice' (got '$user')"
fi

# ------------------------------------------------------------------------------------------------------------
if want throughput; then
    log "throughput: $ROUNDS rounds of $CASES ($DURATION each), then auth_basic ($BASIC_DURATION); wrk -t$THREADS -c$CONNECTIONS; nginx worker_processes $NGINX_WORKERS, upstream keepalive $UPSTREAM_KEEPALIVE, htpass-serve --threads ${SERVE_THREADS:-default}"
    : > "$WORK/rows"
    case_path() {
        case $1 in
            none) echo /open ;; basic) echo /basic ;; serve) echo /serve ;; serve_unix) echo /serve-unix ;;
            free) echo /free ;; free_unix) echo /free-unix ;; *) die "CASES: no case '$1'" ;;
        esac
    }
    for case in $CASES; do case_path "$case" >/dev/null; done
    measure() { # measure CASE ROUND DURATION
        local case=$1 round=$2 duration=$3 workers cpu0 cpu1 scpu0 scpu1 hits0 hits1 miss0 miss1 n rps avg p50 p99 bad
        workers=$(nginx_workers)
        hits0=$(metric "$SERVE_PORT" htpass_serve_cache_hits_total)
        miss0=$(metric "$SERVE_PORT" htpass_serve_cache_misses_total)
        # shellcheck disable=SC2086
        cpu0=$(cpu_seconds $workers)
        scpu0=$(cpu_seconds "$MAIN_SERVE_PID")
        IFS='|' read -r n rps avg p50 p99 bad < <(run_wrk "$case" -t"$THREADS" -c"$CONNECTIONS" -d"$duration" -H "$AUTH" "$URL$(case_path "$case")")
        # shellcheck disable=SC2086
        cpu1=$(cpu_seconds $workers)
        scpu1=$(cpu_seconds "$MAIN_SERVE_PID")
        hits1=$(metric "$SERVE_PORT" htpass_serve_cache_hits_total)
        miss1=$(metric "$SERVE_PORT" htpass_serve_cache_misses_total)
        [ "$bad" = 0 ] || die "$case: $bad requests failed (non-2xx or socket errors): see the wrk output above"
        [ "${n:-0}" -gt 0 ] || die "$case: no request completed"
        printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$case" "$n" "$rps" "$(ms "$avg")" "$(ms "$p50")" "$(ms "$p99")" \
            "$(awk -v a="$cpu0" -v b="$cpu1" -v c="$scpu0" -v d="$scpu1" -v n="$n" 'BEGIN { printf "%.3f", 1000 * (b - a + d - c) / n }')" \
            "$((hits1 - hits0))" "$((miss1 - miss0))" \
            "$(awk -v a="$cpu0" -v b="$cpu1" -v n="$n" 'BEGIN { printf "%.3f", 1000 * (b - a) / n }')" \
            "$(awk -v c="$scpu0" -v d="$scpu1" -v n="$n" 'BEGIN { printf "%.3f", 1000 * (d - c) / n }')" "$round" >> "$WORK/rows"
    }
    for round in $(seq "$ROUNDS"); do
        log "round $round/$ROUNDS ($(cut -d' ' -f1-3 /proc/loadavg))"
        for case in $CASES; do measure "$case" "$round" "$DURATION"; done
    done
    [ "$BASIC_DURATION" = 0 ] || [ "$BASIC_DURATION" = 0s ] || measure basic 1 "$BASIC_DURATION"
    SERVE_RSS_AFTER_THROUGHPUT=$(rss "$MAIN_SERVE_PID")

    echo
    echo "### Throughput: one bcrypt cost-12 user, keep-alive, wrk -t$THREADS -c$CONNECTIONS ($(date -u +%F), load average before $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg))"
    echo
    echo "nginx worker_processes $NGINX_WORKERS, upstream keepalive $UPSTREAM_KEEPALIVE, htpass-serve --threads ${SERVE_THREADS:-default}; \"/ no auth\": against the same round's no auth."
    echo
    echo '| case | round | requests | requests/s | / no auth | avg latency | p50 | p99 | CPU per request: nginx + htpass-serve | cache hits / misses |'
    echo '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
    awk -F'|' '
        BEGIN { label["none"] = "nginx, no auth"; label["free"] = "auth_request -> free (nginx return 200), TCP"
                label["free_unix"] = "auth_request -> free (nginx return 200), unix socket"
                label["serve"] = "auth_request -> htpass serve, TCP"; label["serve_unix"] = "auth_request -> htpass serve, unix socket"
                label["basic"] = "auth_basic" }
        $1 == "none" { none[$12] = $3 }
        { printf "| %s | %d | %s | %s | %s | %s ms | %s ms | %s ms | %s ms + %s ms = %s ms | %s |\n", label[$1], $12, $2, $3, \
            ($1 != "none" && none[$12] ? sprintf("%.2f", $3 / none[$12]) : "-"), $4, $5, $6, $10, $11, $7, \
            ($1 ~ /^serve/ ? $8 " / " $9 : "-") }' "$WORK/rows"
    echo
    # med CASE FIELD: the median of that field over the case's rounds.
    med() { awk -F'|' -v c="$1" -v f="$2" '$1 == c { print $f }' "$WORK/rows" | median; }
    # round_ratios CASE OTHER: the median over the rounds of CASE's requests/s over OTHER's of the same round.
    round_ratios() {
        awk -F'|' -v c="$1" -v o="$2" '$1 == c { a[$12] = $3 } $1 == o { b[$12] = $3 } END { for (r in a) if (b[r]) print a[r] / b[r] }' \
            "$WORK/rows" | median
    }
    NONE=$(med none 3)
    NONE_CPU=$(med none 7)
    printf -- '- medians: no auth %.0f requests/s (%.3f ms of nginx CPU per request)' "$NONE" "$NONE_CPU"
    for case in $CASES; do
        [ "$case" = none ] || printf ', %s %.0f (%.3f ms)' "$case" "$(med "$case" 3)" "$(med "$case" 7)"
    done
    [ "$BASIC_DURATION" = 0 ] || [ "$BASIC_DURATION" = 0s ] || printf ', basic %.2f (%.1f ms)' "$(med basic 3)" "$(med basic 7)"
    echo
    for case in $CASES; do
        [ "$case" = none ] && continue
        awk -v c="$case" -v s="$(med "$case" 3)" -v n="$NONE" -v rr="$(round_ratios "$case" none)" -v sc="$(med "$case" 7)" -v nc="$NONE_CPU" 'BEGIN {
            printf "- **%s / no auth: %.2fx** in requests/s (median of the rounds'"'"' ratios %.2fx)%s; CPU per request %.3f ms against %.3f ms (%.1fx)\n", \
                c, s / n, rr, (c ~ /^serve/ ? sprintf(" (goal >= 0.5x: %s)", (s / n >= 0.5 ? "met" : "NOT met")) : ""), sc, nc, sc / nc }'
    done
    for pair in "serve free" "serve_unix free_unix"; do
        read -r s f <<<"$pair"
        case " $CASES " in *" $s "*) ;; *) continue ;; esac
        case " $CASES " in *" $f "*) ;; *) continue ;; esac
        awk -v s="$s" -v f="$f" -v a="$(med "$s" 3)" -v b="$(med "$f" 3)" -v rr="$(round_ratios "$s" "$f")" 'BEGIN {
            printf "- **%s / %s (the free-auth ceiling, same transport): %.2fx** (median of the rounds'"'"' ratios %.2fx)\n", s, f, a / b, rr }'
    done
    if ! [ "$BASIC_DURATION" = 0 ] && ! [ "$BASIC_DURATION" = 0s ]; then
        BASIC=$(med basic 3)
        BASIC_CPU=$(med basic 7)
        for case in serve serve_unix; do
            case " $CASES " in *" $case "*) ;; *) continue ;; esac
            awk -v c="$case" -v s="$(med "$case" 3)" -v b="$BASIC" -v sc="$(med "$case" 7)" -v bc="$BASIC_CPU" 'BEGIN {
                r = s / b
                printf "- **%s / auth_basic: %.0fx** in requests/s (goal >= 100x: %s); in CPU per request %.0fx less (%.3f ms against %.1f ms)\n", \
                    c, r, (r >= 100 ? "met" : "NOT met"), bc / sc, sc, bc }'
        done
    fi
    for case in serve serve_unix; do
        case " $CASES " in *" $case "*) ;; *) continue ;; esac
        echo "- $case p99 (median of rounds): $(med "$case" 6) ms"
    done
    echo "- htpass-serve resident after the throughput runs (VmRSS, VmHWM): $(awk '{ printf "%s MB, peak %s MB", $1, $2 }' <<<"$SERVE_RSS_AFTER_THROUGHPUT")"
fi

# ------------------------------------------------------------------------------------------------------------
if want memory; then
    log "memory: $FILL_USERS users (bcrypt cost 4), each user's password once, then once more"
    python3 - "$WORK/users.spec" "$FILL_USERS" <<'PY'
import secrets, sys
path, count = sys.argv[1], int(sys.argv[2])
with open(path, "w") as out:
    for i in range(count):
        out.write("user%05d:%s\n" % (i, secrets.token_urlsafe(15)))
PY
    "$HTPASS" apply --create -a bcrypt --cost 4 "$WORK/many.htpasswd" "$WORK/users.spec" 2>>"$WORK/logs/htpass.log"
    give_to_readers "$WORK/many.htpasswd"
    start_serve "$FILL_PORT" "$WORK/many.htpasswd" fill --cache-size "$FILL_USERS"
    FILL_PID=$SERVE_PID
    RSS_IDLE=$(rss "$FILL_PID")
    # 4 keep-alive connections, each its share of the users; every answer must be 200.
    fill() {
        python3 - "$FILL_PORT" "$WORK/users.spec" <<'PY'
import base64, http.client, sys, threading, time
port, spec = int(sys.argv[1]), sys.argv[2]
users = [line.rstrip("\n").split(":", 1) for line in open(spec)]
bad = []
def work(part):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for user, password in part:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        conn.request("GET", "/auth", headers={"Authorization": "Basic " + token})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            bad.append((user, response.status))
start = time.monotonic()
threads = [threading.Thread(target=work, args=(users[i::4],)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(f"{len(users)} {time.monotonic() - start:.2f} {len(bad)} {bad[:3]}")
PY
    }
    read -r n1 t1 bad1 _ < <(fill)
    RSS_FULL=$(rss "$FILL_PID")
    HITS0=$(metric "$FILL_PORT" htpass_serve_cache_hits_total)
    read -r n2 t2 bad2 _ < <(fill)
    RSS_AGAIN=$(rss "$FILL_PID")
    HITS=$(( $(metric "$FILL_PORT" htpass_serve_cache_hits_total) - HITS0 ))
    [ "$bad1" = 0 ] && [ "$bad2" = 0 ] || die "memory: $bad1 and $bad2 requests were not 200"
    echo
    echo "### Memory: $FILL_USERS cached credentials (--cache-size $FILL_USERS)"
    echo
    echo '| htpass-serve | VmRSS | VmHWM (peak) |'
    echo '|---|---:|---:|'
    read -r a b <<<"$RSS_IDLE"; echo "| started, /healthz answered | $a MB | $b MB |"
    read -r a b <<<"$RSS_FULL"; echo "| after $n1 users' first request ($t1 s, all 200: $n1 hashes) | $a MB | $b MB |"
    read -r a b <<<"$RSS_AGAIN"; echo "| after the same $n2 requests again ($t2 s; cache hits: $HITS) | $a MB | $b MB |"
    echo
    awk -v p="$(cut -d' ' -f2 <<<"$RSS_AGAIN")" 'BEGIN { printf "- peak resident %.1f MB (goal <= 32 MB: %s)\n", p, (p <= 32 ? "met" : "NOT met") }'
    [ "$HITS" -ge "$n2" ] || echo "- note: only $HITS of the $n2 second requests were cache hits"
fi

# ------------------------------------------------------------------------------------------------------------
if want guessing; then
    log "guessing: $ATTACK_CONNECTIONS connections of wrong passwords for alice from $ATTACK_ADDRESSES addresses, one right client, $ATTACK_DURATION"
    # The Lua script: wrong passwords (one per request, in turn from 1,000) from the addresses in turn.
    python3 - "$WORK/attack.lua" "$ATTACK_ADDRESSES" <<'PY'
import base64, sys
path, addresses = sys.argv[1], int(sys.argv[2])
auths = ["Basic " + base64.b64encode(f"alice:guess-{i:04d}".encode()).decode() for i in range(1000)]
with open(path, "w") as out:
    out.write("local auths = {" + ",".join(f'"{a}"' for a in auths) + "}\n")
    out.write("local addrs = {" + ",".join(f'"10.66.{i // 250}.{i % 250 + 1}"' for i in range(addresses)) + "}\n")
    out.write("""local i = 0
request = function()
    i = i + 1
    return wrk.format("GET", "/serve", {["Authorization"] = auths[i % #auths + 1], ["X-Forwarded-For"] = addrs[i % #addrs + 1]})
end
""")
PY
    # The legitimate client is in the cache already (one request), as a client that was working before.
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$URL/serve")" = 200 ] || die "guessing: alice is not 200"
    HASHES0=$(metric "$SERVE_PORT" htpass_serve_hash_seconds_count)
    decisions "$SERVE_PORT" > "$WORK/decisions0"
    GUESS_PATH=/serve
    [ "$SERVE_LISTEN" = unix ] && GUESS_PATH=/serve-unix
    run_wrk attack -t1 -c"$ATTACK_CONNECTIONS" -d"$ATTACK_DURATION" -s "$WORK/attack.lua" "$URL$GUESS_PATH" > "$WORK/attack" &
    ATTACK=$!
    sleep 0.5
    IFS='|' read -r ln lrps lavg lp50 lp99 lbad < <(run_wrk legitimate -t1 -c1 -d"$ATTACK_DURATION" -H "$AUTH" "$URL$GUESS_PATH")
    wait "$ATTACK"
    IFS='|' read -r an arps _ _ _ _ < "$WORK/attack"
    # Attempts that passed the throttle before the block are still waiting for a hash: they are hashed all
    # the same (their clients are gone), so they count. Wait until the queue is empty.
    for _ in $(seq 600); do
        QUEUE=$(metric "$SERVE_PORT" htpass_serve_hash_queue_length)
        [ "$QUEUE" = 0 ] && break
        sleep 0.2
    done
    sleep 1
    HASHES=$(( $(metric "$SERVE_PORT" htpass_serve_hash_seconds_count) - HASHES0 ))
    decisions "$SERVE_PORT" > "$WORK/decisions1"
    QUEUE=$(metric "$SERVE_PORT" htpass_serve_hash_queue_length)
    echo
    echo "### Guessing: $ATTACK_CONNECTIONS connections, wrong passwords for alice from $ATTACK_ADDRESSES addresses, one legitimate client (htpass serve on $SERVE_LISTEN, $ATTACK_DURATION; --max-failures $MAX_FAILURES --failure-window $FAILURE_WINDOW)"
    echo
    echo '| client | requests | requests/s | avg latency | p50 | p99 | not 200 |'
    echo '|---|---:|---:|---:|---:|---:|---:|'
    echo "| legitimate (1 connection) | $ln | $lrps | $(ms "$lavg") ms | $(ms "$lp50") ms | $(ms "$lp99") ms | $lbad |"
    echo "| attack ($ATTACK_CONNECTIONS connections) | $an | $arps | | | | (all: wrong passwords) |"
    echo
    echo "- decisions during the run (htpass_serve_decisions_total): $(join -a2 -t= -e0 -o 0,1.2,2.2 "$WORK/decisions0" "$WORK/decisions1" \
        | awk -F= '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $1, $3 - $2 }')"
    echo "- hashes computed for the run, the queue drained (htpass_serve_hash_seconds_count): **$HASHES** for $an attack requests; hash queue after: $QUEUE"
    # The bound: MAX_FAILURES per block of the user (one block when the run is shorter than the window; each
    # later block lasts twice as long), plus the attempts already past the check and waiting for a hash when
    # a block began (one per attack connection at most).
    seconds=$(awk -v d="$ATTACK_DURATION" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; else if (d ~ /h$/) n *= 3600; print n }')
    BLOCKS=$(awk -v d="$seconds" -v w="$FAILURE_WINDOW" 'BEGIN { b = 0; t = 0; len = w; while (t < d) { b++; t += len; len *= 2 } print b }')
    BOUND=$(( BLOCKS * (MAX_FAILURES + ATTACK_CONNECTIONS) ))
    echo "- bound from the limits: $BLOCKS block(s) x (--max-failures $MAX_FAILURES + $ATTACK_CONNECTIONS attempts in flight) = $BOUND hashes: $([ "$HASHES" -le "$BOUND" ] && echo met || echo NOT met); under auth_basic each of the $an attempts would have cost a hash"
    awk -v bad="$lbad" -v p99="$(ms "$lp99")" -v n="$ln" 'BEGIN {
        printf "- every legitimate request 200: %s (%d requests, %d not 200); its p99 %.2f ms (goal <= 50 ms: %s)\n", \
            (bad == 0 && n > 0 ? "met" : "NOT met"), n, bad, p99, (p99 <= 50 ? "met" : "NOT met") }'
fi

log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
log "machine: $(nproc) cores, $(uname -sr), $("$NGINX" -v 2>&1 | sed 's/.*: //'), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"

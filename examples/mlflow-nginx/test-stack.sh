#!/usr/bin/env bash
# End-to-end test of the MLflow + nginx + htpass stack, on 127.0.0.1, without Docker.
#
#   examples/mlflow-nginx/test-stack.sh        (make mlflow-test)
#
# Starts the stack with run-local.sh (MLflow from PyPI, htpass serve, the host's nginx with
# ./nginx.conf asking htpass serve through auth_request, an htpasswd file and generated passwords
# from htpass), then checks through nginx, with curl and with the real MLflow client
# (test_stack_client.py): the workflow (experiment, params, metrics, artifacts, read back), 401 for
# wrong or missing credentials, a password rotated and a user deleted with htpass taking effect on
# the next request without a reload (through htpass serve's cache), the Host header and
# TLS/redirect setup, then htpass serve's throttling (429 with Retry-After through nginx, the
# cached user still let in), its audit log and metrics. Ends with "N passed, M failed"; exits
# non-zero on any failure.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ -z "${STACK_DIR:-}" ]]; then
    exec "$HERE/run-local.sh" -- "$HERE/test-stack.sh" "$@"
fi

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); printf 'PASS %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$*"; }
expect() { # expect NAME WANT GOT
    if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1: expected $2, got $3"; fi
}
client() { # run test_stack_client.py, fold its PASS/FAIL lines into the counts
    local out line
    out=$("$STACK_PYTHON" "$HERE/test_stack_client.py" "$@" 2>"$STACK_DIR/logs/client-$1.err")
    local rc=$?
    while IFS= read -r line; do
        case $line in
            PASS*) PASSED=$((PASSED + 1)); printf '%s\n' "$line" ;;
            FAIL*) FAILED=$((FAILED + 1)); printf '%s\n' "$line" ;;
            *) [[ -n "$line" ]] && printf '  %s\n' "$line" ;;
        esac
    done <<<"$out"
    if [[ $rc -ne 0 ]] && ! grep -q '^FAIL' <<<"$out"; then
        fail "client $*: exited $rc: $(tail -3 "$STACK_DIR/logs/client-$1.err")"
    fi
}

URL=$MLFLOW_TRACKING_URI
CA=(--cacert "$MLFLOW_TRACKING_SERVER_CERT_PATH")
API=/api/2.0/mlflow/experiments/search?max_results=1
status() { curl -s -o /dev/null -w '%{http_code}' "${CA[@]}" "$@"; }
pw() { head -n1 "$STACK_SECRETS/$1"; }
NGINX_MASTER=$(cat "$STACK_DIR/nginx.pid")

echo "# setup: nginx workers as $STACK_NGINX_USER, htpass $HTPASS"
# The file htpass wrote: mode 0640, group of the nginx workers when they are not its owner.
mode=$(stat -c '%a' "$STACK_HTPASSWD")
expect "htpasswd file mode" 640 "$mode"
if [[ $(id -u) -eq 0 ]]; then
    expect "htpasswd group is the nginx workers' ($STACK_NGINX_USER)" "$(id -gn "$STACK_NGINX_USER")" "$(stat -c '%G' "$STACK_HTPASSWD")"
fi
expect "htpasswd holds alice and bob" "alice bob" "$(cut -d: -f1 "$STACK_HTPASSWD" | xargs)"
expect "hashes are bcrypt \$2y\$ (the default)" 2 "$(grep -c '^[a-z]*:\$2y\$10\$' "$STACK_HTPASSWD")"
command -v ss >/dev/null || { echo "test-stack: ss (iproute2) is required; 'make mlflow-test' installs it" >&2; exit 1; }
expect "MLflow listens on 127.0.0.1 only" "127.0.0.1:$STACK_MLFLOW_PORT" \
    "$(ss -Hltn "sport = :$STACK_MLFLOW_PORT" | awk '{print $4}' | xargs)"

echo "# nginx: TLS, redirect, auth"
expect "http -> https redirect" 301 "$(status "http://127.0.0.1:$STACK_HTTP_PORT/")"
expect "redirect target is https" "https://127.0.0.1/x?y=1" \
    "$(curl -s -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$STACK_HTTP_PORT/x?y=1")"
expect "/health without credentials (auth_request off)" 200 "$(status "$URL/health")"
expect "API without credentials" 401 "$(status "$URL$API")"
expect "UI without credentials" 401 "$(status "$URL/")"
expect "API with a wrong password" 401 "$(status -u "alice:wrong" "$URL$API")"
expect "API with an unknown user" 401 "$(status -u "mallory:$(pw alice)" "$URL$API")"
expect "API as alice" 200 "$(status -u "alice:$(pw alice)" "$URL$API")"
expect "UI as alice" 200 "$(status -u "alice:$(pw alice)" "$URL/")"
expect "WWW-Authenticate challenge (htpass serve's, through nginx)" 'WWW-Authenticate: Basic realm="MLflow", charset="UTF-8"' \
    "$(curl -s -D - -o /dev/null "${CA[@]}" "$URL$API" | grep -i '^www-authenticate' | tr -d '\r')"
# The real name, as production clients send it (resolved to 127.0.0.1: no traffic leaves the machine).
RESOLVE=(--resolve "$STACK_DOMAIN:$STACK_HTTPS_PORT:127.0.0.1")
expect "Host $STACK_DOMAIN accepted (--allowed-hosts)" 200 \
    "$(status "${RESOLVE[@]}" -u "alice:$(pw alice)" "https://$STACK_DOMAIN:$STACK_HTTPS_PORT$API")"
expect "Host outside --allowed-hosts: MLflow's 403" 403 \
    "$(status -H 'Host: other.example.net' -u "alice:$(pw alice)" "$URL$API")"
expect "POST with a foreign Origin: MLflow's CORS 403" 403 \
    "$(status -X POST -H 'Origin: https://evil.example.net' -H 'Content-Type: application/json' \
        -d '{"name":"x"}' -u "alice:$(pw alice)" "$URL/api/2.0/mlflow/experiments/create")"
expect "artifacts API without credentials" 401 "$(status "$URL/api/2.0/mlflow-artifacts/artifacts")"

echo "# MLflow client (MLFLOW_TRACKING_USERNAME/PASSWORD from the files htpass --generate wrote)"
client workflow alice
client missing
client wrong alice
client allowed bob

echo "# rotate alice's password with htpass: no reload"
cp "$STACK_SECRETS/alice" "$STACK_SECRETS/alice.old"
if "$HTPASS" add "$STACK_HTPASSWD" alice --generate --length 32 > "$STACK_SECRETS/alice.new"; then
    pass "htpass add alice --generate (rotate)"
else
    fail "htpass add alice --generate exited $?"
fi
cp "$STACK_SECRETS/alice.new" "$STACK_SECRETS/alice"
client refused alice alice.old
client allowed alice
expect "htpasswd mode kept after the edit" 640 "$(stat -c '%a' "$STACK_HTPASSWD")"
if [[ $(id -u) -eq 0 ]]; then
    expect "htpasswd group kept after the edit" "$(id -gn "$STACK_NGINX_USER")" "$(stat -c '%G' "$STACK_HTPASSWD")"
fi

echo "# delete bob with htpass: refused on the next request, alice unaffected"
client allowed bob
if "$HTPASS" delete "$STACK_HTPASSWD" bob; then pass "htpass delete bob"; else fail "htpass delete bob exited $?"; fi
expect "bob (curl) after delete" 401 "$(status -u "bob:$(pw bob)" "$URL$API")"
client refused bob
client allowed alice
expect "htpasswd now holds alice only" "alice" "$(cut -d: -f1 "$STACK_HTPASSWD" | xargs)"

echo "# add carol with htpass: accepted on the next request"
if "$HTPASS" add "$STACK_HTPASSWD" carol --generate --length 32 > "$STACK_SECRETS/carol"; then
    pass "htpass add carol --generate"
else
    fail "htpass add carol exited $?"
fi
client allowed carol
expect "nginx was never reloaded (same master, same start)" "$NGINX_MASTER" "$(cat "$STACK_DIR/nginx.pid")"
expect "nginx error log: no permission problems" 0 \
    "$(grep -c -E 'Permission denied|crit' "$STACK_DIR/logs/nginx-error.log")"

echo "# htpass serve: the cache, the client's address, throttling, the audit log, the metrics"
SERVE=http://127.0.0.1:$STACK_SERVE_PORT
metric() { curl -s "$SERVE/metrics" | awk -v want="$1" '$1 == want { print $2 }'; }
expect "htpass serve /healthz" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$SERVE/healthz")"
hits=$(metric htpass_serve_cache_hits_total)
if [[ ${hits:-0} -gt 0 ]]; then pass "the cache answered $hits requests without a hash"; else fail "no cache hit: '$hits'"; fi
# A client cannot choose the address its failures are counted under: nginx sets X-Real-IP itself.
status -H 'X-Real-IP: 203.0.113.9' -H 'X-Forwarded-For: 203.0.113.9' -u "spoofer:wrong" "$URL$API" >/dev/null
expect "a client's X-Real-IP is replaced by nginx's \$remote_addr" '"client":"127.0.0.1","user":"spoofer"' \
    "$(grep -o '"client":"[^"]*","user":"spoofer"' "$STACK_SERVE_LOG" | tail -1)"
# Guessing: wrong passwords for one name until htpass serve answers 429 (10 failures a minute per
# client and per user, those above included), which nginx passes on with Retry-After.
got429=""
for i in $(seq 15); do
    headers=$(curl -s -D - -o /dev/null "${CA[@]}" -u "guesser:guess-$i" "$URL$API" | tr -d '\r')
    code=$(awk 'NR == 1 { print $2 }' <<<"$headers")
    if [[ $code == 429 ]]; then got429=$i; retry=$(awk -F': ' 'tolower($1) == "retry-after" { print $2 }' <<<"$headers"); break; fi
    [[ $code == 401 ]] || { fail "guess $i: expected 401 or 429, got $code"; break; }
done
if [[ -n $got429 ]]; then pass "guessing throttled: 429 at attempt $got429"; else fail "no 429 after 15 wrong passwords"; fi
if [[ ${retry:-0} =~ ^[0-9]+$ && ${retry:-0} -gt 0 ]]; then pass "429 carries Retry-After: $retry"; else fail "429 without Retry-After: '${retry:-}'"; fi
expect "alice (cached) still let in while her address is throttled" 200 "$(status -u "alice:$(pw alice)" "$URL$API")"
client allowed carol
throttled=$(curl -s "$SERVE/metrics" | awk '$1 == "htpass_serve_decisions_total{result=\"throttled\"}" { print $2 }')
if [[ ${throttled:-0} -gt 0 ]]; then pass "metrics: $throttled throttled decisions"; else fail "metrics: no throttled decision"; fi
# The audit log: one JSON line per decision, names and results, never a password.
lines=$(grep -c '^{"time":' "$STACK_SERVE_LOG")
if [[ $lines -gt 10 ]]; then pass "audit log: $lines decisions"; else fail "audit log: $lines lines"; fi
expect "audit log: alice granted from the cache" 1 "$(grep -c -m1 '"user":"alice","result":"granted","status":200,"cached":true' "$STACK_SERVE_LOG")"
leaked=0
for secret in "$STACK_SECRETS"/*; do
    grep -qF -- "$(head -n1 "$secret")" "$STACK_SERVE_LOG" "$STACK_DIR/logs/htpass-serve.err" && leaked=$((leaked + 1))
done
expect "no password in htpass serve's output" 0 "$leaked"

echo
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]

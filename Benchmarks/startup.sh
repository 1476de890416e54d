#!/usr/bin/env bash
# Start-up cost of one htpass run against Apache's htpasswd, for scripts that run one command per
# operation: `verify` on a 10,000-line apr1 file (htpasswd -vb), `hash -a apr1` (htpasswd -nbm), and
# Apache's own command line `htpasswd -nbm u pw` run by htpass under the name htpasswd (a symbolic link,
# as `make install WITH_HTPASSWD_LINK=1` installs it).
#
# Usage: Benchmarks/startup.sh [HTPASS_BINARY]   (default: .build/release/htpass; `make release` first)
# Needs hyperfine, htpasswd (apache2-utils) and openssl.
set -euo pipefail

HTPASS=${1:-.build/release/htpass}
HTPASS=$(cd "$(dirname "$HTPASS")" && pwd)/$(basename "$HTPASS")
for tool in hyperfine htpasswd openssl; do
    command -v "$tool" >/dev/null || { echo "startup.sh: $tool is not installed" >&2; exit 2; }
done
[ -x "$HTPASS" ] || { echo "startup.sh: no binary at $HTPASS; run 'make release'" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# The binary as it is installed and shipped (make install, make dist/deb/oci, the image): stripped as the
# Makefile's STRIP does. The debug information of the build's own binary costs 9 page faults a run.
# STRIPPED=0 measures the binary as given.
if [ "${STRIPPED:-1}" = 1 ]; then
    strip --strip-all --remove-section=.comment --remove-section=.note -o "$WORK/htpass" "$HTPASS"
    HTPASS=$WORK/htpass
fi
export BENCH_PASSWORD=correct-horse-battery

# 10,000 users, each with its own apr1 hash of the same password; the user checked is the last one.
FILE=$WORK/htpasswd
python3 - "$FILE" <<'PY'
import subprocess, sys
salts = subprocess.run(["openssl", "rand", "-hex", "20000"], capture_output=True, text=True).stdout
hashes = subprocess.run(
    ["openssl", "passwd", "-apr1", "-stdin"], input="correct-horse-battery\n" * 200,
    capture_output=True, text=True).stdout.split()
with open(sys.argv[1], "w") as f:
    for i in range(10000):
        f.write(f"user{i:05d}:{hashes[i % len(hashes)]}\n")
PY
USER=user09999

# ROUNDS paired rounds (default 9): in each, one hyperfine run of both commands (RUNS runs each, default 100,
# the order alternating between rounds), and the ratio of htpass's median to htpasswd's. Prints the median of
# the rounds' ratios (goal: <= 0.80) and their range; under load the rounds differ, the pairs much less.
ROUNDS=${ROUNDS:-9}
RUNS=${RUNS:-100}
compare() {
    local title=$1 apache_name=$2 apache_command=$3 htpass_name=$4 htpass_command=$5
    echo "== $title"
    : > "$WORK/ratios"
    for round in $(seq "$ROUNDS"); do
        if [ $((round % 2)) = 1 ]; then
            hyperfine -N --warmup 10 --runs "$RUNS" --style none --export-json "$WORK/result.json" \
                -n "$apache_name" "$apache_command" -n "$htpass_name" "$htpass_command" >/dev/null 2>&1
        else
            hyperfine -N --warmup 10 --runs "$RUNS" --style none --export-json "$WORK/result.json" \
                -n "$htpass_name" "$htpass_command" -n "$apache_name" "$apache_command" >/dev/null 2>&1
        fi
        python3 - "$WORK/result.json" "$apache_name" >> "$WORK/ratios" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
apache = results.pop(sys.argv[2])
(htpass,) = results.values()
print(htpass["median"] / apache["median"], htpass["median"], apache["median"])
PY
    done
    python3 - "$WORK/ratios" "$title" <<'PY'
import statistics, sys
rows = [tuple(map(float, line.split())) for line in open(sys.argv[1])]
ratios = sorted(r[0] for r in rows)
ratio = statistics.median(ratios)
print(f"RATIO {sys.argv[2]}: htpass / htpasswd = {ratio:.2f} (median of {len(rows)} paired rounds; "
      f"range {ratios[0]:.2f}-{ratios[-1]:.2f}; medians {statistics.median(r[1] for r in rows) * 1e3:.2f} ms / "
      f"{statistics.median(r[2] for r in rows) * 1e3:.2f} ms){'' if ratio <= 0.8 else '  (goal: <= 0.80)'}")
PY
}

# The floor: a static Swift executable that does nothing, built as htpass is (-static-executable, -O).
FLOOR=$WORK/floor
echo '' > "$WORK/floor.swift"
if swiftc -O -static-executable "$WORK/floor.swift" -o "$FLOOR" 2>/dev/null && strip --strip-all "$FLOOR"; then
    echo "== floor: a static Swift executable that does nothing"
    hyperfine -N --warmup 20 --runs 300 --style basic -n "floor (static Swift, empty main)" "$FLOOR" \
        -n "true (coreutils)" "/bin/true" -n "htpasswd (no arguments)" "$(command -v htpasswd)" -i 2>/dev/null \
        | grep -E "Time|floor|true|htpasswd" || true
fi

compare "verify: 10,000-line apr1 file, last user" \
    "htpasswd -vb" "htpasswd -vb $FILE $USER $BENCH_PASSWORD" \
    "htpass verify" "$HTPASS verify --password-env BENCH_PASSWORD $FILE $USER"
compare "hash: apr1, no file" \
    "htpasswd -nbm" "htpasswd -nbm $USER $BENCH_PASSWORD" \
    "htpass hash -a apr1" "$HTPASS hash -a apr1 --password-env BENCH_PASSWORD $USER"

# The Apache interface: the same command line, Apache's binary against htpass through a link named htpasswd.
mkdir -p "$WORK/bin"
ln -s "$HTPASS" "$WORK/bin/htpasswd"
# Apache's binary even when the link is installed on PATH ahead of it.
APACHE_HTPASSWD=${APACHE_HTPASSWD:-/usr/bin/htpasswd}
compare "Apache's command line: htpasswd -nbm u pw" \
    "htpasswd -nbm" "$APACHE_HTPASSWD -nbm $USER $BENCH_PASSWORD" \
    "htpass as htpasswd -nbm" "$WORK/bin/htpasswd -nbm $USER $BENCH_PASSWORD"

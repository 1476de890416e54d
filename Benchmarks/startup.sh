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

# Runs hyperfine on the two commands and prints htpass's mean time as a ratio of htpasswd's (goal: <= 1.00).
compare() {
    local title=$1 apache_name=$2 apache_command=$3 htpass_name=$4 htpass_command=$5
    echo "== $title"
    hyperfine -N --warmup 20 --export-json "$WORK/result.json" \
        -n "$apache_name" "$apache_command" -n "$htpass_name" "$htpass_command"
    python3 - "$WORK/result.json" "$title" <<'PY'
import json, sys
apache, htpass = json.load(open(sys.argv[1]))["results"]
ratio = htpass["mean"] / apache["mean"]
print(f"RATIO {sys.argv[2]}: htpass / htpasswd = {ratio:.2f} "
      f"({htpass['mean'] * 1e3:.2f} ms / {apache['mean'] * 1e3:.2f} ms){'' if ratio <= 1 else '  (goal: <= 1.00)'}")
PY
}

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

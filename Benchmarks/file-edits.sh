#!/usr/bin/env bash
# Editing a big file: add one user to, and delete one user from, a 100,000-line apr1 file, against
# Apache's `htpasswd -bm` and `htpasswd -D` on copies of the same file in the same run. htpass locks,
# writes a temporary file, fsyncs it, renames it and fsyncs the directory; htpasswd does none of that.
# Then the peak memory (maximum resident set size) of an add on a 1,000,000-line file.
#
# Usage: Benchmarks/file-edits.sh [RUNS]      (default 30 runs per command)
#   HTPASS=path      the htpass binary (default .build/release/htpass; `make release` first). Used when it
#                    supports `add FILE USER --password-env VAR -a apr1` and `delete FILE USER`.
#   STORETOOL=path   otherwise this release build of the test tool over the same library (default
#                    .build/release/StoreTool, built with `swift build -c release --product StoreTool`
#                    if missing). It takes a ready-made hash, so it skips the ~0.2 ms of apr1 hashing.
#   WORKDIR=dir      where the files go (default: a new directory under $TMPDIR or /tmp); its
#                    filesystem decides the cost of fsync.
# Needs hyperfine, htpasswd (apache2-utils), openssl, python3 and /usr/bin/time (package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-30}
HTPASS=${HTPASS:-.build/release/htpass}
STORETOOL=${STORETOOL:-.build/release/StoreTool}
for tool in hyperfine htpasswd openssl python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "file-edits.sh: $tool is not installed" >&2; exit 2; }
done

WORK=$(mktemp -d "${WORKDIR:-${TMPDIR:-/tmp}}/htpass-file-edits.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export BENCH_PASSWORD=correct-horse-battery
HASH='$apr1$Zq4Lc2Xv$ZgMVZ4xl0w2YzgS7Ao5Nf/'   # any apr1 hash; StoreTool writes it as given

# Which binary: htpass if it does what the contract says, else StoreTool.
probe=$WORK/probe
if [ -x "$HTPASS" ] && : >"$probe" \
    && "$HTPASS" add "$probe" probeuser --password-env BENCH_PASSWORD -a apr1 >/dev/null 2>&1 \
    && grep -q '^probeuser:\$apr1\$' "$probe" \
    && "$HTPASS" delete "$probe" probeuser >/dev/null 2>&1 && [ ! -s "$probe" ]; then
    OURS=$(cd "$(dirname "$HTPASS")" && pwd)/$(basename "$HTPASS")
    NAME="htpass"
    add_cmd() { echo "$OURS add $1 $2 --password-env BENCH_PASSWORD -a apr1"; }
    delete_cmd() { echo "$OURS delete $1 $2"; }
else
    if [ ! -x "$STORETOOL" ]; then
        echo "file-edits.sh: building StoreTool (release)" >&2
        swift build -c release --product StoreTool >&2
        STORETOOL=.build/release/StoreTool
    fi
    OURS=$(cd "$(dirname "$STORETOOL")" && pwd)/$(basename "$STORETOOL")
    NAME="StoreTool"
    add_cmd() { echo "$OURS add $1 $2 $HASH"; }
    delete_cmd() { echo "$OURS delete $1 $2"; }
fi
echo "Our side: $NAME ($OURS)"
[ "$NAME" = htpass ] || echo "  (.build/release/htpass missing or not yet to the contract: using the library through StoreTool)"
echo "Files in $WORK on $(df -T "$WORK" | awk 'NR==2 {print $2}'); $(nproc) cores"

# N users with apr1 hashes of the same password (100 distinct salts, repeated).
make_file() {
    python3 - "$1" "$2" <<'PY'
import subprocess, sys
path, count = sys.argv[1], int(sys.argv[2])
hashes = subprocess.run(["openssl", "passwd", "-apr1", "-stdin"], input="correct-horse-battery\n" * 100,
                        capture_output=True, text=True, check=True).stdout.split()
with open(path, "w") as f:
    for i in range(count):
        f.write(f"user{i:07d}:{hashes[i % len(hashes)]}\n")
PY
}
make_file "$WORK/orig" 100000
ls -l "$WORK/orig" | awk '{print "100,000-line file: " $5 " bytes"}'

ours=$WORK/ours.htpasswd
apache=$WORK/apache.htpasswd
MIDDLE=user0050000

echo
echo "== add one user to a 100,000-line apr1 file"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/add.json" \
    --prepare "cp $WORK/orig $ours" -n "$NAME add" "$(add_cmd "$ours" newcomer)" \
    --prepare "cp $WORK/orig $apache" -n "htpasswd -bm" "htpasswd -bm $apache newcomer $BENCH_PASSWORD"
grep -q '^newcomer:' "$ours" && grep -q '^newcomer:' "$apache" || { echo "an add did not happen" >&2; exit 1; }

echo
echo "== delete one user (line 50,000) from a 100,000-line apr1 file"
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$WORK/delete.json" \
    --prepare "cp $WORK/orig $ours" -n "$NAME delete" "$(delete_cmd "$ours" $MIDDLE)" \
    --prepare "cp $WORK/orig $apache" -n "htpasswd -D" "htpasswd -D $apache $MIDDLE"
cmp -s "$ours" "$apache" || { echo "the two deletes gave different files" >&2; exit 1; }

echo
python3 - "$WORK/add.json" "$WORK/delete.json" <<'PY'
import json, sys
for label, path in (("add", sys.argv[1]), ("delete", sys.argv[2])):
    ours, apache = json.load(open(path))["results"]
    print(f"ratio {label:6s} (ours / Apache): {ours['mean'] / apache['mean']:.2f}   "
          f"({ours['mean'] * 1000:.1f} ms vs {apache['mean'] * 1000:.1f} ms, "
          f"user+sys {(ours['user'] + ours['system']) * 1000:.1f} ms vs "
          f"{(apache['user'] + apache['system']) * 1000:.1f} ms)")
PY

echo
echo "== peak memory: add one user to a 1,000,000-line apr1 file"
make_file "$WORK/orig1m" 1000000
ls -l "$WORK/orig1m" | awk '{print "1,000,000-line file: " $5 " bytes"}'
peak() {
    /usr/bin/time -v "$@" 2>&1 >/dev/null \
        | awk -F': ' '/Maximum resident/ {rss=$2} /Elapsed/ {t=$2} END {printf "%6.1f MB peak RSS, %s wall\n", rss/1024, t}'
}
cp "$WORK/orig1m" "$ours"
printf '%-14s' "$NAME:"; peak $(add_cmd "$ours" newcomer)
cp "$WORK/orig1m" "$apache"
printf '%-14s' "htpasswd -bm:"; peak htpasswd -bm "$apache" newcomer "$BENCH_PASSWORD"

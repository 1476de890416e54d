#!/usr/bin/env bash
# htpass apply on 1000 new users, in the same run as what it replaces:
#   1. apr1: one `htpass apply` against 1000 `htpasswd -bm` calls (one process, one lock, one write
#      against 1000 processes that each rewrite the file);
#   2. bcrypt cost 10: `htpass apply --jobs N` (N = cores) against `--jobs 1`;
#   3. a second apply of the same bcrypt SPEC: every password is checked against its hash, nothing is
#      written; its time, and the file's inode and modification time before and after.
# Prints each time (median of RUNS runs, default 3; the bcrypt runs RUNS_BCRYPT times, default 1,
# interleaved), the CPU time beside it, and the ratios, with the load average before and after: on a
# shared machine read the ratios, and the CPU-time ratios when the load is high.
#
# Usage: Benchmarks/apply.sh        (make bench-apply builds the release binary first)
#   HTPASS=path   the htpass binary (default .build/release/htpass)
#   USERS=n       users per SPEC (default 1000)
#   WORKDIR=dir   where the files go (default $TMPDIR or /tmp)
#   ONLY=apr1     run part 1 (and the apr1 throughput per SIMD level) only: skips the bcrypt parts
#
# Part 1 also times `apply --jobs 1` at each HTPASS_SIMD level the machine runs (off = the scalar Swift
# MD5; sse2, avx2, avx512 = 4, 8, 16 passwords hashed at once), as apr1 hashes per second of CPU.
set -euo pipefail
cd "$(dirname "$0")/.."

HTPASS=${HTPASS:-.build/release/htpass}
USERS=${USERS:-1000}
RUNS=${RUNS:-3}
RUNS_BCRYPT=${RUNS_BCRYPT:-1}
ONLY=${ONLY:-}
for tool in htpasswd python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "apply.sh: $tool is not installed (scripts/install-test-deps.sh)" >&2; exit 2; }
done
[ -x "$HTPASS" ] || { echo "apply.sh: no $HTPASS; run 'make release' (make bench-apply does)" >&2; exit 2; }
HTPASS=$(cd "$(dirname "$HTPASS")" && pwd)/$(basename "$HTPASS")
CORES=$(nproc)

WORK=$(mktemp -d "${WORKDIR:-${TMPDIR:-/tmp}}/htpass-bench-apply.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
SPEC=$WORK/users.spec
# USERS users with distinct passwords of 20 characters.
python3 - "$SPEC" "$USERS" <<'PY'
import hashlib, sys
path, count = sys.argv[1], int(sys.argv[2])
with open(path, "w") as out:
    for i in range(count):
        out.write("user%05d:%s\n" % (i, hashlib.sha256(b"%d" % i).hexdigest()[:20]))
PY

# timed COMMAND...: runs it (output discarded) and prints "WALL CPU" in seconds, CPU being user + system
# time of the command and all its children: the share of the machine it used, less sensitive to the load.
# Measured by bash's `time` to the millisecond: /usr/bin/time rounds wall time to 10 ms, about what a whole
# apr1 apply now takes.
timed() {
    local TIMEFORMAT='%3R %3U %3S'
    if ! { time "$@" >/dev/null 2>"$WORK/stderr"; } 2>"$WORK/time"; then
        echo "apply.sh: failed: $*: $(cat "$WORK/stderr")" >&2
        exit 1
    fi
    awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$WORK/time"
}
median() { python3 -c "import statistics, sys; print('%.3f' % statistics.median(map(float, sys.argv[1:])))" "$@"; }
ratio() { python3 -c "import sys; b = float(sys.argv[2]); print('%.1f' % (float(sys.argv[1]) / b) if b else 'n/a')" "$1" "$2"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
identity() { stat -c '%i %.9Y' "$1"; }

echo "htpass apply, $USERS new users; $CORES cores; files on $(df -T "$WORK" | awk 'NR==2 {print $2}'); $HTPASS"
echo "load average before: $(load)"
# Linux schedules sessions (autogroups) fairly against each other: while other sessions keep the cores
# busy, this one gets its share however many threads it runs, and --jobs N cannot be faster than --jobs 1.
if python3 -c "import sys; sys.exit(0 if float(open('/proc/loadavg').read().split()[0]) >= 1 else 1)"; then
    echo "note: the machine is busy (load >= 1): the --jobs speed-up below is not meaningful; run again when idle"
fi

# 1. apr1: one apply against htpasswd -bm per user.
ours=() ours_cpu=() theirs=() theirs_cpu=()
for _ in $(seq "$RUNS"); do
    rm -f "$WORK/a"
    read -r wall cpu < <(timed "$HTPASS" apply --create -a apr1 "$WORK/a" "$SPEC")
    ours+=("$wall") ours_cpu+=("$cpu")
    [ "$(wc -l <"$WORK/a")" = "$USERS" ] || { echo "apply.sh: htpass wrote $(wc -l <"$WORK/a") lines" >&2; exit 1; }

    : >"$WORK/b"
    read -r wall cpu < <(timed bash -c 'while IFS=: read -r user password; do htpasswd -bm "$1" "$user" "$password"; done <"$2"' \
        - "$WORK/b" "$SPEC")
    theirs+=("$wall") theirs_cpu+=("$cpu")
    [ "$(wc -l <"$WORK/b")" = "$USERS" ] || { echo "apply.sh: htpasswd wrote $(wc -l <"$WORK/b") lines" >&2; exit 1; }
done
# Both files hold every user with a password that verifies: check a sample with the other tool.
for n in 0 $((USERS / 2)) $((USERS - 1)); do
    line=$(sed -n "$((n + 1))p" "$SPEC")
    htpasswd -vb "$WORK/a" "${line%%:*}" "${line#*:}" 2>/dev/null || { echo "apply.sh: htpasswd -v failed on htpass's file" >&2; exit 1; }
    PW=${line#*:} "$HTPASS" verify "$WORK/b" "${line%%:*}" --password-env PW || { echo "apply.sh: htpass verify failed on htpasswd's file" >&2; exit 1; }
done
a_ours=$(median "${ours[@]}") a_theirs=$(median "${theirs[@]}")
c_ours=$(median "${ours_cpu[@]}") c_theirs=$(median "${theirs_cpu[@]}")
echo "apr1:   htpass apply ${a_ours}s (CPU ${c_ours}s)   $USERS x htpasswd -bm ${a_theirs}s (CPU ${c_theirs}s)"
echo "        ratio $(ratio "$a_theirs" "$a_ours")x faster in wall time, $(ratio "$c_theirs" "$c_ours")x in CPU time (goal >= 100)"

# apr1 per SIMD level, one thread: hashes per second of CPU time (median of RUNS), and the level used by default.
line="        apr1 --jobs 1 by HTPASS_SIMD level (hashes per CPU second):"
for level in off sse2 avx2 avx512; do
    cpus=()
    for _ in $(seq "$RUNS"); do
        rm -f "$WORK/s"
        read -r _ cpu < <(HTPASS_SIMD=$level timed "$HTPASS" apply --create -a apr1 --jobs 1 "$WORK/s" "$SPEC")
        cpus+=("$cpu")
    done
    line+=" $level $(python3 -c "import sys; c = float(sys.argv[1]); print('%.0f' % (int(sys.argv[2]) / c) if c else 'n/a')" "$(median "${cpus[@]}")" "$USERS")"
done
echo "$line"
echo "        (a level the CPU lacks runs the highest it has; cpu flags: $(grep -o -w -E 'sse2|avx2|avx512f' /proc/cpuinfo | sort -u | tr '\n' ' '))"
if [ "$ONLY" = apr1 ]; then
    echo "load average after: $(load)"
    exit 0
fi

# 2. bcrypt cost 10: all cores against one, interleaved so that both see the same load.
many=() many_cpu=() one=() one_cpu=()
for _ in $(seq "$RUNS_BCRYPT"); do
    rm -f "$WORK/c"
    read -r wall cpu < <(timed "$HTPASS" apply --create --cost 10 --jobs "$CORES" "$WORK/c" "$SPEC")
    many+=("$wall") many_cpu+=("$cpu")
    rm -f "$WORK/d"
    read -r wall cpu < <(timed "$HTPASS" apply --create --cost 10 --jobs 1 "$WORK/d" "$SPEC")
    one+=("$wall") one_cpu+=("$cpu")
done
b_many=$(median "${many[@]}") b_one=$(median "${one[@]}")
speedup=$(ratio "$b_one" "$b_many")
goal=$(python3 -c "print('%.1f' % (0.9 * $CORES))")
echo "bcrypt: --jobs $CORES ${b_many}s   --jobs 1 ${b_one}s   speed-up ${speedup}x (goal >= 0.9 x $CORES = $goal)"
echo "        cores kept busy (CPU time / wall time): --jobs $CORES $(ratio "$(median "${many_cpu[@]}")" "$b_many"), --jobs 1 $(ratio "$(median "${one_cpu[@]}")" "$b_one")"

# 3. The same SPEC again: every password checked, nothing written.
before=$(identity "$WORK/c")
read -r again again_cpu < <(timed "$HTPASS" apply --cost 10 "$WORK/c" "$SPEC")
after=$(identity "$WORK/c")
summary=$(tail -n 1 "$WORK/stderr")
echo "again:  same SPEC (bcrypt cost 10, --jobs $CORES) ${again}s (CPU ${again_cpu}s): ${summary#htpass: note: }"
if [ "$before" = "$after" ]; then
    echo "        inode and mtime unchanged ($after)"
else
    echo "        REWRITTEN: inode/mtime $before -> $after" >&2
    exit 1
fi
echo "load average after: $(load)"

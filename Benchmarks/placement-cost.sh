#!/usr/bin/env bash
# The cost of the bind-mount detection (issue 8): an edit with --write-mode auto against the same edit with
# --write-mode rename on the same file. Both end in a rename; the difference is the placement check: statx
# of the file, our /proc/self/mountinfo, a readlink of /proc/PID/ns/mnt for every process, and one
# /proc/PID/mountinfo for every other mount namespace. Measured three times:
#   1. as the machine is;
#   2. with EXTRA sleeping processes more, in our own mount namespace (the per-process part);
#   3. with EXTRA sleeping processes more, spread over NAMESPACES new mount namespaces (`unshare -m`, as
#      root; the per-namespace part). None of them mounts the file, so auto still renames.
# The edit: delete the user in the middle of a 1,000-line file on tmpfs (/dev/shm), where fsync costs
# nothing, so that the difference is not lost in the noise of the disk. Commands are timed in the order
# rename, auto, auto, rename (hyperfine runs each command's runs in a row), and the two medians of each
# mode are averaged, so that a drift of the load during the run cancels out.
#
# Usage: Benchmarks/placement-cost.sh [RUNS]     (default 200 runs per command)
#   EXTRA_PROCESSES=n (default 500), EXTRA_NAMESPACES=n (default 20)
#   HTPASS=path       the htpass binary (default .build/release/htpass)
#   PLACEMENT_DIR=dir where the file goes (default /dev/shm)
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/lib.sh

RUNS=${1:-200}
EXTRA=${EXTRA_PROCESSES:-500}
NAMESPACES=${EXTRA_NAMESPACES:-20}
need_tools hyperfine openssl python3
resolve_htpass
DIR=${PLACEMENT_DIR:-/dev/shm}
[ -d "$DIR" ] && [ -w "$DIR" ] || DIR=${TMPDIR:-/tmp}

WORK=$(mktemp -d "$DIR/htpass-placement.XXXXXX")
sleepers=()
stop_sleepers() {
    [ ${#sleepers[@]} -eq 0 ] && return
    kill "${sleepers[@]}" 2>/dev/null || true
    wait "${sleepers[@]}" 2>/dev/null || true
    sleepers=()
}
trap 'stop_sleepers; rm -rf "$WORK"' EXIT

make_file "$WORK/orig" 1000
FILE=$WORK/htpasswd
USER=user0000500
OWN_NS=$(readlink /proc/self/ns/mnt)

census() {
    local processes namespaces
    local pids=(/proc/[0-9]*)
    processes=${#pids[@]}
    namespaces=$(for p in /proc/[0-9]*; do readlink "$p/ns/mnt" 2>/dev/null; done | sort -u | wc -l)
    echo "$processes $namespaces"
}

# measure LABEL: times the two modes, appends "LABEL PROCESSES NAMESPACES" and the JSON path to $WORK/cases.
measure() {
    local label=$1 json=$WORK/$1.json
    read -r processes namespaces < <(census)
    cp "$WORK/orig" "$FILE"
    local note
    note=$("$HTPASS" delete --write-mode auto "$FILE" $USER 2>&1 >/dev/null)
    [ -z "$note" ] || { echo "placement-cost.sh: auto did not simply rename: $note" >&2; exit 1; }
    echo "== $label: $processes processes, $namespaces mount namespaces"
    hyperfine -N --warmup 10 --runs "$RUNS" --style basic --export-json "$json" \
        --prepare "cp $WORK/orig $FILE" -n "rename (1)" "$HTPASS delete --write-mode rename $FILE $USER" \
        --prepare "cp $WORK/orig $FILE" -n "auto (1)" "$HTPASS delete --write-mode auto $FILE $USER" \
        --prepare "cp $WORK/orig $FILE" -n "auto (2)" "$HTPASS delete --write-mode auto $FILE $USER" \
        --prepare "cp $WORK/orig $FILE" -n "rename (2)" "$HTPASS delete --write-mode rename $FILE $USER" \
        | grep -E '^(Benchmark|  Time)'
    echo "$label $processes $namespaces $json" >>"$WORK/cases"
}

wait_until_moved() {   # every sleeper's mount namespace is no longer ours (nsenter has done its setns)
    local pid tries
    for pid in "${sleepers[@]}"; do
        for tries in $(seq 100); do
            [ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" != "$OWN_NS" ] && break
            sleep 0.05
        done
    done
}

echo "Placement check: $HTPASS on $(df -T "$WORK" | awk 'NR==2 {print $2}'), $RUNS runs per command;" \
    "$(wc -l </proc/self/mountinfo) mounts; load average $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$WORK/cases"
measure normal

for i in $(seq "$EXTRA"); do
    sleep 3600 &
    sleepers+=($!)
done
measure "+$EXTRA-processes"
stop_sleepers

if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v nsenter >/dev/null; then
    per=$((EXTRA / NAMESPACES))
    for n in $(seq "$NAMESPACES"); do
        unshare -m sleep 3600 &
        leader=$!
        sleepers+=("$leader")
        for tries in $(seq 100); do
            [ "$(readlink "/proc/$leader/ns/mnt" 2>/dev/null)" != "$OWN_NS" ] && break
            sleep 0.05
        done
        for i in $(seq $((per - 1))); do
            nsenter -t "$leader" -m sleep 3600 &
            sleepers+=($!)
        done
    done
    wait_until_moved
    measure "+$EXTRA-processes-in-$NAMESPACES-namespaces"
    stop_sleepers
else
    echo "== +$EXTRA processes in $NAMESPACES namespaces: NOT MEASURED (needs root, unshare and nsenter)"
fi

python3 - "$WORK/cases" <<'PY'
import json, sys
cases = [line.split() for line in open(sys.argv[1])]
print()
print("| processes | mount namespaces | rename | auto | check per edit (wall) | check per edit (user+sys) |")
print("|---|---|---|---|---|---|")
figures = []
for label, processes, namespaces, path in cases:
    r = {x["command"]: x for x in json.load(open(path))["results"]}
    median = lambda mode: (r[f"{mode} (1)"]["median"] + r[f"{mode} (2)"]["median"]) / 2
    cpu = lambda mode: sum(r[f"{mode} ({i})"]["user"] + r[f"{mode} ({i})"]["system"] for i in (1, 2)) / 2
    wall, cputime = (median("auto") - median("rename")) * 1e6, (cpu("auto") - cpu("rename")) * 1e6
    figures.append((label, int(processes), int(namespaces), wall, cputime))
    print(f"| {processes} | {namespaces} | {median('rename') * 1e3:.2f} ms | {median('auto') * 1e3:.2f} ms | "
          f"{wall:.0f} µs | {cputime:.0f} µs |")
print()
base = figures[0]
print(f"check per edit, as the machine is: {base[3]:.0f} µs wall, {base[4]:.0f} µs CPU "
      f"({base[3] / base[1]:.1f} µs per process, {base[1]} processes)")
for label, processes, namespaces, wall, cputime in figures[1:]:
    extra_p, extra_n = processes - base[1], namespaces - base[2]
    print(f"{label}: +{wall - base[3]:.0f} µs wall, +{cputime - base[4]:.0f} µs CPU for {extra_p:+d} processes, "
          f"{extra_n:+d} namespaces: {(wall - base[3]) / max(extra_p, 1):.1f} µs wall "
          f"({(cputime - base[4]) / max(extra_p, 1):.1f} µs CPU) per extra process")
if len(figures) == 3:
    per_ns = (figures[2][3] - figures[1][3]) / max(figures[2][2] - figures[1][2], 1)
    per_ns_cpu = (figures[2][4] - figures[1][4]) / max(figures[2][2] - figures[1][2], 1)
    print(f"per extra mount namespace (3. minus 2.): {per_ns:.0f} µs wall ({per_ns_cpu:.0f} µs CPU)")
PY

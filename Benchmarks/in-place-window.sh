#!/usr/bin/env bash
# What a reader sees while htpass writes a file in place (issue 8): the transient window.
#
# An in-place edit writes the complete new content to a journal first (fsynced), then copies it over the
# file from the first changed byte (copy_file_range), truncates the file to its new size and fsyncs it.
# Between the first write into the file and the truncate, a reader that reads the file sees neither the
# old nor the new content. Here: delete the 101st user of a 1,000,000-line apr1 file (so almost the whole
# file is rewritten), ROUNDS times, while Benchmarks/in-place-reader.c reads the whole file again and
# again (open, pread to the end, close, as a web server does on each request) and counts what it saw.
# Then ROUNDS more edits while the reader samples only the window's edges (the first changed bytes and the
# file's size, every few microseconds: `in-place-reader --edges`), the same edit once under `strace -T` to
# time the overwrite from the writer's side, and what the torn reads looked like, line by line.
# For comparison, the same with Apache's `htpasswd -D`, which also rewrites the file in place: it writes
# the new content to a temporary file, then opens the file with O_TRUNC and copies it back, 8 KiB a write.
#
# Usage: Benchmarks/in-place-window.sh [ROUNDS]     (default 10)
#   LINES=n        lines in the file (default 1000000)
#   HTPASS=path    the htpass binary (default .build/release/htpass)
#   WORKDIR=dir    where the file goes (default: a new directory under $TMPDIR or /tmp)
# Needs cc, python3, openssl, strace, htpasswd.
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/lib.sh

ROUNDS=${1:-10}
LINES=${LINES:-1000000}
need_tools cc python3 openssl strace htpasswd
resolve_htpass

WORK=$(mktemp -d "${WORKDIR:-${TMPDIR:-/tmp}}/htpass-window.XXXXXX")
reader_pid=""
trap '[ -n "$reader_pid" ] && kill "$reader_pid" 2>/dev/null; rm -rf "$WORK"' EXIT

cc -O2 -Wall -o "$WORK/reader" Benchmarks/in-place-reader.c
make_file "$WORK/old" "$LINES"
USER=user0000100
FILE=$WORK/htpasswd
cp "$WORK/old" "$WORK/new"
"$HTPASS" delete --write-mode rename "$WORK/new" $USER
echo "In-place write window: delete $USER (line 101) from a $LINES-line file ($(stat -c %s "$WORK/old") bytes)"
describe_machine "$WORK"

# edit WRITER: the in-place delete, by htpass or by Apache's htpasswd.
edit() {
    case $1 in
        htpass) "$HTPASS" delete --write-mode in-place "$FILE" $USER ;;
        apache) htpasswd -D "$FILE" $USER 2>/dev/null ;;
    esac
}

# round WRITER N [--edges]: one delete while the reader (whole reads, or --edges) runs.
round() {
    local writer=$1 n=$2 mode=${3:-} start end figures
    cp "$WORK/old" "$FILE"
    sync "$FILE"
    : >"$WORK/reader.out"
    if [ "$mode" = --edges ]; then
        "$WORK/reader" --edges "$FILE" "$WORK/old" "$WORK/new" >"$WORK/reader.out" &
    else
        "$WORK/reader" "$FILE" "$WORK/old" "$WORK/new" "$WORK/mixed-$writer-$n" >"$WORK/reader.out" &
    fi
    reader_pid=$!
    until grep -q ready "$WORK/reader.out"; do sleep 0.01; done
    sleep 0.2
    start=$(date +%s%N)
    edit "$writer"
    end=$(date +%s%N)
    sleep 0.2
    kill -TERM "$reader_pid"
    wait "$reader_pid"
    reader_pid=""
    cmp -s "$FILE" "$WORK/new" || { echo "in-place-window.sh: the $writer delete gave other bytes" >&2; exit 1; }
    figures="$(grep _us= "$WORK/reader.out") edit_us=$(((end - start) / 1000))"
    echo "$writer round $n${mode:+ ($mode)}: $figures"
    echo "$figures" >>"$WORK/rounds-$writer$mode"
}

for writer in htpass apache; do
    : >"$WORK/rounds-$writer"
    : >"$WORK/rounds-$writer--edges"
    for n in $(seq "$ROUNDS"); do round $writer "$n"; done
    for n in $(seq "$ROUNDS"); do round $writer "$n" --edges; done
done

# The writer's side: the overwrite phase (copy into the file, truncate) and its fsync, from strace -T.
for n in $(seq "$ROUNDS"); do
    cp "$WORK/old" "$FILE"
    sync "$FILE"
    strace -f -tt -T -e trace=openat,copy_file_range,write,pwrite64,ftruncate,fsync \
        -o "$WORK/strace-$n" "$HTPASS" delete --write-mode in-place "$FILE" $USER
    cmp -s "$FILE" "$WORK/new" || { echo "in-place-window.sh: the in-place delete under strace gave other bytes" >&2; exit 1; }
done

python3 - "$WORK" "$FILE" "$ROUNDS" <<'PY'
import os, re, sys
work, target, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])

def seconds(stamp):
    h, m, s = stamp.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)

# Writer: from the first write into the file (after it is opened O_WRONLY) to the end of the ftruncate.
def overwrite(path):
    calls, fd, opened = [], None, None
    for line in open(path):
        m = re.match(r"\d+\s+(\S+) (\w+)\((.*)\) += (-?\d+).*<([\d.]+)>", line)
        if m:
            calls.append((seconds(m[1]), m[2], m[3], int(m[4]), float(m[5])))
    for i, (t, name, args, result, duration) in enumerate(calls):
        if name == "openat" and target in args and "O_WRONLY" in args:
            fd, opened = str(result), i
    args = lambda c: [a.strip() for a in c[2].split(",")]
    phase = [c for c in calls[opened + 1:] if args(c)[0] == fd or (c[1] == "copy_file_range" and args(c)[2] == fd)]
    writes = [c for c in phase if c[1] in ("copy_file_range", "write", "pwrite64")]
    truncate = next(c for c in phase if c[1] == "ftruncate")
    fsync = next(c for c in phase if c[1] == "fsync")
    return (truncate[0] + truncate[4] - writes[0][0]) * 1e6, fsync[4] * 1e6, len(writes), writes[0][1], sum(c[3] for c in writes)
runs = [overwrite(os.path.join(work, f"strace-{n}")) for n in range(1, rounds + 1)]
windows, fsyncs = sorted(r[0] for r in runs), sorted(r[1] for r in runs)
print()
print(f"htpass, writer's side (strace -T), {rounds} edits: {runs[0][2]} {runs[0][3]} call(s) of {runs[0][4]:,} bytes "
      f"each time; first write into the file to end of ftruncate: median {windows[rounds // 2]:.0f} µs, "
      f"max {windows[-1]:.0f} µs; then fsync of the file: median {fsyncs[rounds // 2]:.0f} µs")

old = open(os.path.join(work, "old"), "rb").read().split(b"\n")
new = open(os.path.join(work, "new"), "rb").read().split(b"\n")
known = set(old) | set(new)
kept = set(l.split(b":")[0] for l in new if l)

for writer in ("htpass", "apache"):
    name = {"htpass": "htpass delete --write-mode in-place", "apache": "htpasswd -D"}[writer]
    print()
    print(f"== {name}")
    rows = [dict(kv.split("=") for kv in line.split()) for line in open(os.path.join(work, f"rounds-{writer}"))]
    total = {k: sum(int(r[k]) for r in rows) for k in ("reads", "old", "new", "mixed")}
    print(f"whole-file reader, {rounds} rounds: {total['reads']} reads, {total['old']} old, {total['new']} new, "
          f"{total['mixed']} neither (mixed) in {sum(int(r['mixed_runs']) for r in rows)} run(s) of mixed reads; "
          f"longest run {max(int(r['longest_mixed_us']) for r in rows)} µs; median read "
          f"{sorted(int(r['read_median_us']) for r in rows)[rounds // 2]} µs; edits "
          f"{', '.join(str(int(r['edit_us']) // 1000) for r in rows)} ms")
    edges = [dict(kv.split("=") for kv in line.split()) for line in open(os.path.join(work, f"rounds-{writer}--edges"))]
    def stats(key):
        values = sorted(int(r[key]) for r in edges)
        return f"median {values[len(values) // 2]} µs, max {values[-1]} µs ({', '.join(map(str, values))})"
    print(f"window seen by the --edges reader, {len(edges)} rounds: at most {stats('window_us')}; at least "
          f"{stats('window_min_us')}; longest pause of the reader {max(int(r['max_gap_us']) for r in edges)} µs")
    # What each mixed read looked like, against the old and the new lines.
    shown = 0
    for n in range(1, rounds + 1):
        sample = os.path.join(work, f"mixed-{writer}-{n}")
        if not os.path.exists(sample):
            continue
        seen = open(sample, "rb").read()
        lines = seen.split(b"\n")
        torn = [i for i, l in enumerate(lines) if l and l not in known]
        users = [l.split(b":")[0] for l in lines if l]
        duplicates = len(users) - len(set(users))
        missing = len(kept - set(users))
        has_deleted = any(l.startswith(b"user0000100:") for l in lines)
        last_complete = seen.endswith(b"\n")
        print(f"mixed read (round {n}): {len(seen):,} bytes, {len(users):,} lines; "
              f"{len(torn)} torn line(s) (in neither file) at line(s) {[i + 1 for i in torn][:5]}; "
              f"{duplicates} user(s) twice, {missing:,} other user(s) missing; the deleted user "
              f"{'still' if has_deleted else 'no longer'} there; last line {'complete' if last_complete else 'cut'}")
        if shown == 0:
            for i in torn[:2]:
                print(f"  torn line {i + 1}: {lines[i][:90].decode(errors='replace')}")
        shown += 1
PY

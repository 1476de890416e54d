#!/usr/bin/env bash
# What in-place readers see (issue 16, Docs/security.md "What in-place readers can see"): how often a
# reader that reads the whole file while htpass rewrites it in place gets neither the old nor the new
# content, for files of about 100 KB, 2 MB and 50 MB.
#
# For each case, a file of LINES apr1 lines (50 bytes each, as Benchmarks/lib.sh makes them) is edited
# again and again with `--write-mode in-place`, one htpass process after the other, for at most SECONDS
# seconds and EDITS edits, while Benchmarks/inplace-readers.c reads it whole in a loop (open, pread 2 KiB
# at a time to the end of file, close: what nginx does on each request) and classifies every read:
#   head: the edits change the FIRST line: `add -a apr1` then `add -a sha1` of its user, by turns, so the
#         line is 37 then 33 bytes of hash and the rest of the file moves by 4 bytes: every edit rewrites
#         the whole file (journal, then a copy over the file from the first changed byte, then truncate)
#   tail: `add` of a new user at the end, then `delete` of it: the edits append or truncate only
# A read is old or new (exactly the content before or after the edit that was running), mixed (anything
# else: a torn line, a user twice or missing, a wrong size), or "between" (no edit running). An edit
# "runs" for the whole htpass process (start-up, hashing, lock, journal and fsyncs included), so
# "during" counts more reads than the copy's window itself; the mixed frequency is given per read
# during the edits, per read overall, and per edit. Then, if strace is installed, STRACE_EDITS more edits
# (no reader) under strace, to time the overwrite itself: from the first write into the file (the copy
# from the journal) to the end of the truncate, the only time a reader can see a mix.
#
# Usage: Benchmarks/inplace-readers.sh
#   CASES="head:2000 head:40000 head:1000000"   MODE:LINES, the default is 100 KB, 2 MB, 50 MB
#   SECONDS_PER_CASE=20    at most this long editing per case (the reader runs as long)
#   EDITS=1000             at most this many edits per case
#   CHUNK=2048             bytes per pread of the reader
#   STRACE_EDITS=10        edits timed under strace per case (0: none)
#   HTPASS=path            the htpass binary (default .build/release/htpass)
#   WORKDIR=dir            where the files go (default: a new directory under $TMPDIR or /tmp)
# Needs cc, python3, openssl.
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/lib.sh

CASES=${CASES:-"head:2000 head:40000 head:1000000"}
SECONDS_PER_CASE=${SECONDS_PER_CASE:-20}
EDITS=${EDITS:-1000}
CHUNK=${CHUNK:-2048}
STRACE_EDITS=${STRACE_EDITS:-10}
command -v strace >/dev/null || STRACE_EDITS=0
need_tools cc python3 openssl
resolve_htpass

WORK=$(mktemp -d "${WORKDIR:-${TMPDIR:-/tmp}}/htpass-inplace-readers.XXXXXX")
reader_pid=""
trap '[ -n "$reader_pid" ] && kill "$reader_pid" 2>/dev/null; rm -rf "$WORK"' EXIT
cc -O2 -Wall -o "$WORK/reader" Benchmarks/inplace-readers.c

echo "In-place readers: htpass $HTPASS ($("$HTPASS" --version)); $SECONDS_PER_CASE s or $EDITS edits per case;" \
    "reader: whole reads, $CHUNK bytes a pread"
describe_machine "$WORK"
echo "uptime:$(uptime)"

FILE=$WORK/htpasswd
# edit MODE KIND NAME [COMMAND PREFIX...]: the in-place edit from KIND to the other kind.
edit() {
    local mode=$1 kind=$2 name=$3
    shift 3
    case $mode:$kind in
        head:0) "$@" "$HTPASS" add --password-env BENCH_PASSWORD -a apr1 "$FILE" "$name" --write-mode in-place ;;
        head:1) "$@" "$HTPASS" add --password-env BENCH_PASSWORD -a sha1 "$FILE" "$name" --write-mode in-place ;;
        tail:0) "$@" "$HTPASS" add --password-env BENCH_PASSWORD -a sha1 "$FILE" "$name" --write-mode in-place ;;
        tail:1) "$@" "$HTPASS" delete "$FILE" "$name" --write-mode in-place ;;
    esac 2>>"$WORK/stderr"
}

for spec in $CASES; do
    mode=${spec%%:*} lines=${spec#*:}
    make_file "$FILE" "$lines"
    if [ "$mode" = head ]; then
        name=user0000000
        "$HTPASS" add --write-mode rename --password-env BENCH_PASSWORD -a sha1 "$FILE" $name 2>/dev/null
        tail -n +2 "$FILE" >"$WORK/body"
    else
        name=newcomer
        cp "$FILE" "$WORK/body"
    fi
    sync "$FILE"
    : >"$WORK/edits"
    : >"$WORK/reader.out"
    "$WORK/reader" "$FILE" "$WORK/body" "$mode" "$name" "$WORK/edits" "$CHUNK" >"$WORK/reader.out" &
    reader_pid=$!
    until grep -qs ready "$WORK/reader.out"; do sleep 0.01; done

    kind=0 edits=0 failed=0 begin=$EPOCHREALTIME
    deadline=$(( ${begin%.*} + SECONDS_PER_CASE ))
    while [ "$edits" -lt "$EDITS" ] && [ "${EPOCHREALTIME%.*}" -lt "$deadline" ]; do
        start=$EPOCHREALTIME
        edit "$mode" $kind "$name" || failed=$((failed + 1))
        end=$EPOCHREALTIME
        echo "$start $end $kind $((1 - kind))" >>"$WORK/edits"
        kind=$((1 - kind)) edits=$((edits + 1))
    done
    sleep 0.2
    kill -TERM "$reader_pid"
    wait "$reader_pid" || true
    reader_pid=""
    [ "$failed" = 0 ] || { echo "inplace-readers.sh: $failed edits failed:" >&2; sort "$WORK/stderr" | uniq -c >&2; exit 1; }

    case $mode in
        head) what="change the first line (add -a apr1 / -a sha1 of $name, whole file rewritten)" ;;
        tail) what="add $name at the end, then delete it (append / truncate)" ;;
    esac
    echo
    echo "== $lines lines ($(stat -c %s "$WORK/body") bytes of body): $what; load average $(cut -d' ' -f1-3 /proc/loadavg)"
    grep -v '^ready$' "$WORK/reader.out"
    # The overwrite alone, from the writer's side: from the start of the first write into the file
    # (copy_file_range, write or pwrite on its descriptor) to the end of its ftruncate.
    : >"$WORK/overwrite"
    for ((i = 0; i < STRACE_EDITS; i++)); do
        edit "$mode" $kind "$name" strace -y -ttt -T -e trace=copy_file_range,write,pwrite64,ftruncate -o "$WORK/strace"
        kind=$((1 - kind))
        python3 - "$WORK/strace" "$(realpath "$FILE")" >>"$WORK/overwrite" <<'PY'
import re, sys
path, first = sys.argv[2], None
for line in open(sys.argv[1]):
    m = re.match(r"([\d.]+) (copy_file_range|write|pwrite64|ftruncate)\((.*) <([\d.]+)>$", line.strip())
    if not m:
        continue
    start, call, args, took = float(m.group(1)), m.group(2), m.group(3), float(m.group(4))
    fds = re.findall(r"\d+<([^>]*)>", args)
    target = fds[1] if call == "copy_file_range" and len(fds) > 1 else (fds[0] if fds else "")
    if target != path:
        continue
    if first is None:
        first = start
    if call == "ftruncate":
        print(f"{(start + took - first) * 1e3:.3f}")
        break
PY
    done
    python3 - "$WORK/reader.out" "$lines" "$mode" "$(stat -c %s "$FILE")" "$WORK/overwrite" <<'PY'
import sys
figures = dict(kv.split("=", 1) for kv in open(sys.argv[1]).read().split("\n")[1].split())
f = {k: int(v) for k, v in figures.items()}
lines, mode, size = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
overwrite = sorted(float(x) for x in open(sys.argv[5]).read().split())
pct = lambda a, b: f"{100 * a / b:.3f}%" if b else "-"
print(f"RESULT {mode} {lines} lines {size / 1e6:.2f} MB: {f['edits']} edits (median {f['edit_median_us'] / 1e3:.1f} ms each), "
      f"{f['reads']} reads (median {f['read_median_us'] / 1e3:.3f} ms each), {f['during']} during the edits: "
      f"old {f['old']}, new {f['new']}, mixed {f['mixed']} = {pct(f['mixed'], f['during'])} of the reads during edits, "
      f"{pct(f['mixed'], f['reads'])} of all reads; edits with a mixed read: {f['edits_with_mixed']} of {f['edits']} "
      f"({pct(f['edits_with_mixed'], f['edits'])}); mixed reads while no edit ran: {f['between_mixed']}")
if overwrite:
    print(f"OVERWRITE {mode} {lines} lines: first write into the file to the end of its truncate (strace, {len(overwrite)} edits, no reader): "
          f"median {overwrite[len(overwrite) // 2]:.3f} ms, min {overwrite[0]:.3f} ms, max {overwrite[-1]:.3f} ms")
PY
done

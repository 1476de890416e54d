#!/usr/bin/env bash
# Big files (issue 8): time and peak memory of htpass on 100,000- and 1,000,000-line apr1 files, against
# Apache's htpasswd and `cut` on copies of the same file, in the same run, as ratios of medians:
#   add (new user, --password-env, -a apr1)   against htpasswd -bm, in both write modes
#   delete (the user in the middle)          against htpasswd -D,  in both write modes
#   verify (the last user)                   against htpasswd -vb
#   list, list --json, list --long           against cut -d: -f1
# htpass locks, writes and fsyncs a temporary file (rename: renames it and fsyncs the directory; in-place:
# renames it to a journal, fsyncs the directory, copies it over the file, fsyncs the file, removes the
# journal, fsyncs the directory); htpasswd writes a temporary file and copies it over, without fsync.
# Every copy the edits start from is fsynced first (hyperfine --prepare), so no edit pays for another's
# writeback. Peak memory: /usr/bin/time -f %M, the largest of 3 runs.
# Then Benchmarks/placement-cost.sh (the cost of the bind-mount detection) and
# Benchmarks/in-place-window.sh (what readers see during an in-place write).
#
# Usage: Benchmarks/file-edits.sh [RUNS]     (default 30 timed runs per command on 100,000 lines)
#   RUNS_1M=n      timed runs per command on 1,000,000 lines (default 10)
#   SIZES="..."    line counts (default "100000 1000000")
#   HTPASS=path    the htpass binary (default .build/release/htpass; `make release` first)
#   WORKDIR=dir    where the files go (default: a new directory under $TMPDIR or /tmp); its
#                  filesystem decides the cost of fsync
#   ONLY_TABLE=1   skip placement-cost.sh and in-place-window.sh
# Needs hyperfine, htpasswd (apache2-utils), openssl, python3, /usr/bin/time (package `time`);
# scripts/install-test-deps.sh --bench installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/lib.sh

RUNS=${1:-30}
RUNS_1M=${RUNS_1M:-10}
SIZES=${SIZES:-"100000 1000000"}
need_tools hyperfine htpasswd openssl python3 /usr/bin/time cut
resolve_htpass

WORK=$(mktemp -d "${WORKDIR:-${TMPDIR:-/tmp}}/htpass-file-edits.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
echo "htpass: $HTPASS"
describe_machine "$WORK"

RSS=$WORK/rss.txt   # lines: KEY KILOBYTES
: >"$RSS"

# rss KEY PREPARE COMMAND...: the largest peak RSS of 3 runs of COMMAND, each after PREPARE (a shell line).
rss() {
    local key=$1 prepare=$2 max=0 kb i
    shift 2
    for i in 1 2 3; do
        sh -c "$prepare"
        /usr/bin/time -f %M -o "$WORK/time.out" "$@" >/dev/null 2>&1 || true
        kb=$(tail -1 "$WORK/time.out")
        [ "$kb" -gt "$max" ] && max=$kb
    done
    echo "$key $max" >>"$RSS"
}

# fresh ORIG COPY: the shell line that makes COPY a copy of ORIG, on disk.
fresh() { echo "cp $1 $2 && sync $2"; }

for lines in $SIZES; do
    orig=$WORK/orig-$lines
    make_file "$orig" "$lines"
    middle=user$(printf %07d $((lines / 2)))
    last=user$(printf %07d $((lines - 1)))
    if [ "$lines" -ge 1000000 ]; then runs=$RUNS_1M warmup=2; else runs=$RUNS warmup=3; fi
    rename=$WORK/rename.htpasswd inplace=$WORK/inplace.htpasswd apache=$WORK/apache.htpasswd
    add_opts="newcomer --password-env BENCH_PASSWORD -a apr1"
    echo
    echo "######## $lines lines ($(stat -c %s "$orig") bytes), $runs runs after $warmup warmups"
    sync

    echo
    echo "== add a new user; load average $(cut -d' ' -f1-3 /proc/loadavg)"
    hyperfine -N --warmup $warmup --runs "$runs" --export-json "$WORK/add-$lines.json" \
        --prepare "sh -c '$(fresh "$orig" "$rename")'" -n "htpass add (rename)" \
        "$HTPASS add --write-mode rename $rename $add_opts" \
        --prepare "sh -c '$(fresh "$orig" "$inplace")'" -n "htpass add (in-place)" \
        "$HTPASS add --write-mode in-place $inplace $add_opts" \
        --prepare "sh -c '$(fresh "$orig" "$apache")'" -n "htpasswd -bm" \
        "htpasswd -bm $apache newcomer $BENCH_PASSWORD"
    for f in "$rename" "$inplace" "$apache"; do
        [ "$(grep -c '^newcomer:\$apr1\$' "$f")" = 1 ] && [ "$(wc -l <"$f")" = $((lines + 1)) ] \
            || { echo "file-edits.sh: the add did not give $((lines + 1)) lines in $f" >&2; exit 1; }
    done

    echo
    echo "== delete the user in the middle ($middle); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    hyperfine -N --warmup $warmup --runs "$runs" --export-json "$WORK/delete-$lines.json" \
        --prepare "sh -c '$(fresh "$orig" "$rename")'" -n "htpass delete (rename)" \
        "$HTPASS delete --write-mode rename $rename $middle" \
        --prepare "sh -c '$(fresh "$orig" "$inplace")'" -n "htpass delete (in-place)" \
        "$HTPASS delete --write-mode in-place $inplace $middle" \
        --prepare "sh -c '$(fresh "$orig" "$apache")'" -n "htpasswd -D" \
        "htpasswd -D $apache $middle"
    cmp -s "$rename" "$apache" && cmp -s "$inplace" "$apache" \
        || { echo "file-edits.sh: the deletes gave different files" >&2; exit 1; }

    echo
    echo "== verify the last user ($last); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    hyperfine -N --warmup 3 --runs "$runs" --export-json "$WORK/verify-$lines.json" \
        -n "htpass verify" "$HTPASS verify --password-env BENCH_PASSWORD $orig $last" \
        -n "htpasswd -vb" "htpasswd -vb $orig $last $BENCH_PASSWORD"

    echo
    echo "== list the users (output to a pipe); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    hyperfine -N --warmup 3 --runs "$runs" --output=pipe --export-json "$WORK/list-$lines.json" \
        -n "htpass list" "$HTPASS list $orig" \
        -n "htpass list --json" "$HTPASS list --json $orig" \
        -n "cut -d: -f1" "cut -d: -f1 $orig"
    [ "$("$HTPASS" list "$orig" | cmp - <(cut -d: -f1 "$orig") && echo same)" = same ] \
        || { echo "file-edits.sh: list and cut disagree" >&2; exit 1; }
    echo
    echo "== list --long (no goal for its time); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    hyperfine -N --warmup 1 --runs $((runs / 3 > 3 ? runs / 3 : 3)) --output=pipe \
        --export-json "$WORK/long-$lines.json" -n "htpass list --long" "$HTPASS list --long $orig"

    echo
    echo "== peak RSS (largest of 3 runs); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    rss "add-rename-$lines" "$(fresh "$orig" "$rename")" "$HTPASS" add --write-mode rename "$rename" $add_opts
    rss "add-inplace-$lines" "$(fresh "$orig" "$inplace")" "$HTPASS" add --write-mode in-place "$inplace" $add_opts
    rss "add-apache-$lines" "$(fresh "$orig" "$apache")" htpasswd -bm "$apache" newcomer "$BENCH_PASSWORD"
    rss "delete-rename-$lines" "$(fresh "$orig" "$rename")" "$HTPASS" delete --write-mode rename "$rename" "$middle"
    rss "delete-inplace-$lines" "$(fresh "$orig" "$inplace")" "$HTPASS" delete --write-mode in-place "$inplace" "$middle"
    rss "delete-apache-$lines" "$(fresh "$orig" "$apache")" htpasswd -D "$apache" "$middle"
    rss "verify-ours-$lines" true "$HTPASS" verify --password-env BENCH_PASSWORD "$orig" "$last"
    rss "verify-apache-$lines" true htpasswd -vb "$orig" "$last" "$BENCH_PASSWORD"
    rss "list-ours-$lines" true "$HTPASS" list "$orig"
    rss "json-ours-$lines" true "$HTPASS" list --json "$orig"
    rss "long-ours-$lines" true "$HTPASS" list --long "$orig"
    rss "list-cut-$lines" true cut -d: -f1 "$orig"
    grep -- "-$lines " "$RSS" | awk '{printf "  %-22s %6.1f MB\n", $1, $2 / 1024}'
done

echo
echo "######## Summary: wall-clock medians; ratio = htpass / theirs; CPU = mean user+system time, and its"
echo "ratio (less disturbed by the other processes of a busy machine); RSS = peak resident set size"
python3 - "$WORK" "$SIZES" <<'PY'
import json, os, sys
work, sizes = sys.argv[1], [int(s) for s in sys.argv[2].split()]
rss = {k: int(v) for k, v in (line.split() for line in open(os.path.join(work, "rss.txt")))}
def results(name, lines):
    return {r["command"]: r for r in json.load(open(os.path.join(work, f"{name}-{lines}.json")))["results"]}
def mb(key):
    return f"{rss[key] / 1024:.1f} MB" if key in rss else "-"
rows, missed = [], []
for lines in sizes:
    add, delete, verify, lst, long = (results(n, lines) for n in ("add", "delete", "verify", "list", "long"))
    cases = [
        ("add (rename)", add["htpass add (rename)"], add["htpasswd -bm"], "add-rename", "add-apache", 0.30),
        ("add (in-place)", add["htpass add (in-place)"], add["htpasswd -bm"], "add-inplace", "add-apache", 0.30),
        ("delete (rename)", delete["htpass delete (rename)"], delete["htpasswd -D"], "delete-rename", "delete-apache", 0.30),
        ("delete (in-place)", delete["htpass delete (in-place)"], delete["htpasswd -D"], "delete-inplace", "delete-apache", 0.30),
        ("verify", verify["htpass verify"], verify["htpasswd -vb"], "verify-ours", "verify-apache", None),
        ("list", lst["htpass list"], lst["cut -d: -f1"], "list-ours", "list-cut", 2.0),
        ("list --json", lst["htpass list --json"], lst["cut -d: -f1"], "json-ours", "list-cut", 4.0),
        ("list --long", long["htpass list --long"], lst["cut -d: -f1"], "long-ours", "list-cut", None),
    ]
    for label, ours, theirs, rss_ours, rss_theirs, goal in cases:
        theirs_name = theirs["command"]
        ratio = ours["median"] / theirs["median"]
        verdicts = []
        if goal is not None:
            verdicts.append(f"time <= {goal:.2f}x: {'met' if ratio <= goal else 'MISSED'}")
        memory = rss[f"{rss_ours}-{lines}"]
        verdicts.append(f"RSS <= 16 MB: {'met' if memory <= 16 * 1024 else 'MISSED'}")
        if lines < 1000000:
            verdicts = ["(goals are set for 1,000,000 lines) " + verdicts[0]] + verdicts[1:]
        elif any("MISSED" in v for v in verdicts):
            missed.append(f"{label}, {lines:,} lines")
        cpu = lambda r: (r["user"] + r["system"]) * 1e3
        rows.append((f"`{label}`", f"{lines:,}", f"{ours['median'] * 1e3:.1f} ms", f"`{theirs_name}` {theirs['median'] * 1e3:.1f} ms",
                     f"**{ratio:.2f}**", f"{cpu(ours):.0f} / {cpu(theirs):.0f} ms = {cpu(ours) / cpu(theirs):.2f}",
                     mb(f"{rss_ours}-{lines}"), mb(f"{rss_theirs}-{lines}"), "; ".join(verdicts)))
header = ("command", "lines", "htpass", "theirs", "ratio", "CPU htpass / theirs", "RSS htpass", "RSS theirs", "goals (issue 8)")
print("| " + " | ".join(header) + " |")
print("|" + "---|" * len(header))
for row in rows:
    print("| " + " | ".join(row) + " |")
if len(sizes) > 1:
    print()
    small, big = sizes[0], sizes[-1]
    for key in ("add-rename", "add-inplace", "delete-rename", "delete-inplace", "verify-ours", "list-ours", "json-ours", "long-ours"):
        print(f"RSS growth {key:15s} {small:,} -> {big:,} lines: {(rss[f'{key}-{big}'] - rss[f'{key}-{small}']) / 1024:+.1f} MB")
print()
print("goals missed on 1,000,000 lines: " + (", ".join(missed) if missed else "none"))
PY

if [ -z "${ONLY_TABLE:-}" ]; then
    echo
    HTPASS=$HTPASS Benchmarks/placement-cost.sh
    echo
    HTPASS=$HTPASS Benchmarks/in-place-window.sh
fi

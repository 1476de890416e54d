# Shared by file-edits.sh, placement-cost.sh and in-place-window.sh (sourced, not run).

# The htpass binary: $HTPASS, else .build/release/htpass; it must have `--write-mode` (issue 8).
resolve_htpass() {
    local binary=${HTPASS:-.build/release/htpass}
    [ -x "$binary" ] || { echo "$(basename "$0"): no htpass at $binary; run 'make release'" >&2; exit 2; }
    binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
    "$binary" add --help 2>/dev/null | grep -q -- --write-mode \
        || { echo "$(basename "$0"): $binary has no --write-mode; rebuild it with 'make release'" >&2; exit 2; }
    HTPASS=$binary
}

need_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null \
            || { echo "$(basename "$0"): $tool is not installed (scripts/install-test-deps.sh --bench)" >&2; exit 2; }
    done
}

# make_file PATH COUNT: COUNT users user0000000... with apr1 hashes of BENCH_PASSWORD (100 distinct salts,
# repeated), 50 bytes a line.
make_file() {
    python3 - "$1" "$2" <<'PY'
import os, subprocess, sys
path, count = sys.argv[1], int(sys.argv[2])
hashes = subprocess.run(["openssl", "passwd", "-apr1", "-stdin"], input=(os.environ["BENCH_PASSWORD"] + "\n") * 100,
                        capture_output=True, text=True, check=True).stdout.split()
with open(path, "w") as f:
    for i in range(count):
        f.write(f"user{i:07d}:{hashes[i % len(hashes)]}\n")
PY
}

# The machine, for the record.
describe_machine() {
    local pids=(/proc/[0-9]*)
    echo "Files in $1 on $(df -T "$1" | awk 'NR==2 {print $2}'); $(nproc) cores; kernel $(uname -r);" \
        "load average $(cut -d' ' -f1-3 /proc/loadavg); ${#pids[@]} processes"
}

export BENCH_PASSWORD=${BENCH_PASSWORD:-correct-horse-battery}

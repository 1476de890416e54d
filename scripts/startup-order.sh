#!/usr/bin/env bash
# Writes scripts/startup.order: the functions and data that `htpass hash -a apr1`, `htpass verify` and
# `htpass htpasswd -nbm` touch, in the order they first touch them. `make release` hands the file to the
# linker (lld's --symbol-ordering-file), which puts those sections together at the start of their output
# sections: a static htpass spans 13 MB of code, and each first touch of a page is a page fault (about
# 1.7 us here), so the start-up paths fault in a few dozen pages of code instead of seventy. Symbols that no
# longer exist are skipped by the linker; a stale file costs page faults, never correctness. Run it again
# after a change to those paths, then `make release`, which links again a binary older than the file (issue 17;
# see Benchmarks/README.md, "Start-up").
#
# Usage: scripts/startup-order.sh [HTPASS_BINARY]   (default: the release binary; `make release` first)
# Needs valgrind (its lackey tool traces every instruction and memory access), nm and objcopy (binutils).
set -euo pipefail

cd "$(dirname "$0")/.."
HTPASS=${1:-$(swift build -c release --static-swift-stdlib -Xswiftc -static-executable --show-bin-path)/htpass}
for tool in valgrind nm objcopy python3; do
    command -v "$tool" >/dev/null || { echo "startup-order.sh: $tool is not installed" >&2; exit 2; }
done
[ -x "$HTPASS" ] || { echo "startup-order.sh: no binary at $HTPASS; run 'make release'" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export STARTUP_ORDER_PASSWORD=correct-horse-battery
# Without debug information valgrind starts in seconds; the symbol table stays.
objcopy --strip-debug "$HTPASS" "$WORK/htpass"
ln -s "$WORK/htpass" "$WORK/htpasswd"
for user in alice bob carol; do
    "$WORK/htpass" hash -a apr1 --password-env STARTUP_ORDER_PASSWORD "$user" 2>/dev/null
done > "$WORK/file"

trace() {
    valgrind --tool=lackey --trace-mem=yes --log-file="$WORK/trace.$1" "${@:2}" > /dev/null 2>&1 || true
}
trace hash "$WORK/htpass" hash -a apr1 --password-env STARTUP_ORDER_PASSWORD carol
trace verify "$WORK/htpass" verify --password-env STARTUP_ORDER_PASSWORD "$WORK/file" carol
trace link "$WORK/htpasswd" -nbm carol "$STARTUP_ORDER_PASSWORD"

nm --defined-only --print-size "$WORK/htpass" > "$WORK/symbols"
python3 - "$WORK/symbols" "$WORK"/trace.hash "$WORK"/trace.verify "$WORK"/trace.link > scripts/startup.order <<'PY'
import bisect, sys

# One symbol per address (the linker orders sections, and one name of a section is enough), the largest where
# several share it; a symbol of size 0 (an alias, a merged thunk) covers up to the next one.
by_address = {}
for line in open(sys.argv[1]):
    fields = line.split()
    if len(fields) == 3:  # no size: assembly, aliases
        fields.insert(1, "0")
    if len(fields) == 4 and fields[2] in "tTwWdDbBrRvV":
        address, size = int(fields[0], 16), int(fields[1], 16)
        if address not in by_address or size > by_address[address][0]:
            by_address[address] = (size, fields[3])
starts = sorted(by_address)

def symbol_at(address):
    i = bisect.bisect_right(starts, address) - 1
    if i < 0:
        return None
    size, name = by_address[starts[i]]
    if address < starts[i] + size or (size == 0 and i + 1 < len(starts)):
        return name
    return None

order, seen = [], set()
for path in sys.argv[2:]:
    last = None
    for line in open(path):
        if line.startswith("=="):
            continue
        fields = line.split()
        if len(fields) != 2:
            continue
        address = int(fields[1].split(",")[0], 16)
        name = symbol_at(address)
        if name is not None and name != last and name not in seen:
            seen.add(name)
            order.append(name)
        last = name
print("\n".join(order))
PY
echo "scripts/startup.order: $(wc -l < scripts/startup.order) symbols" >&2

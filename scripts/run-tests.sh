#!/usr/bin/env bash
# The whole test suite, as `make test` runs it on a fresh machine: every step timed, all steps run even
# when one fails, a summary at the end, and the status of the first failure.
#
#   scripts/run-tests.sh              everything
#   STEPS="unit servers" scripts/run-tests.sh   only these steps (names as in the summary's first column)
#   SWIFT_FLAGS="--scratch-path .build-x" scripts/run-tests.sh   options for every swift build and swift test
#
# Every step that runs tests counts them (Swift Testing's "Test run with N tests", XCTest's "Executed N
# tests") and the cases of the corpus tests ("corpus: N cases", "Apache htpasswd differential: N
# invocations"), says how many it ran, and fails when that is fewer than scripts/test-counts records: a
# renamed or emptied test target, or a filter that matches nothing, fails its step instead of passing.
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SWIFT_FLAGS=${SWIFT_FLAGS:-}
STEPS=${STEPS:-}
COUNTS=${COUNTS:-scripts/test-counts}
# Test targets that have their own step, and so are skipped by the main one.
SLOW="PackagingTests|ConsumerTests|ApacheCompatTests|ExamplesTests"

summary=()
failed=0
started=$(date +%s)

# The least number of tests (and corpus cases) step NAME must run, from $COUNTS: "NAME TESTS CASES", "-" for
# none. Nothing for a step that runs no tests.
minimum() {
    awk -v name="$1" -v column="$2" '$1 == name { print $column }' "$COUNTS"
}

# count_tests LOG: the tests a swift test output ran (every Swift Testing run, plus XCTest's total).
count_tests() {
    local total=0 n
    for n in $(sed -nE 's/.*Test run with ([0-9]+) tests?( in [0-9]+ suites?)? (passed|failed).*/\1/p' "$1"); do
        total=$((total + n))
    done
    n=$(grep -oE 'Executed [0-9]+ tests?' "$1" | tail -1 | grep -oE '[0-9]+')
    echo $((total + ${n:-0}))
}

# count_cases LOG: the corpus cases the consumer or Apache tests ran, or nothing.
count_cases() {
    sed -nE 's/.*corpus: ([0-9]+) cases in .*/\1/p; s/.*Apache htpasswd differential: ([0-9]+) invocations.*/\1/p' \
        "$1" | tail -1
}

# step NAME DESCRIPTION COMMAND...: runs COMMAND unless STEPS names other steps; for a step with a minimum in
# $COUNTS, checks how many tests and cases it ran.
step() {
    local name=$1 description=$2
    shift 2
    if [ -n "$STEPS" ] && [[ " $STEPS " != *" $name "* ]]; then return; fi
    echo
    echo "==> $name: $description"
    local begin=$(date +%s) status=ok ran="" log
    log=$(mktemp)
    "$@" 2>&1 | tee "$log" || status=FAILED
    local least_tests least_cases tests cases
    least_tests=$(minimum "$name" 2)
    least_cases=$(minimum "$name" 3)
    if [ -n "$least_tests" ] && [ "$least_tests" != - ]; then
        tests=$(count_tests "$log")
        ran="$tests tests"
        echo "==> $name: $tests tests ran (at least $least_tests expected, $COUNTS)"
        if [ "$tests" -lt "$least_tests" ]; then
            echo "==> $name: FAILED: $tests tests ran, fewer than the $least_tests of $COUNTS"
            status=FAILED
        fi
    fi
    if [ -n "$least_cases" ] && [ "$least_cases" != - ]; then
        cases=$(count_cases "$log")
        ran="$ran, ${cases:-no} cases"
        echo "==> $name: ${cases:-no} corpus cases ran (at least $least_cases expected, $COUNTS)"
        if [ "${cases:-0}" -lt "$least_cases" ]; then
            echo "==> $name: FAILED: ${cases:-0} corpus cases ran, fewer than the $least_cases of $COUNTS"
            status=FAILED
        fi
    fi
    rm -f "$log"
    local seconds=$(( $(date +%s) - begin ))
    summary+=("$(printf '%-10s %-52s %4d s  %-6s %s' "$name" "$description" "$seconds" "$status" "$ran")")
    if [ "$status" != ok ] && [ "$failed" = 0 ]; then failed=1; fi
}

deps() { ./scripts/install-test-deps.sh && ./scripts/install-server-deps.sh; }
step deps "dependencies: apt, the Python venv, the servers" deps
step build "debug build with the tests" $SWIFT build $SWIFT_FLAGS --build-tests
step unit "unit, property, process and nginx tests" $SWIFT test $SWIFT_FLAGS --skip-build --skip "$SLOW"
step servers "the real servers against the targets" $SWIFT test $SWIFT_FLAGS --skip-build --filter ConsumerTests
step apache "Apache htpasswd differential" $SWIFT test $SWIFT_FLAGS --skip-build --filter ApacheCompatTests
step examples "examples: Ansible, entrypoints, Compose" $SWIFT test $SWIFT_FLAGS --skip-build --filter ExamplesTests
step hummingbird "examples/hummingbird-basic-auth: build and test" make test-hummingbird
step docs "DocC for the four libraries, warnings as errors" make docs
step packaging "make dist deb oci; install, run, remove" make test-packaging

echo
echo "Test suite: $(( $(date +%s) - started )) s"
for line in "${summary[@]}"; do echo "  $line"; done
exit $failed

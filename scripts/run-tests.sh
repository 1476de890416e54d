#!/usr/bin/env bash
# The whole test suite, as `make test` runs it on a fresh machine: every step timed, all steps run even
# when one fails, a summary at the end, and the status of the first failure.
#
#   scripts/run-tests.sh              everything
#   STEPS="unit servers" scripts/run-tests.sh   only these steps (names as in the summary's first column)
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
STEPS=${STEPS:-}
# Test targets that have their own step, and so are skipped by the main one.
SLOW="PackagingTests|ConsumerTests|ApacheCompatTests|ExamplesTests"

summary=()
failed=0
started=$(date +%s)

# step NAME DESCRIPTION COMMAND...: runs COMMAND unless STEPS names other steps.
step() {
    local name=$1 description=$2
    shift 2
    if [ -n "$STEPS" ] && [[ " $STEPS " != *" $name "* ]]; then return; fi
    echo
    echo "==> $name: $description"
    local begin=$(date +%s) status=ok
    "$@" || status=FAILED
    local seconds=$(( $(date +%s) - begin ))
    summary+=("$(printf '%-10s %-52s %4d s  %s' "$name" "$description" "$seconds" "$status")")
    if [ "$status" != ok ] && [ "$failed" = 0 ]; then failed=1; fi
}

deps() { ./scripts/install-test-deps.sh && ./scripts/install-server-deps.sh; }
step deps "dependencies: apt, the Python venv, the servers" deps
step build "debug build with the tests" $SWIFT build --build-tests
step unit "unit, property, process and nginx tests" $SWIFT test --skip-build --skip "$SLOW"
step servers "the real servers against the targets" $SWIFT test --skip-build --filter ConsumerTests
step apache "Apache htpasswd differential" $SWIFT test --skip-build --filter ApacheCompatTests
step examples "examples: Ansible, entrypoints, Compose" $SWIFT test --skip-build --filter ExamplesTests
step hummingbird "examples/hummingbird-basic-auth: build and test" make test-hummingbird
step docs "DocC for both libraries, warnings as errors" make docs
step packaging "make dist deb oci; install, run, remove" make test-packaging

echo
echo "Test suite: $(( $(date +%s) - started )) s"
for line in "${summary[@]}"; do echo "  $line"; done
exit $failed

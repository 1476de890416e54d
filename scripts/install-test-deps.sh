#!/usr/bin/env bash
# Installs what the test suite runs against: the real programs users run, never stand-ins.
# Idempotent and quiet when everything is there; needs root (or sudo) the first time.
set -euo pipefail

# --mlflow: also what the MLflow example stack and the auth throughput benchmark need.
# --packaging: also what make dist/deb/oci and their tests (make test-packaging) need.
# --bench: also what Benchmarks/file-edits.sh needs (make bench-files), and not the tests' Python.
# --ansible-compare: also Debian's ansible (its community.general collection) and passlib, for
#   Benchmarks/ansible-compare.sh (make bench-ansible); about 260 MB, so not for make test.
mlflow=false
packaging=false
bench=false
ansible_compare=false
[ "${1:-}" = --mlflow ] && mlflow=true
[ "${1:-}" = --packaging ] && packaging=true
[ "${1:-}" = --bench ] && bench=true
[ "${1:-}" = --ansible-compare ] && ansible_compare=true

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }

[ -e /usr/include/crypt.h ]  || need_apt+=(libcrypt-dev)
have nginx || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
have htpasswd                || need_apt+=(apache2-utils)
have mkpasswd                || need_apt+=(whois)
have openssl                 || need_apt+=(openssl)
have hyperfine               || need_apt+=(hyperfine)
have script                  || need_apt+=(bsdutils)
have setpriv && have setsid  || need_apt+=(util-linux)   # tests run htpass as nobody, and without a tty
have unshare && have nsenter || need_apt+=(util-linux)   # deployment tests: nginx in a mount namespace
have mount                   || need_apt+=(mount)        # ... with the file bind-mounted alone
have getfattr                || need_apt+=(attr)         # the in-place journal's mark (an extended attribute)
[ -x /usr/sbin/mkfs.btrfs ] || have mkfs.btrfs || need_apt+=(btrfs-progs)  # FilesystemPlacementTests: btrfs
[ -x /usr/sbin/mkfs.xfs ] || have mkfs.xfs || need_apt+=(xfsprogs)           # ... and XFS, loop-mounted
have curl                    || need_apt+=(curl)
have strace                  || need_apt+=(strace)     # the fault-injection test (Tests/htpassTests/FaultInjectionTests.swift)
have valgrind                || need_apt+=(valgrind)   # ConstantTime.equal's instruction counts (HtpasswdVerifierTests)
have objcopy                 || need_apt+=(binutils)   # ... on a copy of the probe without its DWARF 5
have python3                 || need_apt+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)   # scripts/test-venv.sh
[ -x /usr/bin/time ]         || need_apt+=(time)
have ansible-playbook && have ansible-vault || need_apt+=(ansible-core)   # examples/ansible (ExamplesTests)
have strace                  || need_apt+=(strace)       # ExamplesTests: no password in any argument list
have busybox                 || need_apt+=(busybox)      # ExamplesTests: the entrypoint under Alpine's sh
have docker-compose          || need_apt+=(docker-compose)   # ExamplesTests: Compose's interpolation (config only)

if $packaging; then
    have dpkg-deb && have dpkg-divert || need_apt+=(dpkg)
    have strip                    || need_apt+=(binutils)
    have man                      || need_apt+=(man-db)      # man -w finds the installed page
    have umoci                    || need_apt+=(umoci)       # make oci: the image, without a Docker engine
    # runs the image in the tests; runc rather than crun, which refuses hosts with hybrid (v1 + v2) cgroups
    have runc || [ -x /usr/sbin/runc ] || need_apt+=(runc)
    have unshare && have chroot   || need_apt+=(util-linux coreutils)
    have git                      || need_apt+=(git)         # the last commit's time, for reproducible archives
fi

if $bench; then
    have cc                       || need_apt+=(gcc)         # Benchmarks/in-place-reader.c
    have strace                   || need_apt+=(strace)      # the in-place write, timed from the writer's side
    have unshare && have nsenter  || need_apt+=(util-linux)  # the mount namespaces of placement-cost.sh
fi

if $ansible_compare; then
    [ -d /usr/lib/python3/dist-packages/ansible_collections/community/general ] || need_apt+=(ansible)
    /usr/bin/python3 -c 'import passlib, bcrypt' >/dev/null 2>&1 || need_apt+=(python3-passlib python3-bcrypt)
fi

if $mlflow; then
    have ss                  || need_apt+=(iproute2)
    have wrk                 || need_apt+=(wrk)
fi

run_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif have sudo; then sudo "$@"; else
        echo "install-test-deps: need root to run: $*" >&2; exit 1; fi
}

if [ ${#need_apt[@]} -gt 0 ]; then
    echo "install-test-deps: installing ${need_apt[*]}" >&2
    run_root apt-get update -qq
    run_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# kubectl (KubectlTests) is not in Debian 12 itself: it comes with this project's machine image, whose apt
# sources carry the Google Cloud SDK's kubectl package. Install it from there when apt knows it; otherwise
# say so (the tests that need it then fail with MissingProgram, never skip).
if ! have kubectl; then
    if apt-cache show kubectl >/dev/null 2>&1; then
        run_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kubectl >/dev/null
    else
        echo "install-test-deps: kubectl is missing and no apt source has it; KubectlTests will fail" >&2
    fi
fi

# The tests' own Python (passlib and a bcrypt it can load, pinned), whatever the system's python3 has.
$bench || "$(dirname "$0")/test-venv.sh"

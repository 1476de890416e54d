#!/usr/bin/env bash
# Makes the test suite's own Python: a virtual environment in .venv-test holding exactly the
# versions in scripts/test-requirements.txt, whatever the system's python3 has installed
# (pyca bcrypt 5, say, which passlib 1.7.4 cannot use). The tests run .venv-test/bin/python3
# (TestSupport.python) and nothing else.
#
# Idempotent: when the environment matches the requirements it only checks that and exits
# (about 0.1 s). Prints the venv's python path with --print.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv-test"
requirements="$root/scripts/test-requirements.txt"
stamp="$venv/.requirements"

# The stamp records what the venv was made from: the requirements and the base interpreter.
base_python=$(command -v python3) || { echo "test-venv: python3 is not installed; run scripts/install-test-deps.sh" >&2; exit 1; }
wanted=$( { cat "$requirements"; "$base_python" -c 'import sys; print(sys.version)'; } )

if [ -x "$venv/bin/python3" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ] \
    && "$venv/bin/python3" -c 'import passlib.hash, bcrypt' >/dev/null 2>&1; then
    [ "${1:-}" = --print ] && echo "$venv/bin/python3"
    exit 0
fi

echo "test-venv: making $venv (passlib, bcrypt from scripts/test-requirements.txt)" >&2
rm -rf "$venv"
"$base_python" -m venv "$venv"
"$venv/bin/python3" -m pip install --quiet --disable-pip-version-check --no-input \
    --requirement "$requirements"
# Fail here, not in the middle of the tests, if the pinned set does not load together.
"$venv/bin/python3" - <<'PY'
import warnings
warnings.simplefilter("error")
warnings.filterwarnings("ignore", category=DeprecationWarning)  # the crypt module, Python 3.11-3.12
import passlib.hash
assert passlib.hash.bcrypt.verify("x", passlib.hash.bcrypt.using(rounds=4).hash("x"))
PY
printf '%s\n' "$wanted" > "$stamp"
[ "${1:-}" = --print ] && echo "$venv/bin/python3"
exit 0

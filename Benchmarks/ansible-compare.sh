#!/usr/bin/env bash
# The same job in Ansible two ways, in the same run: USERS users (default 100) in an htpasswd file,
#   htpass:  one task, `htpass apply` with the users on standard input (examples/ansible);
#   module:  community.general.htpasswd looping over the users (Debian's ansible package; passlib).
# For each scheme (apr1, the module's default; bcrypt at the module's cost, passlib's default 12), run
# 1 on a missing file, run 2 with the same variables, run 3 with one password changed. For each run:
# wall time, what Ansible reported, whether the file's bytes, inode and mtime changed.
#
# Usage: Benchmarks/ansible-compare.sh     (make bench-ansible installs what it needs first)
#   HTPASS=path   the htpass binary (default .build/release/htpass)
#   USERS=n       (default 100)
set -euo pipefail
cd "$(dirname "$0")/.."

HTPASS=${HTPASS:-.build/release/htpass}
USERS=${USERS:-100}
[ -x "$HTPASS" ] || { echo "ansible-compare.sh: no $HTPASS; run 'make release'" >&2; exit 2; }
HTPASS=$(cd "$(dirname "$HTPASS")" && pwd)/$(basename "$HTPASS")
command -v ansible-playbook >/dev/null || { echo "ansible-compare.sh: no ansible-playbook (scripts/install-test-deps.sh --ansible-compare)" >&2; exit 2; }
PYTHON=/usr/bin/python3   # the managed host's python: the module needs passlib there
"$PYTHON" -c 'import passlib, bcrypt' 2>/dev/null || { echo "ansible-compare.sh: $PYTHON has no passlib/bcrypt" >&2; exit 2; }
ansible-doc community.general.htpasswd >/dev/null 2>&1 || { echo "ansible-compare.sh: no community.general collection" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/htpass-ansible-compare.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export LC_ALL=C.UTF-8 ANSIBLE_NOCOLOR=1 ANSIBLE_HOME=$WORK/.ansible ANSIBLE_LOCAL_TEMP=$WORK/.ansible/tmp
export PATH="$(dirname "$HTPASS"):$PATH"
printf 'localhost ansible_connection=local ansible_python_interpreter=%s\n' "$PYTHON" >"$WORK/inventory"

# vars: USERS users with distinct passwords; `bump` changes user 0's.
vars() {
    "$PYTHON" - "$1" "$USERS" "$2" <<'PY'
import hashlib, json, sys
path, count, bump = sys.argv[1], int(sys.argv[2]), sys.argv[3]
users = [{"name": "user%03d" % i, "password": hashlib.sha256(b"%d" % i).hexdigest()[:20]} for i in range(count)]
if bump == "1":
    users[0]["password"] = "a changed password"
json.dump({"users": users}, open(path, "w"))
PY
}

cat >"$WORK/htpass.yml" <<'EOF_PLAY'
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.command:
        argv: "{{ ['htpass', 'apply', '--json', '--create', '--exclusive'] + htpass_options.split() + [file, '-'] }}"
        stdin: |-
          {% for user in users %}
          {{ user.name }}:{{ user.password }}
          {% endfor %}
        stdin_add_newline: false
      register: result
      changed_when: (result.stdout | from_json).changed
      no_log: true
EOF_PLAY
cat >"$WORK/module.yml" <<'EOF_PLAY'
- hosts: localhost
  gather_facts: false
  tasks:
    - community.general.htpasswd:
        path: "{{ file }}"
        name: "{{ item.name }}"
        password: "{{ item.password }}"
        crypt_scheme: "{{ crypt_scheme }}"
      loop: "{{ users }}"
      no_log: true
EOF_PLAY

now() { date +%s.%N; }
state() { if [ -e "$1" ]; then echo "$(stat -c '%i %.9Y' "$1") $(sha256sum <"$1" | cut -c1-12)"; else echo "none"; fi; }

# run NAME PLAYBOOK FILE VARS EXTRA...: prints one result line.
run() {
    local name=$1 playbook=$2 file=$3 varsfile=$4
    shift 4
    local before after start seconds out changed items
    before=$(state "$file")
    start=$(now)
    out=$(ansible-playbook -i "$WORK/inventory" "$WORK/$playbook" -e "file=$file" -e "@$varsfile" "$@" 2>&1) \
        || { echo "$out" >&2; exit 1; }
    seconds=$("$PYTHON" -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$start" "$(now)")
    after=$(state "$file")
    changed=$(echo "$out" | sed -n 's/^localhost.*changed=\([0-9]*\).*/\1/p')
    items=$(echo "$out" | grep -c '^changed: \[localhost\] => (item=' || true)
    local what
    if [ "$before" = "$after" ]; then what="file untouched (inode, mtime, bytes)"
    elif [ "$before" = none ]; then what="file created"
    elif [ "${before%% *}" = "${after%% *}" ]; then what="rewritten in place (same inode, new mtime)"
    else what="replaced (new inode)"; fi
    local prefix
    prefix=$(echo "$after" | cut -d' ' -f3)
    printf '%-8s %-7s %6ss  changed=%s%s  %s\n' "$name" "$RUN" "$seconds" "$changed" \
        "$([ "$playbook" = module.yml ] && echo " ($items items)")" "$what"
}

echo "Ansible $(ansible-playbook --version | head -1 | sed 's/.*\[core \(.*\)\]/core \1/'), community.general $("$PYTHON" -c "import json; print(json.load(open('/usr/lib/python3/dist-packages/ansible_collections/community/general/MANIFEST.json'))['collection_info']['version'])"), passlib $("$PYTHON" -c 'import passlib; print(passlib.__version__)'); $USERS users; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
vars "$WORK/vars.json" 0
vars "$WORK/vars-bumped.json" 1

for scheme in apr1 bcrypt; do
    if [ $scheme = apr1 ]; then options="-a apr1" crypt=apr_md5_crypt; else options="--cost 12" crypt=bcrypt; fi
    echo "-- $scheme (htpass $options; module crypt_scheme=$crypt)"
    for tool in htpass module; do
        file=$WORK/$tool-$scheme
        for RUN in first again one-new; do
            v=$WORK/vars.json
            [ $RUN = one-new ] && v=$WORK/vars-bumped.json
            if [ $tool = htpass ]; then
                run htpass htpass.yml "$file" "$v" -e "htpass_options='$options'"
            else
                run module module.yml "$file" "$v" -e "crypt_scheme=$crypt"
            fi
        done
        echo "         first line: $(head -1 "$file" | cut -d: -f2 | cut -c1-7)...   users: $(wc -l <"$file")"
    done
done
echo "load after $(cut -d' ' -f1-3 /proc/loadavg)"

#!/bin/sh
# A container entrypoint that writes the htpasswd file from environment variables, then runs the
# server: the whole desired state on every start, applied with `htpass apply` (no churn: a restart
# with the same variables writes nothing).
#
#   HTPASS_USER_<name>=<password>   one user each; <name> is letters, digits and '_'
#   HTPASS_SPEC_FILE=<path>         more users, 'user:password' lines (a mounted secret), any names
#   HTPASSWD_FILE=<path>            the file (default /etc/nginx/htpasswd)
#   HTPASS_KEEP_OTHERS=1            keep users named nowhere (default: remove them)
#   HTPASS_GROUP=<group>            the group of a new file (default nginx, the server's on Alpine)
#   HTPASS_TARGET=<target>          read by htpass itself: the servers that read the file
#
# The passwords go to htpass on standard input, written by the shell's printf builtin: they are in no
# process's argument list, and the HTPASS_USER_ variables are removed before the server starts.
set -eu

file=${HTPASSWD_FILE:-/etc/nginx/htpasswd}
names=$(env | sed -n 's/^HTPASS_USER_\([A-Za-z0-9_][A-Za-z0-9_]*\)=.*/\1/p' | sort -u)
spec_file=${HTPASS_SPEC_FILE:-}

# Everything is checked before htpass reads a line: a SPEC cut short would remove users.
for name in $names; do
    eval "password=\${HTPASS_USER_$name}"
    case $password in
    *'
'*) echo "entrypoint: the password in HTPASS_USER_$name has a line break; $file was not changed" >&2; exit 1 ;;
    esac
done
if [ -n "$spec_file" ] && ! [ -r "$spec_file" ]; then
    echo "entrypoint: cannot read HTPASS_SPEC_FILE $spec_file; $file was not changed" >&2
    exit 1
fi

if [ -z "$names" ] && [ -z "$spec_file" ]; then
    echo "entrypoint: no HTPASS_USER_<name> variable and no HTPASS_SPEC_FILE; $file is left as it is" >&2
else
    exclusive=--exclusive
    if [ "${HTPASS_KEEP_OTHERS:-0}" = 1 ]; then exclusive=; fi
    group=
    if ! [ -e "$file" ]; then group="--group ${HTPASS_GROUP:-nginx}"; fi   # for a new file only
    {
        for name in $names; do
            eval "password=\${HTPASS_USER_$name}"
            printf '%s:%s\n' "$name" "$password"
        done
        if [ -n "$spec_file" ]; then cat -- "$spec_file"; fi
    } | htpass apply --create $group $exclusive "$file" -
fi

for name in $names; do unset "HTPASS_USER_$name"; done
exec "$@"

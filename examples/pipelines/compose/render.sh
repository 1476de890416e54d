#!/bin/sh
# Writes what compose.yaml reads, from users.spec ('user:password' lines; standard input with '-'):
#   auth/htpasswd  the file nginx reads, mounted as a directory: plain, never escaped;
#   .env           HTPASSWD_USERS='user:hash,...' for the Traefik label: single-quoted, so that Compose
#                  takes every '$' as it is.
# A run with the same users leaves both files as they were (no container is recreated).
set -eu
cd "$(dirname "$0")"
mkdir -p auth
# A new file gets group 101, the nginx workers' group in the nginx:alpine image (HTPASS_GROUP to change it).
group=
if ! [ -e auth/htpasswd ]; then group="--group ${HTPASS_GROUP:-101}"; fi
htpass apply --create --exclusive --target nginx-alpine,traefik $group auth/htpasswd "${1:-users.spec}"
htpass export auth/htpasswd --format dotenv --name HTPASSWD_USERS > .env.new
if cmp -s .env.new .env; then rm .env.new; else mv .env.new .env; fi

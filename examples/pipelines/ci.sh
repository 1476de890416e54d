#!/bin/sh
# A CI job that brings a deployed htpasswd file to the users of the CI's secret variables, and fails
# the job, writing nothing, on a bad entry. WEB_USERS is one secret variable of 'user:password' lines
# (a masked, multi-line CI secret); it reaches htpass on standard input only.
#
#   WEB_USERS=... ci.sh /srv/www/htpasswd
#
# Exit status: htpass's (0 done, 4 file problem, 5 a line refused; see 'htpass apply --help').
set -eu
file=${1:?usage: ci.sh HTPASSWD_FILE}
: "${WEB_USERS:?WEB_USERS (user:password lines) is not set}"

# One locked write (none at all when nothing changed); --diff lists what changed for the job log, user
# names only, never a hash or a password.
printf '%s\n' "$WEB_USERS" | htpass apply --diff --exclusive "$file" -

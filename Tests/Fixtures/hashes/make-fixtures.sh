#!/usr/bin/env bash
# Regenerates the tool-made hash fixtures in this directory. Each entry is a comment with the exact command that
# made it, then `password<TAB>hash` (passwords contain no tab or newline). The tests verify every entry with
# htpass's Verifier, and check that password + "x" does not match.
#
#     Tests/Fixtures/hashes/make-fixtures.sh      (needs apache2-utils, openssl, whois, python3)
set -euo pipefail
cd "$(dirname "$0")"

entry() {  # entry PASSWORD COMMAND... : runs COMMAND, records it and its output (the `user:` prefix is dropped)
    local password=$1; shift
    local output
    output=$("$@")
    [[ $1 == htpasswd ]] && output=${output#alice:}
    printf '# $ %s\n%s\t%s\n' "$(printf '%q ' "$@" | sed 's/ $//')" "$password" "$output"
}

passwords=("myPassword" "correct horse battery staple" "p:ss wörd 🔑")
short=("secret12" "pa:s wö")  # DES uses 8 bytes at most

{
    echo "# Made by Apache's htpasswd ($(dpkg-query -W -f '${Package} ${Version}' apache2-utils))."
    for p in "${passwords[@]}"; do
        entry "$p" htpasswd -nbB -C 4 alice "$p"
        entry "$p" htpasswd -nbm alice "$p"
        entry "$p" htpasswd -nbs alice "$p"
        entry "$p" htpasswd -nb -2 alice "$p"
        entry "$p" htpasswd -nb -5 alice "$p"
        entry "$p" htpasswd -nb -5 -r 20000 alice "$p"
    done
    entry "myPassword" htpasswd -nbB alice myPassword
    for p in "${short[@]}"; do entry "$p" htpasswd -nbd alice "$p"; done
} > htpasswd.txt

{
    echo "# Made by $(openssl version | cut -d' ' -f1-2)."
    for p in "${passwords[@]}"; do
        entry "$p" openssl passwd -1 "$p"
        entry "$p" openssl passwd -apr1 "$p"
        entry "$p" openssl passwd -5 "$p"
        entry "$p" openssl passwd -6 "$p"
    done
    entry "myPassword" openssl passwd -6 -salt 'rounds=12345$abcdefgh' myPassword
} > openssl.txt

{
    echo "# Made by mkpasswd ($(dpkg-query -W -f '${Package} ${Version}' whois)) over libxcrypt."
    for p in "${passwords[@]}"; do
        for m in bcrypt bcrypt-a sha512crypt sha256crypt yescrypt gost-yescrypt scrypt md5crypt; do
            entry "$p" mkpasswd -m "$m" "$p"
        done
    done
    entry "myPassword" mkpasswd -m bcrypt -R 4 myPassword
    entry "myPassword" mkpasswd -m sha512crypt -R 1000 myPassword
    for p in "${short[@]}"; do entry "$p" mkpasswd -m descrypt "$p"; done
} > mkpasswd.txt

{
    echo "# {SSHA} (salted SHA-1, as nginx reads it) with several salt lengths, and {PLAIN}, made by ssha.py (Python's hashlib)."
    for p in "${passwords[@]}"; do
        for n in 1 4 8 16 32; do
            entry "$p" python3 ssha.py "$p" "$n"
        done
        entry "$p" printf '{PLAIN}%s\n' "$p"
    done
} > ssha.txt

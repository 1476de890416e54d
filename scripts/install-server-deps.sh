#!/usr/bin/env bash
# Installs and builds the real readers of htpasswd files that Tests/ConsumerTests asks:
#   apache2 (httpd + mod_authn_file), lighttpd (mod_authn_file), docker-registry (distribution 2.8),
#   caddy (Debian's 2.6: forward_auth in front of htpass-serve, Tests/ServeTests),
#   and, built into .build/oracles (never committed):
#   - nginx-alpine: Debian's nginx source built with musl-gcc and linked with musl's own crypt()
#     (Debian's musl leaves crypt() out, Debian bug #947193, so musl's src/crypt/ is compiled from
#     Debian's musl source package);
#   - traefik: Tests/Oracles/traefik/main.go, Traefik's users-file reading around go-http-auth's
#     comparison, built in GOPATH mode from Debian's Go sources (no module downloads).
# Debian's nginx itself comes from install-test-deps.sh.
#
# Idempotent and quiet when everything is there; needs root (or sudo) when a package is missing.
# Source packages come through a private apt configuration under .build/oracles/apt (deb-src lines
# made from this machine's own deb lines), so deb-src is never enabled system-wide.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${HTPASS_ORACLES:-$root/.build/oracles}"
started=$SECONDS
worked=false

have() { command -v "$1" >/dev/null 2>&1; }
say() { echo "install-server-deps: $*" >&2; }
run_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif have sudo; then sudo "$@"; else
        say "need root to run: $*"; exit 1; fi
}

# --- Debian packages -------------------------------------------------------------------------
need_apt=()
[ -x /usr/sbin/apache2 ]                                  || need_apt+=(apache2)
[ -x /usr/sbin/lighttpd ]                                 || need_apt+=(lighttpd)
[ -x /usr/bin/docker-registry ]                           || need_apt+=(docker-registry)
have caddy                                                || need_apt+=(caddy)   # ServeTests: forward_auth to htpass-serve
have go                                                   || need_apt+=(golang-go)
[ -d /usr/share/gocode/src/github.com/abbot/go-http-auth ] || need_apt+=(golang-github-abbot-go-http-auth-dev)
have musl-gcc                                             || need_apt+=(musl-tools)
have dpkg-source                                          || need_apt+=(dpkg-dev)
have make && have gcc                                     || need_apt+=(make gcc)

if [ ${#need_apt[@]} -gt 0 ]; then
    worked=true
    say "installing ${need_apt[*]}"
    # Keep the packages' own services (apache2 on *:80, lighttpd, docker-registry, caddy) from starting:
    # the tests start private instances on 127.0.0.1 only.
    policy=/usr/sbin/policy-rc.d
    made_policy=false
    if [ ! -e "$policy" ]; then
        run_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
        made_policy=true
    fi
    cleanup_policy() { if $made_policy; then run_root rm -f "$policy"; fi; }
    trap cleanup_policy EXIT
    run_root apt-get update -qq
    run_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
    cleanup_policy
    made_policy=false
fi

# --- Source packages through a private apt configuration --------------------------------------
apt_dir="$cache/apt"
apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "APT::Sandbox::User=root")
apt_ready=false

prepare_source_apt() {
    $apt_ready && return 0
    rm -rf "$apt_dir"
    mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
    local file
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] || continue
        case "$file" in
            *.sources) sed -E 's/^Types:.*/Types: deb-src/' "$file" > "$apt_dir/sources.list.d/$(basename "$file")" ;;
            *.list) sed -nE 's/^deb([[:space:]])/deb-src\1/p' "$file" > "$apt_dir/sources.list.d/$(basename "$file")" ;;
        esac
    done
    apt-get "${apt_opts[@]}" update -qq >/dev/null
    apt_ready=true
}

# fetch_source PACKAGE PREFERRED_VERSION: unpacks the source into $cache/src and prints its directory.
# The preferred version (the installed binary's) first, then what the archive lists, newest first.
fetch_source() {
    local package=$1 preferred=$2 version dir
    prepare_source_apt
    mkdir -p "$cache/src"
    local versions
    versions=$( { echo "$preferred"; apt-cache "${apt_opts[@]}" showsrc "$package" 2>/dev/null \
        | sed -n 's/^Version: //p' | sort -rV; } | awk 'NF && !seen[$0]++')
    for version in $versions; do
        rm -rf "$cache/src/$package"
        mkdir -p "$cache/src/$package"
        if (cd "$cache/src/$package" && apt-get "${apt_opts[@]}" source -qq "$package=$version" >/dev/null 2>&1); then
            dir=$(find "$cache/src/$package" -mindepth 1 -maxdepth 1 -type d | head -n 1)
            if [ -n "$dir" ]; then
                echo "$version $dir"
                return 0
            fi
        fi
    done
    say "cannot fetch the source of $package (tried: $(echo $versions))"
    return 1
}

installed_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }

# --- nginx-alpine: real nginx + musl libc + musl's crypt --------------------------------------
build_nginx_alpine() {
    local out="$cache/nginx-alpine" musl_version nginx_version recipe
    musl_version=$(installed_version musl-dev)
    nginx_version=$(installed_version nginx-common)
    [ -n "$nginx_version" ] || nginx_version=$(installed_version nginx-light)
    recipe="recipe=1 musl=$musl_version nginx=$nginx_version"
    if [ -x "$out/sbin/nginx" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$recipe" ]; then return 0; fi
    worked=true
    local t0=$SECONDS got musl_src nginx_src
    rm -rf "$out"
    prepare_source_apt
    mkdir -p "$out/musl-crypt/lib" "$out/musl-crypt/include" "$out/musl-crypt/obj" "$out/sbin"

    got=$(fetch_source musl "$musl_version")
    musl_src=${got#* }
    local file
    for file in "$musl_src"/src/crypt/*.c; do
        musl-gcc -O2 -std=c99 -ffreestanding -D_XOPEN_SOURCE=700 \
            -I"$musl_src/src/include" -I"$musl_src/src/internal" -I"$musl_src/arch/x86_64" -I"$musl_src/arch/generic" \
            -c "$file" -o "$out/musl-crypt/obj/$(basename "$file" .c).o"
    done
    ar rcs "$out/musl-crypt/lib/libcrypt.a" "$out"/musl-crypt/obj/*.o
    cp "$musl_src/include/crypt.h" "$out/musl-crypt/include/crypt.h"
    # nginx's configure tests crypt.h and crypt_r() with the bare compiler: give it one that sees them.
    printf '#!/bin/sh\nexec musl-gcc -I"%s" -L"%s" "$@"\n' "$out/musl-crypt/include" "$out/musl-crypt/lib" > "$out/musl-cc"
    chmod 755 "$out/musl-cc"

    got=$(fetch_source nginx "$nginx_version")
    nginx_src=${got#* }
    local without=(pcre http_rewrite_module http_gzip_module http_charset_module http_ssi_module http_userid_module
        http_mirror_module http_autoindex_module http_geo_module http_map_module http_split_clients_module
        http_referer_module http_proxy_module http_fastcgi_module http_uwsgi_module http_scgi_module http_grpc_module
        http_memcached_module http_limit_conn_module http_limit_req_module http_empty_gif_module http_browser_module
        http_upstream_hash_module http_upstream_ip_hash_module http_upstream_least_conn_module
        http_upstream_random_module http_upstream_keepalive_module http_upstream_zone_module http-cache)
    (
        cd "$nginx_src"
        ./configure --prefix="$out" --with-cc="$out/musl-cc" --with-cc-opt=-O2 --with-ld-opt=-static \
            "${without[@]/#/--without-}" > "$out/configure.log" 2>&1
        grep -q 'checking for crypt_r() ... found' "$out/configure.log" || {
            echo "install-server-deps: nginx-alpine: crypt_r() from musl not found; see $out/configure.log" >&2; exit 1; }
        make -j"$(nproc)" > "$out/make.log" 2>&1 || { tail -20 "$out/make.log" >&2; exit 1; }
    )
    cp "$nginx_src/objs/nginx" "$out/sbin/nginx"
    echo "$recipe" > "$out/stamp"
    say "built nginx-alpine (nginx ${got%% *} with musl $musl_version and its crypt) in $((SECONDS - t0)) s"
}

# --- traefik: Traefik's basic-auth file handling + go-http-auth -------------------------------
build_traefik() {
    local out="$cache/traefik" source="$root/Tests/Oracles/traefik/main.go"
    if [ -x "$out/traefik-basic-auth" ] && [ "$out/traefik-basic-auth" -nt "$source" ]; then return 0; fi
    worked=true
    local t0=$SECONDS
    mkdir -p "$out/gocache"
    GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= GOCACHE="$out/gocache" \
        go build -o "$out/traefik-basic-auth.new" "$source"
    mv "$out/traefik-basic-auth.new" "$out/traefik-basic-auth"
    say "built the traefik oracle in $((SECONDS - t0)) s"
}

build_nginx_alpine
build_traefik

if $worked; then say "done in $((SECONDS - started)) s"; fi

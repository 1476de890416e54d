#!/usr/bin/env bash
# Builds what htpass is distributed as, from the static release binaries (make release):
#
#   scripts/package.sh dist BINARY   dist/htpass-VERSION-linux-ARCH.tar.gz
#   scripts/package.sh deb  BINARY   dist/htpass_VERSION_DEBARCH.deb, dist/htpass-htpasswd_VERSION_all.deb
#   scripts/package.sh oci  BINARY   dist/oci (an OCI image layout, tag VERSION) and dist/htpass-VERSION-oci.tar
#
# BINARY is htpass; htpass-serve (the authorization service `htpass serve` runs, issue 19) is taken from the same
# directory, and goes next to htpass in each artifact, with its systemd unit (packaging/systemd) in the tarball
# and the .deb.
#
# and after each, dist/SHA256SUMS over the artifacts of this VERSION. VERSION is Htpass.version in
# Sources/htpass/Htpass.swift, the one place it is written; the binary must report the same.
#
# Reproducible where the tools allow: every file gets the last commit's time (SOURCE_DATE_EPOCH if set),
# owner and group 0, fixed modes; archives list names sorted; gzip stores no name or time. The stripped
# binary holds no build path. The OCI image's config and manifest carry the same fixed time.
set -euo pipefail

die() { echo "package: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: scripts/package.sh dist|deb|oci BINARY"
what=$1
binary=$(realpath "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

version=$(sed -n 's/^ *static let version = "\([^"]*\)"$/\1/p' Sources/htpass/Htpass.swift)
[ -n "$version" ] || die "no 'static let version = \"...\"' in Sources/htpass/Htpass.swift"
[ -x "$binary" ] || die "$binary is not an executable; run make release"
serve_binary=$(dirname "$binary")/htpass-serve
[ -x "$serve_binary" ] || die "$serve_binary is not an executable; run make release (it builds htpass-serve too)"
reported=$("$binary" --version)
[ "$reported" = "$version" ] || die "$binary reports version '$reported', the sources say '$version'; run make release"
reported=$("$serve_binary" --version)
[ "$reported" = "$version" ] || die "$serve_binary reports version '$reported', the sources say '$version'; run make release"
units=(packaging/systemd/htpass-serve.service)
for unit in "${units[@]}"; do [ -f "$unit" ] || die "$unit is missing"; done

epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || true)}
[ -n "$epoch" ] || die "not a git checkout: set SOURCE_DATE_EPOCH to the release time (seconds since 1970)"
export SOURCE_DATE_EPOCH=$epoch
machine=$(uname -m)   # x86_64, aarch64: the tarball's name
umask 022
export LC_ALL=C TZ=UTC

work=$(mktemp -d "${TMPDIR:-/tmp}/htpass-package-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p dist

# The release binary without symbols or debug information (15 MB instead of 27): Swift's runtime
# metadata lives in allocated sections, which strip keeps. .comment and .note hold only tool versions.
stripped="$work/htpass.stripped"
install -m 0755 "$binary" "$stripped"
strip --strip-all --remove-section=.comment --remove-section=.note "$stripped"
serve_stripped="$work/htpass-serve.stripped"
install -m 0755 "$serve_binary" "$serve_stripped"
strip --strip-all --remove-section=.comment --remove-section=.note "$serve_stripped"

# Fixed times, then a sorted tar with numeric owner 0 and no atime/ctime, gzip without name or time.
normalize() { find "$1" -exec touch --no-dereference --date="@$epoch" {} +; }
reproducible_tar() {   # reproducible_tar OUTPUT DIRECTORY ENTRY...
    local output=$1 directory=$2
    shift 2
    tar --create --sort=name --format=posix \
        --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
        --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
        --directory="$directory" "$@"  > "$output"
}

checksums() {
    (
        cd dist
        shopt -s nullglob
        artifacts=("htpass-$version-"*.tar.gz "htpass_${version}_"*.deb "htpass-htpasswd_${version}_"*.deb)
        [ -f "htpass-$version-oci.tar" ] && artifacts+=("htpass-$version-oci.tar")
        printf '%s\n' "${artifacts[@]}" | sort | xargs -r sha256sum -- > SHA256SUMS.new
        mv SHA256SUMS.new SHA256SUMS
    )
}

# ---------------------------------------------------------------------------------------------------------------
dist() {
    local name="htpass-$version-linux-$machine"
    local dir="$work/$name"
    install -d "$dir/completions" "$dir/systemd"
    install -m 0755 "$stripped" "$dir/htpass"
    install -m 0755 "$serve_stripped" "$dir/htpass-serve"
    install -m 0644 "${units[@]}" "$dir/systemd/"
    install -m 0644 Docs/htpass.1 "$dir/htpass.1"
    install -m 0644 Docs/completions/htpass.bash Docs/completions/_htpass Docs/completions/htpass.fish "$dir/completions/"
    install -m 0644 README.md "$dir/README.md"
    [ -f LICENSE ] && install -m 0644 LICENSE "$dir/LICENSE"
    (cd "$dir" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | sort | xargs sha256sum -- > SHA256SUMS)
    normalize "$dir"
    reproducible_tar "$work/$name.tar" "$work" "$name"
    gzip -9 --no-name < "$work/$name.tar" > "dist/$name.tar.gz"
    checksums
    echo "dist/$name.tar.gz"
}

# ---------------------------------------------------------------------------------------------------------------
# Debian packages, built with dpkg-deb alone (no debhelper), as root-owned trees (--root-owner-group).
deb_arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
maintainer=${DEB_MAINTAINER:-"htpass maintainers <$(git log -1 --format=%ae 2>/dev/null || echo root@localhost)>"}

# /usr/share/doc/PACKAGE: copyright and the changelog (policy 12.5, 12.7: a native package's changelog.gz).
deb_docs() {   # deb_docs PACKAGE_TREE PACKAGE
    local doc="$1/usr/share/doc/$2"
    install -d "$doc"
    {
        echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
        echo "Upstream-Name: htpass"
        echo "Comment: /usr/bin/htpass is statically linked. It contains the Swift runtime and"
        echo " standard library, Foundation and Dispatch (Apache-2.0 with Runtime Library Exception,"
        echo " https://swift.org/LICENSE.txt), swift-argument-parser (Apache-2.0), GNU libc"
        echo " (LGPL-2.1+) and libxcrypt (LGPL-2.1+). /usr/bin/htpass-serve is statically linked too,"
        echo " with the same and SwiftNIO, Hummingbird, swift-log, swift-metrics, swift-service-lifecycle,"
        echo " swift-collections, swift-atomics, swift-http-types and swift-distributed-tracing (all"
        echo " Apache-2.0). On Debian systems the Apache 2.0 and LGPL 2.1 licenses are in"
        echo " /usr/share/common-licenses/Apache-2.0 and LGPL-2.1."
        echo
        echo "Files: *"
        echo "Copyright: $(date -u -d "@$epoch" +%Y) htpass maintainers"
        if [ -f LICENSE ]; then
            echo "License: see-LICENSE"
            sed 's/^$/./; s/^/ /' LICENSE
        else
            echo "License: none-declared"
            echo " The htpass sources carry no license file yet; until they do, no license is granted."
        fi
    } > "$doc/copyright"
    {
        echo "$2 ($version) unstable; urgency=medium"
        echo
        echo "  * Release $version; see /usr/share/doc/htpass/README.md.gz."
        echo
        echo " -- $maintainer  $(date -u -R -d "@$epoch")"
    } | gzip -9 --no-name > "$doc/changelog.gz"
    chmod 0644 "$doc/copyright" "$doc/changelog.gz"
}

deb_build() {   # deb_build PACKAGE_TREE OUTPUT: md5sums, Installed-Size, then dpkg-deb
    local tree=$1 output=$2
    (cd "$tree" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | sort | xargs -r md5sum -- > DEBIAN/md5sums)
    chmod 0644 "$tree/DEBIAN/md5sums"
    # As dpkg-gencontrol counts: each file's size in KiB rounded up, 1 for every other entry.
    local size
    size=$(cd "$tree" && find . -mindepth 1 -path ./DEBIAN -prune -o \( -type f -printf 'f %s\n' \) -o -printf 'o\n' \
        | awk '$1 == "f" { total += int(($2 + 1023) / 1024); next } { total += 1 } END { print total + 0 }')
    sed -i "s/^Installed-Size: .*/Installed-Size: $size/" "$tree/DEBIAN/control"
    normalize "$tree"
    dpkg-deb --root-owner-group -Zxz --build "$tree" "$output" >/dev/null
}

deb() {
    # htpass: the command, its man page and its completions.
    local tree="$work/htpass"
    install -d "$tree/DEBIAN" "$tree/usr/bin" "$tree/usr/share/man/man1" \
        "$tree/usr/share/bash-completion/completions" "$tree/usr/share/zsh/vendor-completions" \
        "$tree/usr/share/fish/vendor_completions.d" "$tree/usr/lib/systemd/system"
    install -m 0755 "$stripped" "$tree/usr/bin/htpass"
    install -m 0755 "$serve_stripped" "$tree/usr/bin/htpass-serve"
    # The unit, installed but neither enabled nor started: the service needs its file and group first
    # (`systemctl edit htpass-serve`, then `systemctl enable --now htpass-serve`). /usr/lib/systemd/system:
    # systemd reads it on every Debian, merged /usr or not, and shipping under the /lib link of a merged /usr
    # would leave dpkg two names for one directory.
    install -m 0644 "${units[@]}" "$tree/usr/lib/systemd/system/"
    gzip -9 --no-name < Docs/htpass.1 > "$tree/usr/share/man/man1/htpass.1.gz"
    # bash-completion sources the file: no #! line (lintian: bash-completion-with-hashbang).
    sed '1{/^#!/d}' Docs/completions/htpass.bash > "$tree/usr/share/bash-completion/completions/htpass"
    install -m 0644 Docs/completions/_htpass "$tree/usr/share/zsh/vendor-completions/_htpass"
    install -m 0644 Docs/completions/htpass.fish "$tree/usr/share/fish/vendor_completions.d/htpass.fish"
    deb_docs "$tree" htpass
    gzip -9 --no-name < README.md > "$tree/usr/share/doc/htpass/README.md.gz"
    # A static executable on purpose: it runs in empty containers and without the system's libraries.
    install -d "$tree/usr/share/lintian/overrides"
    printf '%s\n' "# Static on purpose: the same binary runs FROM scratch, on distroless and on Alpine." \
        "htpass: statically-linked-binary [usr/bin/htpass]" \
        "htpass: statically-linked-binary [usr/bin/htpass-serve]" > "$tree/usr/share/lintian/overrides/htpass"
    chmod 0644 "$tree/usr/share/man/man1/htpass.1.gz" "$tree/usr/share/doc/htpass/README.md.gz" \
        "$tree/usr/share/bash-completion/completions/htpass" "$tree/usr/share/lintian/overrides/htpass"
    # Built-Using (policy 7.8): the statically linked LGPL libraries, whose sources must stay available.
    local built_using
    built_using=$(dpkg-query -W -f='${source:Package} (= ${source:Version}), ' libc6-dev libcrypt-dev 2>/dev/null \
        | sed 's/, $//') || true
    cat > "$tree/DEBIAN/control" <<EOF
Package: htpass
Version: $version
Architecture: $deb_arch
Maintainer: $maintainer
Installed-Size: 0
Section: httpd
Priority: optional
${built_using:+Built-Using: $built_using
}Suggests: htpass-htpasswd
Description: manage htpasswd files for HTTP Basic authentication
 htpass creates htpasswd files and adds, changes, removes, checks and lists
 their users, for nginx, Apache httpd, Traefik, lighttpd and the Docker
 registry. Edits are locked, atomic and durable, and keep every line they do
 not concern byte for byte. Passwords are read from a prompt, standard input,
 a file, the environment or generated; never from the command line.
 .
 htpass serve (/usr/bin/htpass-serve, and the htpass-serve systemd unit, not
 enabled) answers nginx auth_request, Caddy forward_auth and Traefik
 forwardAuth from the same file, with a cache of successful verifications
 and brute-force throttling.
 .
 This package installs the command as htpass. The htpass-htpasswd package
 also installs it under Apache's name, htpasswd.
EOF
    # systemd learns of the new, changed or removed units; nothing is enabled or started.
    for script in postinst postrm; do
        printf '%s\n' '#!/bin/sh' 'set -e' \
            'if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then' \
            '    systemctl --system daemon-reload >/dev/null || true' 'fi' > "$tree/DEBIAN/$script"
        chmod 0755 "$tree/DEBIAN/$script"
    done
    deb_build "$tree" "dist/htpass_${version}_${deb_arch}.deb"

    # htpass-htpasswd: the name htpasswd for the same program. apache2-utils ships /usr/bin/htpasswd too;
    # rather than Conflicts (apt would remove ab, htdigest, logresolve...) or Replaces (dpkg would overwrite
    # Apache's file and lose it), the preinst diverts Apache's file to htpasswd.apache2-utils and the postrm
    # puts it back. Only whoever installs this package by name gets it: nothing depends on or recommends it.
    tree="$work/htpass-htpasswd"
    install -d "$tree/DEBIAN" "$tree/usr/bin" "$tree/usr/share/man/man1"
    ln -s htpass "$tree/usr/bin/htpasswd"
    ln -s htpass.1.gz "$tree/usr/share/man/man1/htpasswd.1.gz"
    deb_docs "$tree" htpass-htpasswd
    cat > "$tree/DEBIAN/control" <<EOF
Package: htpass-htpasswd
Version: $version
Architecture: all
Maintainer: $maintainer
Installed-Size: 0
Section: httpd
Priority: optional
Depends: htpass (= $version)
Description: htpass under the name htpasswd, for Apache's htpasswd command lines
 Installs /usr/bin/htpasswd as a link to htpass, which then answers to Apache's
 htpasswd command lines (htpasswd -c FILE USER, htpasswd -nbB USER PW...).
 .
 If apache2-utils is installed, its htpasswd and htpasswd(1) are diverted to
 /usr/bin/htpasswd.apache2-utils and htpasswd.apache2-utils(1) while this
 package is installed, and restored when it is removed.
EOF
    local diversions='/usr/bin/htpasswd:/usr/bin/htpasswd.apache2-utils
/usr/share/man/man1/htpasswd.1.gz:/usr/share/man/man1/htpasswd.apache2-utils.1.gz'
    {
        echo '#!/bin/sh'
        echo 'set -e'
        echo 'if [ "$1" = install ] || [ "$1" = upgrade ]; then'
        echo "$diversions" | while IFS=: read -r path divert; do
            echo "    dpkg-divert --package htpass-htpasswd --add --rename --divert $divert $path"
        done
        echo 'fi'
    } > "$tree/DEBIAN/preinst"
    {
        echo '#!/bin/sh'
        echo 'set -e'
        echo 'if [ "$1" = remove ] || [ "$1" = abort-install ] || [ "$1" = disappear ]; then'
        echo "$diversions" | while IFS=: read -r path divert; do
            echo "    dpkg-divert --package htpass-htpasswd --remove --rename --divert $divert $path"
        done
        echo 'fi'
    } > "$tree/DEBIAN/postrm"
    chmod 0755 "$tree/DEBIAN/preinst" "$tree/DEBIAN/postrm"
    deb_build "$tree" "dist/htpass-htpasswd_${version}_all.deb"
    checksums
    echo "dist/htpass_${version}_${deb_arch}.deb"
    echo "dist/htpass-htpasswd_${version}_all.deb"
}

# ---------------------------------------------------------------------------------------------------------------
# An OCI image with nothing but /htpass, /htpass-serve (which `htpass serve` runs) and the empty working directory
# /w, the same as the Dockerfile's FROM scratch stage, made with umoci: no Docker engine needed. dist/oci is the image layout (tag VERSION);
# dist/htpass-VERSION-oci.tar the same as one file, for `podman load`, `skopeo copy oci-archive:...`.
oci() {
    command -v umoci >/dev/null || die "umoci is not installed; run scripts/install-test-deps.sh --packaging"
    local layout=dist/oci created
    created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
    rm -rf "$layout"
    umoci init --layout "$layout"
    umoci new --image "$layout:$version"
    local bundle="$work/bundle"
    umoci unpack --image "$layout:$version" "$bundle" >/dev/null
    install -d -m 0755 "$bundle/rootfs/w"
    install -m 0755 "$stripped" "$bundle/rootfs/htpass"
    install -m 0755 "$serve_stripped" "$bundle/rootfs/htpass-serve"
    normalize "$bundle/rootfs"
    umoci repack --image "$layout:$version" --history.created "$created" --history.created_by "COPY htpass htpass-serve /" \
        --history.comment "scripts/package.sh oci" "$bundle"
    umoci config --no-history --image "$layout:$version" --created "$created" --author "htpass maintainers" \
        --architecture "$deb_arch" --os linux --config.entrypoint /htpass --config.workingdir /w \
        --config.label "org.opencontainers.image.title=htpass" \
        --config.label "org.opencontainers.image.version=$version" --config.exposedports 9180/tcp \
        --manifest.annotation "org.opencontainers.image.created=$created"
    umoci gc --layout "$layout"
    normalize "$layout"
    reproducible_tar "dist/htpass-$version-oci.tar" "$layout" oci-layout index.json blobs
    checksums
    echo "$layout:$version"
    echo "dist/htpass-$version-oci.tar"
}

case "$what" in
    dist) dist ;;
    deb) deb ;;
    oci) oci ;;
    *) die "usage: scripts/package.sh dist|deb|oci BINARY" ;;
esac

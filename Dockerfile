# htpass in an image that holds nothing but the static binaries, htpass and htpass-serve (which `htpass serve`
# runs), and the empty working directory /w.
#
#   docker build -t htpass .
#   docker run --rm -i -v "$PWD:/w" htpass add --stdin htpasswd alice < alice.pw
#   docker run -d -p 127.0.0.1:9180:9180 -v "$PWD/auth:/auth:ro" htpass serve /auth/htpasswd --listen 0.0.0.0:9180
#
# More in Docs/install.md. `make oci` builds the same image from `make release`'s binary without Docker
# (umoci), and `make test-packaging` runs it under runc; this Dockerfile itself is not built by the tests.

# The official Swift image of the release the project builds with (Debian 12, as the tests run on).
ARG SWIFT_IMAGE=swift:6.3-bookworm

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libcrypt-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The same flags as `make release`: the Swift runtime, glibc and libxcrypt linked in, so nothing is needed at run
# time, by the toolchain's lld with the start-up paths laid out first (scripts/startup.order). Stripped as in
# `make dist`.
ARG RELEASE_FLAGS="-c release --static-swift-stdlib -Xswiftc -static-executable -Xswiftc -use-ld=lld \
    -Xlinker --symbol-ordering-file=/src/scripts/startup.order -Xlinker --no-warn-symbol-ordering"
RUN swift build $RELEASE_FLAGS --product htpass \
    && swift build $RELEASE_FLAGS --product htpass-serve \
    && bin="$(swift build $RELEASE_FLAGS --show-bin-path)" \
    && install -D -m 0755 "$bin/htpass" /out/htpass \
    && install -D -m 0755 "$bin/htpass-serve" /out/htpass-serve \
    && strip --strip-all --remove-section=.comment --remove-section=.note /out/htpass /out/htpass-serve \
    && install -d -m 0755 /out/w

FROM scratch
COPY --from=build /out/ /
WORKDIR /w
# htpass serve's port, when it is told to listen there (--listen 0.0.0.0:9180; the default is 127.0.0.1:9180).
EXPOSE 9180
ENTRYPOINT ["/htpass"]

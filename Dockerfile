# htpass in an image that holds nothing but the static binary (and the empty working directory /w).
#
#   docker build -t htpass .
#   docker run --rm -i -v "$PWD:/w" htpass add --stdin htpasswd alice < alice.pw
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
# time. Stripped as in `make dist`.
RUN swift build -c release --static-swift-stdlib -Xswiftc -static-executable --product htpass \
    && install -D -m 0755 \
        "$(swift build -c release --static-swift-stdlib -Xswiftc -static-executable --show-bin-path)/htpass" /out/htpass \
    && strip --strip-all --remove-section=.comment --remove-section=.note /out/htpass \
    && install -d -m 0755 /out/w

FROM scratch
COPY --from=build /out/ /
WORKDIR /w
ENTRYPOINT ["/htpass"]

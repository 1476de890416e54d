# htpass — build, test, install. `make help` lists the targets.
PREFIX ?= /usr/local
SWIFT ?= swift
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
# Static executables, linked by lld with the start-up paths' code and data laid out first (scripts/startup.order,
# made by scripts/startup-order.sh): fewer pages to fault in at each run (issue 17, Benchmarks/README.md).
RELEASE_FLAGS = -c release --static-swift-stdlib -Xswiftc -static-executable -Xswiftc -use-ld=lld \
	-Xlinker --symbol-ordering-file=$(CURDIR)/scripts/startup.order -Xlinker --no-warn-symbol-ordering
SYSTEMDDIR = $(PREFIX)/lib/systemd/system
# What every installed or packaged binary goes through (make install here, make dist/deb/oci in scripts/package.sh,
# the Dockerfile): 33 MB of debug information and symbols out, and 9 fewer pages faulted in at each run.
STRIP = strip --strip-all --remove-section=.comment --remove-section=.note

.PHONY: help build release test deps lint api-check format man completions install uninstall install-htpasswd-link \
	uninstall-htpasswd-link clean dist deb oci test-packaging docs test-hummingbird

help:
	@echo "make build      debug build"
	@echo "make release    optimised static executables (.build/release/htpass and htpass-serve, which htpass serve runs)"
	@echo "make test       install test dependencies if missing, then run the whole test suite"
	@echo "make lint       formatting (swift format), no bare close( in the storage code, make api-check"
	@echo "make api-check  the libraries' public API against the tag api-baseline: a breaking change fails"
	@echo "make man        regenerate Docs/htpass.1"
	@echo "make docs       the libraries' API documentation (DocC); a warning fails it"
	@echo "make test-hummingbird  the Hummingbird example server (examples/hummingbird-basic-auth), built and tested"
	@echo "make bench      benchmarks against Apache's htpasswd and libxcrypt, as ratios"
	@echo "make mlflow-test  the MLflow + nginx example stack, end to end"
	@echo "make completions regenerate Docs/completions (bash, zsh, fish)"
	@echo "make install    install htpass, htpass-serve, man page, completions and the systemd unit under PREFIX ($(PREFIX))"
	@echo "                WITH_HTPASSWD_LINK=1 also installs the name htpasswd (Apache's command lines)"
	@echo "make install-htpasswd-link    only the htpasswd link, next to an installed htpass"
	@echo "make uninstall  remove what make install installed (and the htpasswd link, if it is ours)"
	@echo "make bench-apply    htpass apply on 1000 users: vs htpasswd -bm, --jobs N vs 1, a second run"
	@echo "make bench-ansible  htpass apply in a playbook vs community.general.htpasswd, 100 users"
	@echo "make bench-startup  start-up time of htpass against Apache's htpasswd (hyperfine)"
	@echo "make bench-serve    nginx auth_request -> htpass serve (TCP, unix socket) against auth_basic, no auth and a free auth service (wrk), memory, guessing"
	@echo "make dist       dist/htpass-VERSION-linux-ARCH.tar.gz: static binaries, man page, completions, systemd unit, SHA256SUMS"
	@echo "make deb        dist/htpass_VERSION_ARCH.deb and dist/htpass-htpasswd_VERSION_all.deb (dpkg-deb)"
	@echo "make oci        dist/oci: a FROM-scratch OCI image of the static binaries (umoci; no Docker needed)"
	@echo "make test-packaging  make dist deb oci, then install, run and remove them (PackagingTests; root)"
	@echo "make test-consumers  htpass's targets against the real servers (nginx, nginx on musl, Apache,"
	@echo "                     lighttpd, Traefik, the Docker registry); installs and builds them first"
	@echo "make test-consumers-slow  the same with bcrypt costs 17 to 20 (minutes per server)"

build:
	$(SWIFT) build

# htpass-serve (SwiftNIO, Hummingbird) links statically as htpass does: both run FROM scratch.
# SwiftPM does not know the order file: a binary older than it is removed, so that it is linked again.
release:
	@bin="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)"; for product in htpass htpass-serve; do \
		if [ -e "$$bin/$$product" ] && [ "$$bin/$$product" -ot scripts/startup.order ]; then rm "$$bin/$$product"; fi; \
	done
	$(SWIFT) build $(RELEASE_FLAGS) --product htpass
	$(SWIFT) build $(RELEASE_FLAGS) --product htpass-serve

deps:
	./scripts/install-test-deps.sh

# Every suite, each step timed (scripts/run-tests.sh): the slow ones (real servers, Apache's htpasswd,
# packaging, examples) run as their own steps, after the main suite.
test:
	./scripts/run-tests.sh

# The API documentation of the libraries (HtpasswdCore, HtpasswdVerifier, HtpasswdLint, HtpasswdReconciler),
# from their DocC catalogs and doc comments: .build/plugins/Swift-DocC/outputs/htpass.doccarchive, all
# combined so that each library's pages link to the others' (one archive per library under
# outputs/intermediates/). A warning (a broken
# symbol link, an undocumented parameter) fails it.
docs:
	$(SWIFT) package generate-documentation --target HtpasswdCore --target HtpasswdVerifier \
		--target HtpasswdLint --target HtpasswdReconciler \
		--enable-experimental-combined-documentation --warnings-as-errors

# The Hummingbird 2 example, a separate package that depends on this one by path: its server is started on
# 127.0.0.1 and asked with curl while the htpass built here edits its file. Its own .build (SwiftNIO and
# Hummingbird: the first build takes minutes).
HUMMINGBIRD_EXAMPLE = examples/hummingbird-basic-auth
test-hummingbird: deps
	$(SWIFT) build --product htpass
	$(SWIFT) build --package-path $(HUMMINGBIRD_EXAMPLE) --build-tests
	HTPASS_BIN="$$($(SWIFT) build --show-bin-path)/htpass" $(SWIFT) test --package-path $(HUMMINGBIRD_EXAMPLE) --skip-build

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift $(HUMMINGBIRD_EXAMPLE)/Sources \
		$(HUMMINGBIRD_EXAMPLE)/Tests $(HUMMINGBIRD_EXAMPLE)/Package.swift
	@# Every descriptor of the storage code is owned by a Descriptor (Storage/Descriptor.swift), which alone closes.
	@if grep -nE '(^|[^A-Za-z_.])(Glibc\.)?close\(([^)]|$$)' Sources/HtpasswdCore/Storage/*.swift \
		Sources/HtpasswdCore/*.swift | grep -v '^Sources/HtpasswdCore/Storage/Descriptor.swift:'; then \
		echo "make lint: a bare close( above; let a Descriptor own the descriptor"; exit 1; fi
	@# The layers inside HtpasswdCore depend one way (HtpasswdCore.docc/HtpasswdCore.md, "Layers"): hashing knows
	@# no server, storage knows no edit of users.
	@if grep -nwE 'Target|TargetProfile|TargetReading|TargetRefusal|SecretConsumer' Sources/HtpasswdCore/Hashing/*.swift \
		| grep -vE '^[^:]+:[0-9]+:[[:space:]]*//'; then \
		echo "make lint: Hashing/ names a server above; put what concerns the servers in Targets/"; exit 1; fi
	@if grep -nwE 'HtpasswdChanges|HtpasswdStore|HtpasswdFile|EditOutcome' Sources/HtpasswdCore/Storage/*.swift \
		| grep -vE '^[^:]+:[0-9]+:[[:space:]]*//'; then \
		echo "make lint: Storage/ names the editing layer above; storage moves bytes, the store edits users"; exit 1; fi
	@# A test that fails must fail alone: no try! (a trap takes the whole test process and its results down).
	@if grep -rn 'try!' Tests --include='*.swift'; then echo "make lint: try! in a test above; use try"; exit 1; fi
	$(MAKE) api-check

# The libraries' public API against the tag api-baseline (Docs/versioning.md): a change that breaks a caller
# fails until it is made on purpose (the tag moved once it has landed). Builds the baseline and the tree in
# .build-api: about ten minutes on two cores.
API_BASELINE ?= api-baseline
api-check:
	$(SWIFT) package --scratch-path .build-api diagnose-api-breaking-changes $(API_BASELINE) \
		--products HtpasswdCore HtpasswdVerifier HtpasswdLint HtpasswdReconciler

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift $(HUMMINGBIRD_EXAMPLE)/Sources \
		$(HUMMINGBIRD_EXAMPLE)/Tests $(HUMMINGBIRD_EXAMPLE)/Package.swift

# The man page and completion scripts come from argument-parser, from the command's own definitions.
man:
	$(SWIFT) package --allow-writing-to-package-directory generate-manual --configuration debug \
		--date "$$(git log -1 --format=%cs 2>/dev/null || date +%F)" --authors "htpass maintainers"
	cp .build/plugins/GenerateManual/outputs/htpass/htpass.1 Docs/htpass.1
	scripts/finish-manual.py Docs/htpass.1

completions:
	$(SWIFT) build --product htpass
	mkdir -p Docs/completions
	.build/debug/htpass completions bash > Docs/completions/htpass.bash
	.build/debug/htpass completions zsh > Docs/completions/_htpass
	.build/debug/htpass completions fish > Docs/completions/htpass.fish

BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR = $(PREFIX)/share/fish/vendor_completions.d

# The systemd unit goes to PREFIX/lib/systemd/system (systemd reads /usr/local/lib/systemd/system too), with
# ExecStart= pointing at BINDIR; it is not enabled.
install: release
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)" "$(DESTDIR)$(BASHCOMPDIR)" "$(DESTDIR)$(ZSHCOMPDIR)" "$(DESTDIR)$(FISHCOMPDIR)" \
		"$(DESTDIR)$(SYSTEMDDIR)"
	install -m 0755 "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/htpass" "$(DESTDIR)$(BINDIR)/htpass"
	install -m 0755 "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/htpass-serve" "$(DESTDIR)$(BINDIR)/htpass-serve"
	$(STRIP) "$(DESTDIR)$(BINDIR)/htpass" "$(DESTDIR)$(BINDIR)/htpass-serve"
	sed 's|/usr/bin/htpass-serve|$(BINDIR)/htpass-serve|' packaging/systemd/htpass-serve.service \
		> "$(DESTDIR)$(SYSTEMDDIR)/htpass-serve.service"
	chmod 0644 "$(DESTDIR)$(SYSTEMDDIR)/htpass-serve.service"
	install -m 0644 Docs/htpass.1 "$(DESTDIR)$(MANDIR)/htpass.1"
	install -m 0644 Docs/completions/htpass.bash "$(DESTDIR)$(BASHCOMPDIR)/htpass"
	install -m 0644 Docs/completions/_htpass "$(DESTDIR)$(ZSHCOMPDIR)/_htpass"
	install -m 0644 Docs/completions/htpass.fish "$(DESTDIR)$(FISHCOMPDIR)/htpass.fish"
	@if [ "$(WITH_HTPASSWD_LINK)" = 1 ]; then $(MAKE) --no-print-directory install-htpasswd-link; fi

# The name htpasswd, a symbolic link to htpass: Apache's command lines, without their traps
# (Docs/apache-compat.md). Opt-in only: in PREFIX/bin it comes before /usr/bin on PATH, so it shadows
# apache2-utils' htpasswd. An htpasswd that is not this link is never replaced or removed.
HTPASSWD_LINK = $(DESTDIR)$(BINDIR)/htpasswd

install-htpasswd-link:
	@[ -x "$(DESTDIR)$(BINDIR)/htpass" ] || { echo "no htpass in $(DESTDIR)$(BINDIR); run 'make install' first" >&2; exit 1; }
	@if [ -L "$(HTPASSWD_LINK)" ] && [ "$$(readlink "$(HTPASSWD_LINK)")" = htpass ]; then :; \
	elif [ -e "$(HTPASSWD_LINK)" ] || [ -L "$(HTPASSWD_LINK)" ]; then \
		echo "$(HTPASSWD_LINK) exists and is not a link to htpass; remove it first" >&2; exit 1; \
	else ln -s htpass "$(HTPASSWD_LINK)" && echo "installed $(HTPASSWD_LINK) -> htpass"; fi

uninstall-htpasswd-link:
	@if [ -L "$(HTPASSWD_LINK)" ] && [ "$$(readlink "$(HTPASSWD_LINK)")" = htpass ]; then \
		rm -f "$(HTPASSWD_LINK)" && echo "removed $(HTPASSWD_LINK)"; fi

uninstall: uninstall-htpasswd-link
	rm -f "$(DESTDIR)$(BINDIR)/htpass" "$(DESTDIR)$(BINDIR)/htpass-serve" "$(DESTDIR)$(MANDIR)/htpass.1" \
		"$(DESTDIR)$(BASHCOMPDIR)/htpass" "$(DESTDIR)$(ZSHCOMPDIR)/_htpass" "$(DESTDIR)$(FISHCOMPDIR)/htpass.fish" \
		"$(DESTDIR)$(SYSTEMDDIR)/htpass-serve.service"

.PHONY: bench-startup
bench-startup: release
	Benchmarks/startup.sh "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/htpass"

clean:
	rm -rf .build

# Benchmarks: each compares against Apache's htpasswd (or libxcrypt) in the same run and prints ratios.
.PHONY: bench bench-hash bench-files bench-auth bench-apply bench-ansible bench-serve mlflow-test
bench: bench-hash bench-files bench-startup bench-apply

bench-hash:
	$(SWIFT) run -c release --package-path Benchmarks hash-timing

bench-files: release
	./scripts/install-test-deps.sh --bench
	HTPASS="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/htpass" Benchmarks/file-edits.sh

# htpass apply on 1000 users: against 1000 htpasswd -bm calls, all cores against one, and a second run.
bench-apply: release
	HTPASS="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/htpass" Benchmarks/apply.sh

# htpass apply in an Ansible play against community.general.htpasswd (installs Debian's ansible, ~260 MB).
bench-ansible: release
	./scripts/install-test-deps.sh --ansible-compare
	HTPASS="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/htpass" Benchmarks/ansible-compare.sh

bench-auth: release
	./scripts/install-test-deps.sh --mlflow
	HTPASS="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/htpass" Benchmarks/auth-throughput/run.sh

# nginx auth_request -> htpass serve against auth_basic on the same file and no auth, in one run (wrk, nginx);
# htpass-serve's memory with 10,000 cached credentials; a password-guessing run (Benchmarks/serve-throughput.sh).
bench-serve: release
	./scripts/install-test-deps.sh --mlflow
	HTPASS_SERVE="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/htpass-serve" Benchmarks/serve-throughput.sh

# The MLflow + nginx + htpass serve example stack, end to end on 127.0.0.1 (downloads MLflow from PyPI once,
# ~850 MB).
mlflow-test:
	./scripts/install-test-deps.sh --mlflow
	$(SWIFT) build --product htpass
	$(SWIFT) build --product htpass-serve
	HTPASS="$$($(SWIFT) build --show-bin-path)/htpass" examples/mlflow-nginx/test-stack.sh

# Distribution: from the static release binaries (scripts/package.sh takes htpass-serve from next to htpass);
# VERSION is Htpass.version in Sources/htpass/Htpass.swift.
RELEASE_BIN = "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/htpass"

dist: release
	scripts/package.sh dist $(RELEASE_BIN)

deb: release
	scripts/package.sh deb $(RELEASE_BIN)

oci: release
	scripts/package.sh oci $(RELEASE_BIN)

# Installs the .deb files with apt-get (and removes them), runs the binary in an empty chroot and in the
# OCI image under runc: needs root. make test runs it as its own step, after the suites that use Apache's
# htpasswd (the htpass-htpasswd package diverts it while installed).
test-packaging:
	./scripts/install-test-deps.sh --packaging
	$(MAKE) dist deb oci
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter PackagingTests

# The real consumers of htpasswd files against htpass's targets (Tests/ConsumerTests). The servers come from
# scripts/install-server-deps.sh (Debian packages, plus nginx on musl and the Traefik oracle built into
# .build/oracles). Prints how long the suite took.
.PHONY: test-consumers test-consumers-slow
test-consumers: deps
	./scripts/install-server-deps.sh
	$(SWIFT) build --build-tests
	@start=$$(date +%s); status=0; \
	$(SWIFT) test --skip-build --filter ConsumerTests || status=$$?; \
	echo "test-consumers: $$(( $$(date +%s) - start )) s"; exit $$status

test-consumers-slow:
	HTPASS_CONSUMER_SLOW=1 $(MAKE) test-consumers

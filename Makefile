# htpass — build, test, install. `make help` lists the targets.
PREFIX ?= /usr/local
SWIFT ?= swift
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
RELEASE_FLAGS = -c release --static-swift-stdlib -Xswiftc -static-executable

.PHONY: help build release test deps lint format man completions install uninstall clean

help:
	@echo "make build      debug build"
	@echo "make release    optimised static executable (.build/release/htpass)"
	@echo "make test       install test dependencies if missing, then run the whole test suite"
	@echo "make lint       check formatting with swift format"
	@echo "make man        regenerate Docs/htpass.1"
	@echo "make bench      benchmarks against Apache's htpasswd and libxcrypt, as ratios"
	@echo "make mlflow-test  the MLflow + nginx example stack, end to end"
	@echo "make completions regenerate Docs/completions (bash, zsh, fish)"
	@echo "make install    install binary, man page and completions under PREFIX ($(PREFIX))"
	@echo "make uninstall  remove what make install installed"
	@echo "make bench-startup  start-up time of htpass against Apache's htpasswd (hyperfine)"
	@echo "make test-consumers  htpass's targets against the real servers (nginx, nginx on musl, Apache,"
	@echo "                     lighttpd, Traefik, the Docker registry); installs and builds them first"
	@echo "make test-consumers-slow  the same with bcrypt costs 17 to 20 (minutes per server)"

build:
	$(SWIFT) build

release:
	$(SWIFT) build $(RELEASE_FLAGS) --product htpass

deps:
	./scripts/install-test-deps.sh

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip ConsumerTests

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

# The man page and completion scripts come from argument-parser, from the command's own definitions.
man:
	$(SWIFT) package --allow-writing-to-package-directory generate-manual --configuration debug \
		--date "$$(git log -1 --format=%cs 2>/dev/null || date +%F)" --authors "htpass maintainers"
	cp .build/plugins/GenerateManual/outputs/htpass/htpass.1 Docs/htpass.1

completions:
	$(SWIFT) build --product htpass
	mkdir -p Docs/completions
	.build/debug/htpass --generate-completion-script bash > Docs/completions/htpass.bash
	.build/debug/htpass --generate-completion-script zsh > Docs/completions/_htpass
	.build/debug/htpass --generate-completion-script fish > Docs/completions/htpass.fish

BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR = $(PREFIX)/share/fish/vendor_completions.d

install: release
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)" "$(DESTDIR)$(BASHCOMPDIR)" "$(DESTDIR)$(ZSHCOMPDIR)" "$(DESTDIR)$(FISHCOMPDIR)"
	install -m 0755 "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/htpass" "$(DESTDIR)$(BINDIR)/htpass"
	install -m 0644 Docs/htpass.1 "$(DESTDIR)$(MANDIR)/htpass.1"
	install -m 0644 Docs/completions/htpass.bash "$(DESTDIR)$(BASHCOMPDIR)/htpass"
	install -m 0644 Docs/completions/_htpass "$(DESTDIR)$(ZSHCOMPDIR)/_htpass"
	install -m 0644 Docs/completions/htpass.fish "$(DESTDIR)$(FISHCOMPDIR)/htpass.fish"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/htpass" "$(DESTDIR)$(MANDIR)/htpass.1" "$(DESTDIR)$(BASHCOMPDIR)/htpass" \
		"$(DESTDIR)$(ZSHCOMPDIR)/_htpass" "$(DESTDIR)$(FISHCOMPDIR)/htpass.fish"

.PHONY: bench-startup
bench-startup: release
	Benchmarks/startup.sh "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/htpass"

clean:
	rm -rf .build

# Benchmarks: each compares against Apache's htpasswd (or libxcrypt) in the same run and prints ratios.
.PHONY: bench bench-hash bench-files bench-auth mlflow-test
bench: bench-hash bench-files bench-startup

bench-hash:
	$(SWIFT) run -c release --package-path Benchmarks hash-timing

bench-files: release
	HTPASS="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/htpass" Benchmarks/file-edits.sh

bench-auth: release
	./scripts/install-test-deps.sh --mlflow
	HTPASS="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/htpass" Benchmarks/auth-throughput/run.sh

# The MLflow + nginx example stack, end to end on 127.0.0.1 (downloads MLflow from PyPI once, ~850 MB).
mlflow-test:
	./scripts/install-test-deps.sh --mlflow
	$(SWIFT) build --product htpass
	HTPASS="$$($(SWIFT) build --show-bin-path)/htpass" examples/mlflow-nginx/test-stack.sh

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

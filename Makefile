# htpass — build, test, install. `make help` lists the targets.
PREFIX ?= /usr/local
SWIFT ?= swift
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
RELEASE_FLAGS = -c release --static-swift-stdlib

.PHONY: help build release test deps lint format man completions install uninstall bench clean

help:
	@echo "make build      debug build"
	@echo "make release    optimised build with the Swift runtime linked in (.build/release/htpass)"
	@echo "make test       install test dependencies if missing, then run the whole test suite"
	@echo "make lint       check formatting with swift format"
	@echo "make man        regenerate Docs/htpass.1"
	@echo "make bench      benchmarks against Apache's htpasswd"
	@echo "make install    install binary, man page and completions under PREFIX ($(PREFIX))"

build:
	$(SWIFT) build

release:
	$(SWIFT) build $(RELEASE_FLAGS) --product htpass

deps:
	./scripts/install-test-deps.sh

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

clean:
	rm -rf .build

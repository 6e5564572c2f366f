# Two commands do all the set-up on a fresh machine of this kind (Debian 12, Rust via rustup, Node 20):
#   make run    build and run the product on SQLite with demo data
#   make test   run every test tier (unit, database, HTTP, browser); fails if any fails
# Each installs what it needs and is missing, and skips what is already there.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

# Builds are large (several GB) and slow on two cores: keep them outside the clone so a fresh
# clone (CI's, or a second checkout) reuses them.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/jieshui/target
CARGO_LEPTOS_VERSION := 0.3.10
# The wasm-bindgen CLI must match the crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
# npm's binaryen (wasm-opt 132) must come first: Debian's older wasm-opt breaks hydration.
export PATH := $(CURDIR)/tests/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
SERVER_BIN := $(CARGO_TARGET_DIR)/release/jieshui-server
SITE_ROOT := $(CURDIR)/target/site
APT_GET := $(shell command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && echo sudo) apt-get

.PHONY: run test tools npm browser-deps build test-rust test-browser lint size clean-data

run: build ## Build, seed the demo data, and serve on http://127.0.0.1:3000
	@mkdir -p data
	JIESHUI_DEMO=1 JIESHUI_SITE_ROOT=$(SITE_ROOT) $(SERVER_BIN)

test: tools browser-deps lint test-rust build test-browser ## Every test tier
	@echo "make test: all tiers passed"

tools: npm
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)" \
		|| cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" \
		|| cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force

# npm packages from the committed lock file; reinstalled only when the lock file changes.
npm: tests/node_modules/.installed
tests/node_modules/.installed: tests/package-lock.json
	cd tests && npm ci --no-audit --no-fund
	@touch $@

browser-deps:
	@{ [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; } \
		|| { $(APT_GET) update && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y --no-install-recommends chromium fonts-noto-cjk; }

# The islands bundle (cargo-leptos), then the check page's own script: its domain module built from
# the same crate without the UI (`--features phone`), bound for the browser and shrunk, beside
# `visit.js` (see README, "Bundle budget").
PHONE_WASM := $(CARGO_TARGET_DIR)/wasm32-unknown-unknown/phone-release/jieshui_app.wasm
WASM_OPT_FEATURES := --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
	--enable-mutable-globals --enable-reference-types --enable-multivalue
build: tools
	cargo leptos build --release
	cargo build -p jieshui-app --lib --target wasm32-unknown-unknown --profile phone-release \
		--no-default-features --features phone
	wasm-bindgen --target web --no-typescript --out-dir $(SITE_ROOT)/pkg --out-name phone $(PHONE_WASM)
	wasm-opt -Oz $(WASM_OPT_FEATURES) $(SITE_ROOT)/pkg/phone_bg.wasm -o $(SITE_ROOT)/pkg/phone_bg.wasm
	cp app/phone/capture.js app/phone/visit.js app/phone/audit.js $(SITE_ROOT)/pkg/
	@node tests/bundle_size.js $(SITE_ROOT) --write

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p jieshui-app --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings
	cargo clippy -p jieshui-app --target wasm32-unknown-unknown --no-default-features --features phone -- -D warnings
	for f in app/phone/*.js; do node --experimental-default-type=module --check $$f; done

test-rust:
	cargo test --workspace

test-browser:
	cd tests && JIESHUI_SERVER_BIN=$(SERVER_BIN) JIESHUI_SITE_ROOT=$(SITE_ROOT) npx playwright test

# Brotli size of the JS + WASM a phone downloads (release build); `build` prints it too.
size: build

clean-data:
	rm -rf data

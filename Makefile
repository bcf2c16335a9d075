# Lectern — local development entry points. Everything runs on loopback;
# state lives in .data/ (LECTERN_DATA_DIR). See deploy/local/*.sh.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

LOCAL := deploy/local
BIN   := bin/lectern

.PHONY: all deps deps-test deps-bench player build up down run status test e2e bench lint

all: build

## deps: install what is missing (apt packages, MinIO, npm deps of player/ and e2e/)
deps:
	$(LOCAL)/install.sh

deps-test:
	$(LOCAL)/install.sh --test

deps-bench:
	$(LOCAL)/install.sh --bench

## player: build the browser player when its sources changed
ifeq ($(wildcard player/package.json),)
player:
	@echo "player: no player/package.json yet; skipping the player build"
else
PLAYER_INPUTS := $(shell find player/src -type f 2>/dev/null) $(wildcard player/package.json player/package-lock.json player/*.mjs player/*.js)
player: player/dist/watch.html

player/dist/watch.html: $(PLAYER_INPUTS)
	cd player && \
	  if [ ! -d node_modules ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then \
	    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi; \
	  fi && \
	  npm run build
	@if [ -f $@ ]; then touch $@; else echo "warning: the player build did not produce $@" >&2; fi
endif

## build: player + bin/lectern
build: player
	go build -o $(BIN) ./cmd/lectern

## up: start PostgreSQL, Redis, MinIO, nginx, migrate, start the API in the background
up: deps build
	$(LOCAL)/up.sh
	$(LOCAL)/start-api.sh
	@bash -c '. $(LOCAL)/lib.sh; . $(LOCAL)/services.sh; print_urls; echo "  Stop with: make down"'

## down: stop everything started from .data (data is kept)
down:
	$(LOCAL)/down.sh

status:
	@$(LOCAL)/status.sh

## run: like up, but the API + worker run in the foreground; Ctrl-C stops everything
run: deps build
	$(LOCAL)/run.sh

## test: stack + API up, go vet, go test -race (LECTERN_INTEGRATION=1), e2e
test: deps-test build
	$(LOCAL)/test.sh

e2e:
	$(LOCAL)/e2e.sh

bench: deps-bench build
	$(LOCAL)/bench.sh

lint:
	@files="$$(find . \( -path ./.git -o -path ./.data -o -path ./bin -o -name node_modules \) -prune -o -name '*.go' -print0 | xargs -0 -r gofmt -l)"; \
	if [ -n "$$files" ]; then echo "gofmt -l reports unformatted files:"; echo "$$files"; exit 1; fi
	go vet ./...

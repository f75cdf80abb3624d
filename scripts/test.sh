#!/usr/bin/env bash
# scripts/test.sh: the whole test suite, as CI runs it. It sets up what the
# tests need (npm packages for the independent MCP client, a throwaway
# PostgreSQL server on 127.0.0.1) and stops it again at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
modules=(lockcore taskstore cli mcpserver testharness)

step() { printf '\n==> %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l "${modules[@]}")
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi

step "go vet"
for m in "${modules[@]}"; do (cd "$m" && go vet ./...); done

for setup in scripts/test.d/*.sh; do
	[ -e "$setup" ] || continue
	step "setup: $setup"
	# shellcheck source=/dev/null
	source "$setup"
done

step "go test -race"
for m in "${modules[@]}"; do
	(cd "$m" && go test -race -count=1 -timeout 10m ./...)
done

step "per-module build with GOWORK=off"
for m in "${modules[@]}"; do
	(cd "$m" && GOWORK=off go build ./... && GOWORK=off go vet ./...)
done

step "ok"

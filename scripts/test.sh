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

# Setup scripts in scripts/test.d are sourced in order; one that starts
# something registers its teardown with on_exit.
cleanups=()
on_exit() { cleanups+=("$1"); }
run_cleanups() {
	local i
	for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[i]}" || true; done
}
trap run_cleanups EXIT

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

step "per-module build, vet and tidy with GOWORK=off"
scripts/check.sh

step "release check: a throwaway release of HEAD, installed from outside the repository, offline"
scripts/release-check.sh

step "ok"

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
# -parallel 8: cli's scripts (testscript runs each as a parallel subtest)
# spend most of their time waiting for the astro processes they start, so
# eight at once keep two cores busy; tests without t.Parallel are not
# affected.
for m in "${modules[@]}"; do
	(cd "$m" && go test -race -count=1 -parallel 8 -timeout 10m ./...)
done

step "go test for windows/amd64 under Wine"
# scripts/wine/README.md: the suites built for Windows, run by Wine 8 (no
# -race: it needs cgo), one after the other (at once they take longer on
# two cores, and timing tests fail). mcpserver's end-to-end tests run astro
# and astrotask-mcp, which a Windows test binary cannot build (there is no
# go under Wine): they are built for Windows here. What Wine cannot show
# (mandatory byte-range locks, console Ctrl-Break to a process group,
# symlinks and junctions, git and Node.js for Windows) is skipped by name,
# with the reason, listed below; those tests run natively on windows-latest
# in .github/workflows/ci.yml. (cli's scripts that spell paths the Unix way,
# init, where, location and worktrees, are skipped on Windows itself too.)
wine_bin=$(mktemp -d)
on_exit "rm -rf $wine_bin"
CGO_ENABLED=0 GOOS=windows GOARCH=amd64 go build -o "$wine_bin/" ./cli/cmd/astro ./mcpserver/cmd/astrotask-mcp
for m in lockcore taskstore cli mcpserver; do
	if ! ASTROTASK_TEST_ASTRO_BINARY="$wine_bin/astro.exe" ASTROTASK_TEST_MCP_BINARY="$wine_bin/astrotask-mcp.exe" \
		scripts/wine/test.sh "$m" -v ./... >"$wine_bin/$m.log" 2>&1; then
		cat "$wine_bin/$m.log"
		exit 1
	fi
	grep -E '^ok\s' "$wine_bin/$m.log"
	grep -E '^ *--- SKIP' "$wine_bin/$m.log" || true
	grep -E '^ +[A-Za-z0-9_]+\.go:[0-9]+: .*(Wine|windows-latest)' "$wine_bin/$m.log" | sed 's/^ */    /' | sort -u || true
done

step "per-module build, vet and tidy with GOWORK=off"
scripts/check.sh

step "release check: a throwaway release of HEAD, installed from outside the repository, offline"
scripts/release-check.sh

step "ok"

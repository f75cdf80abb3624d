#!/usr/bin/env bash
# scripts/bench.sh: lockbench, the lock measured with real processes. Prints
# a Markdown table (every figure next to a baseline from the same run) and
# writes it, with the JSON report, to testharness/.cache/ (or $LOCKBENCH_OUT).
#
# The reference TypeScript lock (@astrotask/core 0.4.0, pinned by
# testharness/peer/package-lock.json) is installed with npm into
# ${XDG_CACHE_HOME:-~/.cache}/astrotask-lockbench and measured side by side.
# Without node and npm the script says so and measures the rest.
#
# Extra arguments go to lockbench (see `go run ./testharness/cmd/lockbench -h`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${LOCKBENCH_OUT:-$root/testharness/.cache}
peer_dir=${XDG_CACHE_HOME:-$HOME/.cache}/astrotask-lockbench
mkdir -p "$out"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT

echo "==> building lockbench, astro and astrotask-mcp" >&2
(cd testharness && go build -o "$bin/lockbench" ./cmd/lockbench)
(cd cli && go build -o "$bin/astro" ./cmd/astro)
(cd mcpserver && go build -o "$bin/astrotask-mcp" ./cmd/astrotask-mcp)

if command -v node >/dev/null && command -v npm >/dev/null; then
	if ! cmp -s testharness/peer/package-lock.json "$peer_dir/package-lock.json" ||
		[ ! -e "$peer_dir/node_modules/@astrotask/core/package.json" ]; then
		echo "==> installing @astrotask/core 0.4.0 into $peer_dir" >&2
		mkdir -p "$peer_dir"
		cp testharness/peer/package.json testharness/peer/package-lock.json "$peer_dir/"
		# npm install, not npm ci: npm ci rejects this lockfile for the
		# other platforms' optional @libsql binaries it does not list; with
		# the lockfile present npm install installs exactly the locked tree.
		(cd "$peer_dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
	fi
else
	echo "==> node or npm not found: the reference implementation will not be measured" >&2
fi

echo "==> running lockbench" >&2
"$bin/lockbench" --peer --peer-dir "$peer_dir" --astro "$bin/astro" --mcp "$bin/astrotask-mcp" \
	--json "$out/lockbench.json" "$@" | tee "$out/lockbench.md"

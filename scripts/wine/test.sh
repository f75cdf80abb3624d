#!/usr/bin/env bash
# scripts/wine/test.sh MODULE [GO TEST ARGS...]: runs a module's tests built
# for windows/amd64 under Wine on this Linux machine:
#
#   GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go test -exec go-wine-exec -count=1 ...
#
# MODULE is a directory (lockcore, or a path); the remaining arguments go to
# go test and default to ./... (give the packages too when you add flags:
# `test.sh lockcore -run Lock -v ./...`). No -race: the race detector needs cgo,
# which a cross-compiled Windows test binary does not have.
#
# scripts/test.d/50-wine.sh sets the Wine environment up for scripts/test.sh;
# run alone, this script runs setup.sh itself and stops the wineserver it
# started when it ends.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 1 ]; then
	echo "usage: $0 MODULE [GO TEST ARGS...]" >&2
	exit 2
fi
module=$1
shift
[ $# -gt 0 ] || set -- ./...

if [ -z "${ASTROTASK_GO_WINE_EXEC:-}" ]; then
	wine_env=$("$here/setup.sh" --env)
	eval "$wine_env"
	if [ "$ASTROTASK_WINESERVER_STARTED" = 1 ]; then
		trap 'wineserver -k' EXIT
	fi
fi

cd "$module"
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go test -exec "$ASTROTASK_GO_WINE_EXEC" -count=1 -timeout 10m "$@"

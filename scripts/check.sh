#!/usr/bin/env bash
# scripts/check.sh: proves that every module stands alone. With GOWORK=off each
# module builds, vets, and is tidy (go.mod and go.sum need no change), using
# only its `replace => ../x` directives for the sibling modules.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for m in lockcore taskstore cli mcpserver testharness; do
	printf '%-12s ' "$m"
	if (cd "$m" && GOWORK=off go build ./... && GOWORK=off go vet ./... && GOWORK=off go mod tidy -diff >/dev/null); then
		echo ok
	else
		echo "FAILED (GOWORK=off build, vet or go mod tidy -diff)"
		status=1
	fi
done
exit $status

#!/usr/bin/env bash
# scripts/check.sh: proves that every module stands alone. With GOWORK=off each
# module builds, vets, and is tidy (go.mod and go.sum need no change), using
# only its `replace => ../x` directives for the sibling modules. Then
# staticcheck, at a pinned version, must find nothing in any module.
set -euo pipefail
cd "$(dirname "$0")/.."

# staticcheck is installed with `go install` into GOPATH's bin, unless the
# binary there is already this version built by this Go toolchain.
staticcheck_version=0.8.2
staticcheck="$(go env GOPATH | cut -d: -f1)/bin/staticcheck"
if ! "$staticcheck" -version 2>/dev/null | grep -qF "($staticcheck_version)" ||
	[ "$(go version "$staticcheck" | awk '{print $2}')" != "$(go env GOVERSION)" ]; then
	echo "installing staticcheck v$staticcheck_version"
	GOBIN="$(dirname "$staticcheck")" go install "honnef.co/go/tools/cmd/staticcheck@v$staticcheck_version"
fi

status=0
for m in lockcore taskstore cli mcpserver testharness; do
	printf '%-12s ' "$m"
	if ! (cd "$m" && GOWORK=off go build ./... && GOWORK=off go vet ./... && GOWORK=off go mod tidy -diff >/dev/null); then
		echo "FAILED (GOWORK=off build, vet or go mod tidy -diff)"
		status=1
	elif ! (cd "$m" && GOWORK=off "$staticcheck" ./...); then
		echo "FAILED (staticcheck)"
		status=1
	else
		echo ok
	fi
done
exit $status

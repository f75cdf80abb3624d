#!/usr/bin/env bash
# scripts/release.sh [--dry-run] [--push] VERSION
#
# Releases the published modules of this repository at VERSION (vX.Y.Z), in
# dependency order, the way the Go documentation describes for a repository
# with several modules: each module is tagged with its directory as prefix.
#
#   lockcore/vX.Y.Z
#   taskstore/vX.Y.Z   (go.mod requires lockcore vX.Y.Z)
#   cli/vX.Y.Z         (requires lockcore and taskstore vX.Y.Z)
#   mcpserver/vX.Y.Z   (requires lockcore and taskstore vX.Y.Z)
#
# The `replace => ../x` directives stay: they apply only when a module is the
# main module, so local builds keep using the sibling directories while other
# projects resolve the tagged versions. testharness is not published.
#
# --dry-run prints every command instead of running it; --push pushes the
# release commits and tags to origin at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

dry=0 push=0 version=
for arg in "$@"; do
	case "$arg" in
	--dry-run) dry=1 ;;
	--push) push=1 ;;
	-h | --help) sed -n '2,20p' "$0"; exit 0 ;;
	-*) echo "release: unknown flag $arg" >&2; exit 2 ;;
	*) version=$arg ;;
	esac
done
if ! [[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
	echo "release: usage: scripts/release.sh [--dry-run] [--push] vX.Y.Z" >&2
	exit 2
fi

prefix=github.com/astrotask/astrotask-go
run() {
	if [ "$dry" = 1 ]; then printf '+ %s\n' "$*"; else "$@"; fi
}

if [ "$dry" = 0 ] && [ -n "$(git status --porcelain)" ]; then
	echo "release: the working tree has uncommitted changes; commit or stash them first" >&2
	exit 1
fi
for m in lockcore taskstore cli mcpserver; do
	if git rev-parse -q --verify "refs/tags/$m/$version" >/dev/null; then
		echo "release: tag $m/$version already exists" >&2
		exit 1
	fi
done

# require_siblings MODULE DEP... : point MODULE's go.mod at DEP@version.
require_siblings() {
	local m=$1
	shift
	local args=()
	for dep in "$@"; do args+=("-require=$prefix/$dep@$version"); done
	run go mod edit "${args[@]}" "$m/go.mod"
}

release() {
	local m=$1
	shift
	if [ $# -gt 0 ]; then
		require_siblings "$m" "$@"
		run git commit -q -m "$m: require $* at $version" -- "$m/go.mod"
	fi
	run git tag -a "$m/$version" -m "$m $version"
	echo "tagged $m/$version"
}

release lockcore
release taskstore lockcore
release cli lockcore taskstore
release mcpserver lockcore taskstore

if [ "$push" = 1 ]; then
	run git push origin HEAD "lockcore/$version" "taskstore/$version" "cli/$version" "mcpserver/$version"
else
	echo "to publish: git push origin HEAD lockcore/$version taskstore/$version cli/$version mcpserver/$version"
fi

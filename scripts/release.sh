#!/usr/bin/env bash
# scripts/release.sh [--dry-run] [--push] VERSION
#
# Releases the published modules of this repository at VERSION (vX.Y.Z, or a
# pre-release such as v0.1.0-rc.1), in dependency order, each tagged with its
# directory as prefix:
#
#   lockcore/VERSION    HEAD itself: lockcore has no sibling dependencies
#   taskstore/VERSION   a release commit whose go.mod requires lockcore VERSION
#   cli/VERSION         a release commit: requires lockcore and taskstore VERSION
#   mcpserver/VERSION   a release commit: requires lockcore and taskstore VERSION
#
# `go install pkg@version` refuses a module whose go.mod has a replace
# directive, so a released go.mod has none. On main each go.mod keeps its
# `replace => ../x` lines (scripts/check.sh builds every module alone with
# them); the release commits, which drop them, are made one on top of the
# other on a detached HEAD in a temporary worktree. Your branch and working
# tree do not change; the tags keep the release commits. testharness is not
# released.
#
# Each release commit's go.sum comes from `go mod tidy`, which needs the
# module hashes of the sibling tags just made. Go fetches them from this
# repository itself (git url.<this repo>.insteadOf
# https://github.com/astrotask/astrotask-go, GOPRIVATE for our modules) into
# a temporary module cache, and everything else from the local module cache
# (GOPROXY=file://...), which `go mod tidy -diff` on HEAD fills first.
#
# It refuses, with one line and before changing anything: a malformed
# VERSION, a major version above 1 (that needs /vN module paths), a tag that
# exists already (here, or on origin with --push), uncommitted changes, a
# module that is not tidy at HEAD, no git identity. If a later step fails, the
# tags made so far are deleted again.
#
#   --dry-run  checks all that, then prints what it would do; changes nothing
#   --push     pushes the tags, and with them the release commits, to origin:
#              lockcore, taskstore and mcpserver in one atomic push, then cli
#              alone, which starts the release workflow (GitHub creates no
#              push events when more than three tags arrive at once)
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=github.com/astrotask/astrotask-go
modules=(lockcore taskstore cli mcpserver)

die() {
	echo "release: $*" >&2
	exit 1
}

dry=0 push=0 version=
for arg in "$@"; do
	case "$arg" in
	--dry-run) dry=1 ;;
	--push) push=1 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "release: unknown flag $arg (usage: scripts/release.sh [--dry-run] [--push] vX.Y.Z)" >&2; exit 2 ;;
	*)
		[ -z "$version" ] || { echo "release: more than one version given: $version $arg" >&2; exit 2; }
		version=$arg
		;;
	esac
done
num='(0|[1-9][0-9]*)'
ident='[0-9A-Za-z-]+'
if [ -z "$version" ]; then
	echo "release: no version given (usage: scripts/release.sh [--dry-run] [--push] vX.Y.Z)" >&2
	exit 2
elif ! [[ $version =~ ^v$num\.$num\.$num(-$ident(\.$ident)*)?$ ]]; then
	echo "release: $version is not a version like v1.2.3 or v1.2.3-rc.1" >&2
	exit 2
elif [[ $version =~ ^[^-]*-(.*\.)?0[0-9]+(\.|$) ]]; then
	echo "release: $version: a numeric pre-release part must not start with 0" >&2
	exit 2
elif ! [[ $version =~ ^v[01]\. ]]; then
	echo "release: $version: major versions above 1 need /vN module paths, which these modules do not have" >&2
	exit 2
fi
tags=()
for m in "${modules[@]}"; do tags+=("$m/$version"); done

# Checks. None of them changes anything.
git rev-parse -q --verify HEAD >/dev/null || die "no commit to release (HEAD does not exist)"
[ -z "$(git status --porcelain)" ] || die "the working tree has uncommitted or untracked changes; commit or stash them first"
for tag in "${tags[@]}"; do
	! git rev-parse -q --verify "refs/tags/$tag" >/dev/null || die "tag $tag already exists"
done
git var GIT_COMMITTER_IDENT >/dev/null 2>&1 || die "git has no identity for the release commits and tags; set user.name and user.email"
if [ "$push" = 1 ]; then
	remote_tags=$(git ls-remote --tags origin) || die "cannot list the tags of origin (git ls-remote --tags origin failed)"
	for tag in "${tags[@]}"; do
		! cut -f2 <<<"$remote_tags" | grep -qxF "refs/tags/$tag" || die "origin already has tag $tag"
	done
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/astrotask-release.XXXXXX")
wt=$tmp/worktree
made=()
# finish deletes the tags made so far if the release fails (the release
# commits are then unreachable and git forgets them), and the worktree.
finish() {
	local status=$?
	if [ "$status" != 0 ] && [ "${#made[@]}" -gt 0 ]; then
		git tag -d "${made[@]}" >/dev/null
		echo "release: failed; deleted the tags made so far (${made[*]}); nothing else changed" >&2
	elif [ "$status" != 0 ] && [ -d "$wt" ]; then
		echo "release: failed; no tag was made; nothing changed" >&2
	fi
	if [ -d "$wt" ]; then git worktree remove --force "$wt" || true; fi
	chmod -R u+w "$tmp" 2>/dev/null || true
	rm -rf "$tmp"
	exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

# Every module must be tidy at HEAD; this also fills the local module cache
# with what the offline `go mod tidy` of the release commits needs.
for m in "${modules[@]}"; do
	diff=$(cd "$m" && GOWORK=off GOFLAGS=-mod=mod go mod tidy -diff 2>"$tmp/tidy.err") && continue
	[ -z "$diff" ] || die "$m/go.mod or go.sum is not tidy at HEAD; run (cd $m && GOWORK=off go mod tidy), commit, and try again"
	cat "$tmp/tidy.err" >&2
	die "cannot load the dependencies of $m (GOWORK=off go mod tidy -diff, output above)"
done

base=$(git rev-parse --short HEAD)
modcache=$(go env GOMODCACHE)
gitdir=$(cd "$(git rev-parse --git-common-dir)" && pwd)
if [ "$dry" = 1 ]; then
	echo "release $version from HEAD ($base), dry run: nothing below is done"
	echo "(go runs with GOWORK=off GOMODCACHE=TMP/modcache GOPROXY=file://$modcache/cache/download GOPRIVATE=$prefix"
	echo " and git url.$gitdir.insteadOf=https://$prefix, so our modules come from this repository's tags)"
	echo "+ git worktree add --detach TMP/worktree HEAD"
	echo "+ git tag -a lockcore/$version -m 'lockcore $version' HEAD"
	for m in taskstore cli mcpserver; do
		deps=(lockcore)
		[ "$m" = taskstore ] || deps+=(taskstore)
		for d in "${deps[@]}"; do
			echo "+ (cd TMP/worktree/$m && go mod edit -dropreplace=$prefix/$d -require=$prefix/$d@$version)"
		done
		echo "+ (cd TMP/worktree/$m && go mod tidy)"
		echo "+ git commit -m '$m: release $version: ...' -- $m/go.mod $m/go.sum"
		echo "+ git tag -a $m/$version -m '$m $version'"
	done
	echo "+ git worktree remove TMP/worktree"
	if [ "$push" = 1 ]; then
		echo "+ git push --atomic origin lockcore/$version taskstore/$version mcpserver/$version"
		echo "+ git push origin cli/$version"
	fi
	exit 0
fi

git worktree add -q --detach "$wt" HEAD

# relgo runs go in the worktree's module $1 offline: our modules from this
# repository's tags, third-party modules from the local module cache.
n=${GIT_CONFIG_COUNT:-0}
relgo() {
	local m=$1
	shift
	(cd "$wt/$m" && env GOWORK=off GOFLAGS="-mod=mod -modcacherw" \
		GOMODCACHE="$tmp/modcache" GOPROXY="file://$modcache/cache/download" \
		GOPRIVATE="$prefix" GONOPROXY="$prefix" GONOSUMDB="$prefix" GOVCS="$prefix:git" \
		GIT_CONFIG_COUNT=$((n + 1)) "GIT_CONFIG_KEY_$n=url.$gitdir.insteadOf" "GIT_CONFIG_VALUE_$n=https://$prefix" \
		go "$@")
}

tag() {
	local m=$1
	git -C "$wt" tag -a "$m/$version" -m "$m $version"
	made+=("$m/$version")
	echo "tagged $m/$version at $(git rev-parse --short "$m/$version^{commit}")"
}

# release MODULE DEP...: the release commit of MODULE, requiring DEP...@version
# instead of replacing them, then its tag.
release() {
	local m=$1 d args=()
	shift
	for d in "$@"; do args+=("-dropreplace=$prefix/$d" "-require=$prefix/$d@$version"); done
	relgo "$m" mod edit "${args[@]}"
	if ! relgo "$m" mod tidy 2>"$tmp/tidy.err"; then
		grep -v '^go: downloading' "$tmp/tidy.err" >&2 || true
		die "go mod tidy failed for the release commit of $m (output above)"
	fi
	! grep -Eq '^[[:space:]]*replace([[:space:]]|\(|$)' "$wt/$m/go.mod" || die "$m/go.mod still has a replace directive; a released go.mod must have none"
	git -C "$wt" add -- "$m/go.mod" "$m/go.sum"
	git -C "$wt" commit -q -m "$m: release $version: require $* at $version, no replace directives" -- "$m/go.mod" "$m/go.sum"
	tag "$m"
}

echo "release $version from HEAD ($base)"
tag lockcore
release taskstore lockcore
release cli lockcore taskstore
release mcpserver lockcore taskstore

if [ "$push" = 1 ]; then
	if ! git push -q --atomic origin "refs/tags/lockcore/$version" "refs/tags/taskstore/$version" "refs/tags/mcpserver/$version" ||
		! git push -q origin "refs/tags/cli/$version"; then
		made=() # the tags are complete; only publishing failed
		die "push failed; the tags are made here; to retry: git push --atomic origin lockcore/$version taskstore/$version mcpserver/$version && git push origin cli/$version"
	fi
	echo "pushed ${tags[*]} to origin"
else
	echo "to publish: git push --atomic origin lockcore/$version taskstore/$version mcpserver/$version && git push origin cli/$version"
fi

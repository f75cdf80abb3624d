#!/usr/bin/env bash
# scripts/release-check.sh: proves, without the network, that a release made
# by scripts/release.sh works for someone outside this repository.
#
# It copies HEAD (committed work only) into a throwaway "origin" repository,
# clones that, checks that release.sh refuses bad input and that --dry-run
# changes nothing, then runs `scripts/release.sh --push` at a throwaway
# version (v0.0.0-check.<time>.<pid>). Go is then pointed at the origin with
# git's url.<origin>.insteadOf https://github.com/astrotask/astrotask-go
# (GOPRIVATE for our modules) and at the local module cache for every other
# module (GOPROXY=file://...), and in a fresh consumer module it runs what a
# user would: `go get` of lockcore and taskstore, `go build` and a run of a
# program that uses both, `go install` of astro, task-master and
# astrotask-mcp, and runs of the installed binaries (astro adds and lists a
# task; astrotask-mcp lists it over MCP on stdio).
#
# Third-party modules must be in the module cache: release.sh's own check
# (`go mod tidy -diff` in every module, with your GOPROXY) fills it. The
# consumer uses your module cache, so that it reuses the build cache of the
# tests; the throwaway version is removed from the module cache at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
prefix=github.com/astrotask/astrotask-go
modules=(lockcore taskstore cli mcpserver)
version=v0.0.0-check.$(date +%s).$$
title="Released task $$"

say() { printf 'release-check: %s\n' "$*"; }
fail() {
	echo "release-check: FAIL: $*" >&2
	exit 1
}

# quietly runs a command and shows its output only if it fails.
quietly() {
	"$@" >"$tmp/cmd.out" 2>&1 && return
	grep -v '^go: downloading' "$tmp/cmd.out" >&2 || true
	fail "$* failed (output above)"
}

start=$SECONDS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/astrotask-release-check.XXXXXX")
modcache=$(go env GOMODCACHE)
sha256() { if command -v sha256sum >/dev/null; then sha256sum; else shasum -a 256; fi; }
vcsdir=$modcache/cache/vcs/$(printf 'git3:https://%s' "$prefix" | sha256 | cut -d' ' -f1)
# The throwaway version's files go at the end. So does the VCS cache of our
# repository if this run made it, unless another release-check is running
# (they share it); it is only a cache.
own_vcs=0
[ -e "$vcsdir" ] || own_vcs=1
# only_list DIR: DIR holds nothing but perhaps go's list file.
only_list() {
	local f
	for f in "$1"/*; do [ ! -e "$f" ] || [ "${f##*/}" = list ] || return 1; done
}
# alone: no other release-check has a temporary directory.
alone() {
	local d
	for d in "${TMPDIR:-/tmp}"/astrotask-release-check.*; do
		[ ! -e "$d" ] || [ "${d##*/}" = "${tmp##*/}" ] || return 1
	done
}
mcp_pid=
cleanup() {
	local status=$? m d
	if [ -n "$mcp_pid" ]; then kill "$mcp_pid" 2>/dev/null || true; fi
	for m in "${modules[@]}"; do
		rm -rf "$modcache/$prefix/$m@$version" "$modcache/cache/download/$prefix/$m/@v/$version".*
		d=$modcache/cache/download/$prefix/$m/@v
		if only_list "$d"; then rm -f "$d/list"; fi
		rmdir "$d" "${d%/@v}" 2>/dev/null || true
	done
	rmdir "$modcache/$prefix" "$modcache/github.com/astrotask" \
		"$modcache/cache/download/$prefix" "$modcache/cache/download/github.com/astrotask" 2>/dev/null || true
	if [ "$own_vcs" = 1 ] && alone; then
		chmod -R u+w "$vcsdir" 2>/dev/null || true
		rm -rf "$vcsdir" "$vcsdir.info" "$vcsdir.lock"
	fi
	chmod -R u+w "$tmp" 2>/dev/null || true
	rm -rf "$tmp"
	[ "$status" = 0 ] || echo "release-check: failed after $((SECONDS - start))s" >&2
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The origin: a bare repository whose main is this repository's HEAD.
origin=$tmp/origin.git
work=$tmp/work
git init -q --bare "$origin"
git -C "$origin" fetch -q --update-shallow "$root" "+HEAD:refs/heads/main"
git -C "$origin" symbolic-ref HEAD refs/heads/main
git clone -q "$origin" "$work"
git -C "$work" config user.name "release-check"
git -C "$work" config user.email "release-check@example.invalid"
head=$(git -C "$work" rev-parse HEAD)
say "testing HEAD $(git -C "$work" rev-parse --short HEAD) at $version (uncommitted changes are not part of it)"

# expect_refusal WANT_STATUS WANT_TEXT ARG...: release.sh must exit with
# WANT_STATUS and one line of stderr containing WANT_TEXT.
expect_refusal() {
	local want=$1 text=$2 status=0
	shift 2
	(cd "$work" && scripts/release.sh "$@") >"$tmp/out" 2>"$tmp/err" || status=$?
	[ "$status" = "$want" ] || fail "release.sh $*: exit $status, want $want; stderr: $(cat "$tmp/err")"
	if [ "$(grep -c '' "$tmp/err")" != 1 ] || ! grep -qF -- "$text" "$tmp/err"; then
		fail "release.sh $*: stderr is not one line with \"$text\": $(cat "$tmp/err")"
	fi
	say "refused as it should: release.sh $* -> $(cat "$tmp/err")"
}
state() { git -C "$work" for-each-ref; git -C "$work" status --porcelain; git -C "$work" worktree list; git -C "$origin" for-each-ref; }

expect_refusal 2 "not a version" v1.2
expect_refusal 2 "not a version" 0.1.0
expect_refusal 2 "major versions above 1" v2.0.0
touch "$work/stray"
expect_refusal 1 "uncommitted" "$version"
rm "$work/stray"
before=$(state)
(cd "$work" && scripts/release.sh --dry-run --push "$version") >"$tmp/out" || fail "release.sh --dry-run: $(cat "$tmp/out")"
[ "$(state)" = "$before" ] || fail "release.sh --dry-run changed refs, the tree or worktrees"
grep -q "git tag -a cli/$version" "$tmp/out" || fail "release.sh --dry-run does not show the cli tag: $(cat "$tmp/out")"
say "release.sh --dry-run printed $(grep -c '^+' "$tmp/out") commands and changed nothing"

say "release.sh --push $version"
t0=$SECONDS
if ! (cd "$work" && scripts/release.sh --push "$version") >"$tmp/out" 2>&1; then
	sed 's/^/    /' "$tmp/out" >&2
	fail "release.sh --push $version failed (output above)"
fi
sed 's/^/    /' "$tmp/out"
say "released in $((SECONDS - t0))s"
if [ "$(git -C "$work" rev-parse HEAD)" != "$head" ] || [ -n "$(git -C "$work" status --porcelain)" ]; then
	fail "release.sh moved HEAD or left changes in the working tree"
fi
[ "$(git -C "$origin" rev-parse refs/heads/main)" = "$head" ] || fail "release.sh changed origin's main"
for m in "${modules[@]}"; do
	git -C "$origin" rev-parse -q --verify "refs/tags/$m/$version" >/dev/null || fail "origin has no tag $m/$version"
	gomod=$(git -C "$origin" show "$m/$version:$m/go.mod")
	! grep -Eq '^[[:space:]]*replace([[:space:]]|\(|$)' <<<"$gomod" || fail "$m/$version:$m/go.mod has a replace directive"
	if [ "$m" != lockcore ]; then
		grep -qF "$prefix/lockcore $version" <<<"$gomod" || fail "$m/$version:$m/go.mod does not require lockcore $version"
	fi
done
say "origin has the four tags; no released go.mod has a replace directive"
expect_refusal 1 "already exists" "$version"

# The consumer: a user's module outside the repository, offline.
export GOWORK=off GOTOOLCHAIN=local GOFLAGS="-mod=mod -modcacherw"
export GOPROXY="file://$modcache/cache/download" GOSUMDB=off
export GOPRIVATE=$prefix GONOPROXY=$prefix GONOSUMDB=$prefix GOVCS="$prefix:git"
n=${GIT_CONFIG_COUNT:-0}
export GIT_CONFIG_COUNT=$((n + 1)) "GIT_CONFIG_KEY_$n=url.$origin.insteadOf" "GIT_CONFIG_VALUE_$n=https://$prefix"
export GOBIN=$tmp/bin
consumer=$tmp/consumer
data=$tmp/data
mkdir -p "$consumer" "$data"
cd "$consumer"
quietly go mod init example.com/consumer
cat >main.go <<'EOF'
// Command consumer uses the released lockcore and taskstore.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/astrotask/astrotask-go/taskstore"
)

func main() {
	ctx := context.Background()
	dir := os.Args[1]
	s, err := taskstore.Open(ctx, taskstore.Options{DataDir: filepath.Join(dir, "consumer.db")})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := s.AddTask(ctx, taskstore.NewTask{Title: os.Args[2]}); err != nil {
		log.Fatal(err)
	}
	tasks, err := s.ListTasks(ctx, taskstore.Filter{})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tasks {
		fmt.Printf("task: %s\n", t.Title)
	}
	if err := s.Close(); err != nil {
		log.Fatal(err)
	}
	err = lockcore.WithLock(ctx, filepath.Join(dir, "other.db"), lockcore.Options{ProcessType: "consumer"}, func(context.Context) error {
		fmt.Println("lock: held")
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
EOF
t0=$SECONDS
quietly go get "$prefix/lockcore@$version" "$prefix/taskstore@$version"
grep -qF "$prefix/taskstore $version" go.mod || fail "go get did not add taskstore $version to the consumer's go.mod: $(cat go.mod)"
quietly go build -o "$tmp/consumer-bin" .
out=$("$tmp/consumer-bin" "$data" "$title")
want=$(printf 'task: %s\nlock: held' "$title")
[ "$out" = "$want" ] || fail "consumer printed: $out; want: $want"
say "go get + go build of a consumer of lockcore and taskstore $version: ok ($((SECONDS - t0))s); it printed: ${out//$'\n'/ | }"

t0=$SECONDS
quietly go install "$prefix/cli/cmd/astro@$version" "$prefix/cli/cmd/task-master@$version"
quietly go install "$prefix/mcpserver/cmd/astrotask-mcp@$version"
for b in astro task-master astrotask-mcp; do [ -x "$GOBIN/$b" ] || fail "go install did not make $b"; done
say "go install of astro, task-master and astrotask-mcp at $version: ok ($((SECONDS - t0))s)"
for b in astro astrotask-mcp; do
	mod=cli
	[ "$b" = astro ] || mod=mcpserver
	info=$(go version -m "$GOBIN/$b")
	grep -qE "^[[:space:]]+mod[[:space:]]+${prefix//./\\.}/${mod}[[:space:]]+${version//./\\.}[[:space:]]" <<<"$info" ||
		fail "go version -m $b: no 'mod $prefix/$mod $version': $info"
	grep -qE "^[[:space:]]+dep[[:space:]]+${prefix//./\\.}/taskstore[[:space:]]+${version//./\\.}[[:space:]]" <<<"$info" ||
		fail "go version -m $b: no 'dep $prefix/taskstore $version': $info"
	! grep -q '=>' <<<"$info" || fail "go version -m $b shows a replaced module: $info"
	say "go version -m $b: $(grep -E "^[[:space:]]+mod[[:space:]]" <<<"$info" | tr -s '[:space:]' ' ')"
done

db=$data/astro.db
"$GOBIN/astro" task add --title "$title" --db "$db" >/dev/null
list=$("$GOBIN/astro" task list --db "$db")
grep -qF "$title" <<<"$list" || fail "astro task list does not show the task: $list"
say "astro task add, task list: $(tr -s ' ' <<<"$list")"
"$GOBIN/task-master" --help >/dev/null || fail "task-master --help failed"
for b in astro astrotask-mcp; do
	v=$("$GOBIN/$b" --version) || fail "$b --version failed"
	[[ "$v" == "$b version $version ("* ]] || fail "$b --version printed '$v', want '$b version $version (...)'"
	say "$b --version: $v"
done
v=$("$GOBIN/astro" version --json)
grep -qF "\"version\": \"$version\"" <<<"$v" || fail "astro version --json: $v"

# astrotask-mcp over stdio: initialize, then the listTasks tool on the same database.
# (A FIFO rather than coproc, so that it runs on macOS's bash 3.2 too.)
mkfifo "$tmp/mcp.in"
"$GOBIN/astrotask-mcp" --db "$db" <"$tmp/mcp.in" >"$tmp/mcp.out" 2>"$tmp/mcp.err" &
mcp_pid=$!
exec 3>"$tmp/mcp.in"
# mcp_reply ID: the server's reply to request ID, waiting up to 30 s for it.
mcp_reply() {
	local deadline=$((SECONDS + 30))
	until grep -q "\"id\":$1[,}]" "$tmp/mcp.out"; do
		if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$mcp_pid" 2>/dev/null; then
			fail "astrotask-mcp did not answer request $1: $(cat "$tmp/mcp.out" "$tmp/mcp.err")"
		fi
		sleep 0.1
	done
	grep "\"id\":$1[,}]" "$tmp/mcp.out"
}
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"release-check","version":"0"}}}' >&3
reply=$(mcp_reply 1)
grep -qF '"serverInfo":{"name":"astrotask-mcp","version":"'"$version"'"' <<<"$reply" || fail "astrotask-mcp initialize does not report $version: $reply"
printf '%s\n' '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
	'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"listTasks","arguments":{}}}' >&3
reply=$(mcp_reply 2)
grep -qF "$title" <<<"$reply" || fail "astrotask-mcp listTasks does not show the task: $reply"
exec 3>&-
status=0
wait "$mcp_pid" || status=$?
mcp_pid=
[ "$status" = 0 ] || fail "astrotask-mcp exited $status when its stdin closed: $(cat "$tmp/mcp.err")"
say "astrotask-mcp over stdio: initialize and listTasks show the task; it exits 0 at the end of its input"

say "ok in $((SECONDS - start))s"

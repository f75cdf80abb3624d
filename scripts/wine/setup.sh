#!/usr/bin/env bash
# scripts/wine/setup.sh [--env]: makes this Linux machine ready to run Go's
# Windows test binaries under Wine, and leaves a persistent wineserver running
# for the prefix (stop it with `wineserver -k`, WINEPREFIX as in env.sh).
#
# Idempotent; each step is skipped when already done:
#   1. Debian's wine, wine64 and gcc-mingw-w64-x86-64-win32, installed with
#      apt-get when missing (as root; `apt-get update` once if needed).
#   2. A persistent wineserver: a Wine process then starts in about 0.2 s
#      instead of about 3 s.
#   3. The prefix (env.sh), created with `wineboot -i` (about 10 s).
#   4. bcryptprimitives.dll built from bcryptprimitives.c into the prefix's
#      system32, and check.exe beside it, rebuilt when the sources or the Wine
#      version change.
#   5. check.exe, run every time: proves the DLL works and warms the server.
#
# Wine's own messages go to $WINEPREFIX/astrotask/wine.log.
#
# Progress goes to stderr. With --env, stdout gets shell `export` lines for
# the test step: ASTROTASK_WINEPREFIX, WINEPREFIX, ASTROTASK_GO_WINE_EXEC (the
# go test -exec wrapper) and ASTROTASK_WINESERVER_STARTED (1 if this run
# started the wineserver, so the caller should stop it, else 0).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=env.sh
source "$here/env.sh"

print_env=0
case "${1:-}" in
--env) print_env=1 ;;
"") ;;
*)
	echo "usage: $0 [--env]" >&2
	exit 2
	;;
esac

log() { printf 'wine setup: %s\n' "$*" >&2; }
die() {
	printf 'wine setup: %s\n' "$*" >&2
	exit 1
}

packages=(wine wine64 gcc-mingw-w64-x86-64-win32)

missing_packages() {
	local p
	for p in "${packages[@]}"; do
		[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || printf '%s\n' "$p"
	done
}

install_packages() {
	local missing
	missing=$(missing_packages)
	[ -z "$missing" ] && return
	# shellcheck disable=SC2086
	[ "$(id -u)" = 0 ] || die "missing Debian packages: $(echo $missing); install them as root (apt-get install $(echo $missing))"
	log "installing $(echo $missing)"
	# unsafe-io: no fsync for each unpacked file (about 1 GB, mostly wine).
	local apt=(apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-unsafe-io)
	# shellcheck disable=SC2086
	if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" $missing >&2; then
		log "apt-get update, then trying again"
		apt-get update -q >&2
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive "${apt[@]}" $missing >&2
	fi
}

# Wine's long-lived processes (the server, and the services that the first
# Wine process starts) must not inherit our stdout or stderr: a caller that
# reads them through a pipe would wait for them to end. Their messages go to
# a log in the prefix.
log_file=$WINEPREFIX/astrotask/wine.log

# start_server starts a persistent wineserver for the prefix and sets
# server_started; wineserver exits with 2 when one is already running.
start_server() {
	local rc=0
	wineserver -p </dev/null >>"$log_file" 2>&1 || rc=$?
	case $rc in
	0) server_started=1 ;;
	2) server_started=0 ;;
	*) die "wineserver -p failed (exit $rc): see $log_file" ;;
	esac
}

boot_prefix() {
	# A wineserver writes the registry to disk about every 30 s and when it
	# exits; one that was killed before that leaves a prefix without
	# system.reg, which the next start of a server would miss.
	if [ -f "$WINEPREFIX/astrotask/booted" ] &&
		{ [ -f "$WINEPREFIX/system.reg" ] || [ "$server_started" = 0 ]; }; then
		return
	fi
	log "creating the prefix $WINEPREFIX"
	# wine64 alone has no 32-bit side, so wineboot reports that it cannot
	# start syswow64's rundll32.exe; that is expected and harmless.
	timeout 300 wineboot -i </dev/null >>"$log_file" 2>&1 ||
		die "wineboot -i failed for $WINEPREFIX: see $log_file (more with ASTROTASK_WINEDEBUG=err+all)"
	touch "$WINEPREFIX/astrotask/booted"
}

build_shim() {
	local out=$WINEPREFIX/astrotask stamp
	stamp=$(cat "$here/bcryptprimitives.c" "$here/check.c" | sha256sum | cut -d' ' -f1)-$("$WINELOADER" --version)
	if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] &&
		cmp -s "$out/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"; then
		return
	fi
	log "building bcryptprimitives.dll and check.exe"
	mkdir -p "$out"
	x86_64-w64-mingw32-gcc -shared -O2 -s -Wall -o "$out/bcryptprimitives.dll" "$here/bcryptprimitives.c" -ladvapi32
	x86_64-w64-mingw32-gcc -O2 -s -Wall -o "$out/check.exe" "$here/check.c"
	cp "$out/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
	printf '%s\n' "$stamp" >"$out/stamp"
}

install_packages
mkdir -p "$WINEPREFIX/astrotask"
start_server
boot_prefix
build_shim
check=$("$WINELOADER" "$WINEPREFIX/astrotask/check.exe" </dev/null 2>>"$log_file") || die "check.exe: $check"
log "$WINEPREFIX: $check ($("$WINELOADER" --version), wineserver $([ "$server_started" = 1 ] && echo started || echo already running))"

if [ "$print_env" = 1 ]; then
	printf 'export ASTROTASK_WINEPREFIX=%q\n' "$ASTROTASK_WINEPREFIX"
	printf 'export WINEPREFIX=%q\n' "$WINEPREFIX"
	printf 'export ASTROTASK_GO_WINE_EXEC=%q\n' "$here/go-wine-exec"
	printf 'export ASTROTASK_WINESERVER_STARTED=%q\n' "$server_started"
fi

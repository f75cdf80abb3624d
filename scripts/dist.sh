#!/usr/bin/env bash
# scripts/dist.sh VERSION OUTDIR: the release archives, as the release
# workflow (.github/workflows/release.yml) publishes them.
#
# For every target below it builds astro, task-master and astrotask-mcp with
# CGO_ENABLED=0 -trimpath -ldflags='-s -w', and packs them with README.md (and
# LICENSE, when there is one) into
# OUTDIR/astrotask_<VERSION without v>_<os>_<arch>.tar.gz (.zip for windows),
# then writes OUTDIR/SHA256SUMS. Archive entries carry the commit time and no
# owner, so the same commit and Go give the same archives.
#
# With the tags cli/VERSION and mcpserver/VERSION in this repository (made by
# scripts/release.sh), the binaries are built as `go install pkg@VERSION`
# builds them, from the released modules, which Go fetches from this
# repository itself; they report VERSION in --version and `go version -m`.
# Without those tags (a trial run such as `scripts/dist.sh v0.0.0-test
# /tmp/dist`) it builds the checked-out tree, and the binaries say "devel".
#
# linux, darwin and windows must build. A target added later that does not
# build yet is skipped with one line saying why.
set -euo pipefail
cd "$(dirname "$0")/.."

# The targets, in one place.
targets=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64)
required='^(linux|darwin|windows)/'
prefix=github.com/astrotask/astrotask-go
packages=(cli/cmd/astro cli/cmd/task-master mcpserver/cmd/astrotask-mcp)

die() {
	echo "dist: $*" >&2
	exit 1
}

[ $# = 2 ] || { echo "usage: scripts/dist.sh VERSION OUTDIR   (VERSION like v0.1.0)" >&2; exit 2; }
version=$1 out=$2
num='(0|[1-9][0-9]*)'
[[ $version =~ ^v$num\.$num\.$num(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$ ]] ||
	{ echo "dist: $version is not a version like v1.2.3 or v1.2.3-rc.1" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -z "$(ls -A "$out")" ] || die "$out is not empty"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/astrotask-dist.XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
docs=(README.md)
[ ! -e LICENSE ] || docs+=(LICENSE)

if git rev-parse -q --verify "refs/tags/cli/$version" >/dev/null &&
	git rev-parse -q --verify "refs/tags/mcpserver/$version" >/dev/null; then
	from=tags
	epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct "refs/tags/cli/$version")}
	echo "dist: building the released modules at $version (tags cli/$version, mcpserver/$version)"
else
	from=checkout
	epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
	echo "dist: no tags cli/$version and mcpserver/$version here: building the checked-out tree (the binaries say devel)"
fi

# build_tags OS ARCH DIR: go install pkg@version, our modules from this
# repository's tags into a temporary module cache, everything else from
# GOPROXY with the local module cache first.
modcache=$(go env GOMODCACHE)
proxy=$(go env GOPROXY)
gitdir=$(cd "$(git rev-parse --git-common-dir)" && pwd)
n=${GIT_CONFIG_COUNT:-0}
build_tags() {
	local os=$1 arch=$2 dir=$3 m p pkgs
	rm -rf "$tmp/gopath/bin"
	for m in cli mcpserver; do
		pkgs=()
		for p in "${packages[@]}"; do [[ $p != "$m/"* ]] || pkgs+=("$prefix/$p@$version"); done
		env -u GOBIN GOPATH="$tmp/gopath" GOMODCACHE="$tmp/modcache" GOWORK=off GOFLAGS=-modcacherw \
			GOPROXY="file://$modcache/cache/download,$proxy" \
			GOPRIVATE="$prefix" GONOPROXY="$prefix" GONOSUMDB="$prefix" GOVCS="$prefix:git" \
			GIT_CONFIG_COUNT=$((n + 1)) "GIT_CONFIG_KEY_$n=url.$gitdir.insteadOf" "GIT_CONFIG_VALUE_$n=https://$prefix" \
			CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" \
			go install -trimpath -ldflags='-s -w' "${pkgs[@]}" || return
	done
	find "$tmp/gopath/bin" -type f -exec mv {} "$dir/" \;
}

# build_checkout OS ARCH DIR: go build of the checked-out tree (through go.work).
build_checkout() {
	CGO_ENABLED=0 GOOS=$1 GOARCH=$2 go build -trimpath -ldflags='-s -w' -o "$3/" "${packages[@]/#/./}"
}

# pack DIR ARCHIVE: DIR's files, without a directory prefix.
pack() {
	local dir=$1 archive=$2
	(
		cd "$dir"
		files=(*)
		touch -d "@$epoch" "${files[@]}" 2>/dev/null || true
		case "$archive" in
		*.zip)
			command -v zip >/dev/null || die "zip is needed for $(basename "$archive")"
			zip -q -X -9 "$archive" "${files[@]}"
			;;
		*)
			if tar --version 2>/dev/null | grep -q GNU; then
				tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -cf - "${files[@]}"
			else # bsdtar (macOS): the same files, not byte for byte the same archive
				tar --uid 0 --gid 0 -cf - "${files[@]}"
			fi | gzip -9n >"$archive"
			;;
		esac
	)
}

built=()
for target in "${targets[@]}"; do
	os=${target%/*} arch=${target#*/}
	stage=$tmp/$os-$arch
	mkdir -p "$stage"
	if ! "build_$from" "$os" "$arch" "$stage" 2>"$tmp/build.err"; then
		if [[ $target =~ $required ]]; then
			grep -v '^go: downloading' "$tmp/build.err" >&2
			die "$target must build, and does not (output above)"
		fi
		why=$(grep -v '^#\|^go: downloading' "$tmp/build.err" | head -n 1 | sed 's|^.*/modcache/||')
		echo "dist: skipping $target: it does not build ($why)"
		continue
	fi
	cp "${docs[@]}" "$stage/"
	archive=$out/astrotask_${version#v}_${os}_${arch}.tar.gz
	[ "$os" != windows ] || archive=${archive%.tar.gz}.zip
	pack "$stage" "$archive"
	built+=("$(basename "$archive")")
	echo "dist: $(basename "$archive")"
done

if command -v sha256sum >/dev/null; then sum=(sha256sum); else sum=(shasum -a 256); fi
(cd "$out" && "${sum[@]}" "${built[@]}" >SHA256SUMS)
echo "dist: SHA256SUMS for ${#built[@]} archives in $out"

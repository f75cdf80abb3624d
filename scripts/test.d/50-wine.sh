# Sourced by scripts/test.sh: prepares Wine so the Windows builds of the test
# suites can run on Linux (scripts/wine/README.md). Installs Debian's wine,
# wine64 and gcc-mingw-w64-x86-64-win32 when missing (as root), creates the
# prefix, builds the bcryptprimitives.dll shim, and starts a persistent
# wineserver, which is stopped when the test run ends. Exports WINEPREFIX,
# ASTROTASK_WINEPREFIX and ASTROTASK_GO_WINE_EXEC (the go test -exec wrapper)
# for scripts/wine/test.sh.
wine_env=$(scripts/wine/setup.sh --env) || return 1
eval "$wine_env"
if [ "$ASTROTASK_WINESERVER_STARTED" = 1 ]; then
	on_exit "WINEPREFIX=$(printf %q "$WINEPREFIX") wineserver -k"
fi
unset wine_env

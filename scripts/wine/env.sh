# scripts/wine/env.sh: the Wine environment for Astrotask's Windows tests,
# sourced by setup.sh and go-wine-exec so that both agree.
#
# The prefix is our own (ASTROTASK_WINEPREFIX, default under the user's cache
# directory); a WINEPREFIX already in the environment is not reused, since
# setup.sh installs a DLL into it. WINEDEBUG is -all unless
# ASTROTASK_WINEDEBUG says otherwise (for example "err+all,fixme+file").
# mscoree and mshtml are disabled so that Wine never offers to install Mono or
# Gecko; bcryptprimitives is ours (see bcryptprimitives.c).
: "${ASTROTASK_WINEPREFIX:=${XDG_CACHE_HOME:-$HOME/.cache}/astrotask-wine}"
export ASTROTASK_WINEPREFIX
export WINEPREFIX="$ASTROTASK_WINEPREFIX"
export WINEARCH=win64
export WINEDEBUG="${ASTROTASK_WINEDEBUG:--all}"
export WINEDLLOVERRIDES="mscoree,mshtml=;bcryptprimitives=n"
# Debian installs the 64-bit loader off the PATH; /usr/bin/wine prefers the
# 32-bit one (wine32:i386), which we do not install. Wine starts child
# processes with WINELOADER.
export WINELOADER=/usr/lib/wine/wine64

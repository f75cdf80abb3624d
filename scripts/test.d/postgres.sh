# Sourced by scripts/test.sh: starts a throwaway PostgreSQL server for the
# PostgreSQL backend tests and exports ASTROTASK_TEST_POSTGRES_URL.
# The server listens on 127.0.0.1 only, on a free port, with its data in a
# temporary folder, and is stopped when the test run ends. PostgreSQL refuses
# to run as root, so as root it runs as the `postgres` user.
if [ -n "${ASTROTASK_TEST_POSTGRES_URL:-}" ]; then
	echo "using ASTROTASK_TEST_POSTGRES_URL from the environment"
else
	# pg_candidates lists the server bin directories of the usual layouts
	# that keep them off the PATH: Debian and Ubuntu
	# (/usr/lib/postgresql/<version>/bin) and Homebrew's keg-only versioned
	# formulae (<prefix>/opt/postgresql@<version>/bin, on Apple silicon and
	# on Intel).
	pg_candidates() {
		local d
		for d in /usr/lib/postgresql/*/bin /opt/homebrew/opt/postgresql@*/bin /usr/local/opt/postgresql@*/bin; do
			if [ -x "$d/pg_ctl" ]; then echo "$d"; fi
		done
	}
	if command -v pg_ctl >/dev/null; then
		pg_ctl_path=$(command -v pg_ctl)
		pg_bindir=$(dirname "$(readlink -f "$pg_ctl_path" 2>/dev/null || echo "$pg_ctl_path")")
	else
		pg_bindir=$(pg_candidates | sort -V | tail -n 1)
		[ -n "$pg_bindir" ] || {
			echo "PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL 15 or set ASTROTASK_TEST_POSTGRES_URL" >&2
			return 1
		}
	fi
	pg_dir=$(mktemp -d /tmp/astrotask-pg.XXXXXX)
	pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	# pg_run runs a server command, as the postgres user when we are root.
	# (A function, not an array prefix: bash 3.2, macOS's, rejects an empty
	# array under set -u.)
	pg_run() {
		if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
	}
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$pg_dir"
	fi
	pg_run "$pg_bindir/initdb" -D "$pg_dir/data" -U astrotask --auth=trust -E UTF8 --no-sync >"$pg_dir/initdb.log" 2>&1 ||
		{ cat "$pg_dir/initdb.log" >&2; return 1; }
	pg_run "$pg_bindir/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c max_connections=200" start >/dev/null ||
		{ cat "$pg_dir/server.log" >&2; return 1; }
	on_exit "pg_run $pg_bindir/pg_ctl -D $pg_dir/data -m immediate stop >/dev/null; rm -rf $pg_dir"
	export ASTROTASK_TEST_POSTGRES_URL="postgres://astrotask@127.0.0.1:$pg_port/postgres?sslmode=disable"
	echo "PostgreSQL on 127.0.0.1:$pg_port ($pg_dir)"
fi

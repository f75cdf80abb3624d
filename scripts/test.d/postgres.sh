# Sourced by scripts/test.sh: starts a throwaway PostgreSQL server for the
# PostgreSQL backend tests and exports ASTROTASK_TEST_POSTGRES_URL.
# The server listens on 127.0.0.1 only, on a free port, with its data in a
# temporary folder, and is stopped when the test run ends. PostgreSQL refuses
# to run as root, so as root it runs as the `postgres` user.
if [ -n "${ASTROTASK_TEST_POSTGRES_URL:-}" ]; then
	echo "using ASTROTASK_TEST_POSTGRES_URL from the environment"
else
	if command -v pg_ctl >/dev/null; then
		pg_bindir=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
	else
		# Debian and Ubuntu keep the server binaries off the PATH.
		pg_bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
		[ -x "$pg_bindir/pg_ctl" ] || {
			echo "PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL 15 or set ASTROTASK_TEST_POSTGRES_URL" >&2
			return 1
		}
	fi
	pg_dir=$(mktemp -d /tmp/astrotask-pg.XXXXXX)
	pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	pg_as=()
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$pg_dir"
		pg_as=(runuser -u postgres --)
	fi
	"${pg_as[@]}" "$pg_bindir/initdb" -D "$pg_dir/data" -U astrotask --auth=trust -E UTF8 --no-sync >"$pg_dir/initdb.log" 2>&1 ||
		{ cat "$pg_dir/initdb.log" >&2; return 1; }
	"${pg_as[@]}" "$pg_bindir/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c max_connections=200" start >/dev/null ||
		{ cat "$pg_dir/server.log" >&2; return 1; }
	on_exit "${pg_as[*]} $pg_bindir/pg_ctl -D $pg_dir/data -m immediate stop >/dev/null; rm -rf $pg_dir"
	export ASTROTASK_TEST_POSTGRES_URL="postgres://astrotask@127.0.0.1:$pg_port/postgres?sslmode=disable"
	echo "PostgreSQL on 127.0.0.1:$pg_port ($pg_dir)"
fi

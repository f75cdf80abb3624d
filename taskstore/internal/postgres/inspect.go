package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
	"github.com/jackc/pgx/v5"
)

// advisoryHoldersSQL lists the sessions granted the cooperative lock of
// the current database, the exclusive holder first, then readers by age.
var advisoryHoldersSQL = fmt.Sprintf(`SELECT l.mode, a.application_name
	FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
	WHERE l.locktype = 'advisory' AND l.granted
	  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
	  AND l.classid = %d AND l.objid = %d AND l.objsubid = 2
	ORDER BY l.mode = 'ExclusiveLock' DESC, a.backend_start, a.pid`, AdvisoryClass, AdvisoryCoop)

// inspect reports the cooperative lock as the server sees it: who
// holds it (from pg_locks), named by their application_name (from
// pg_stat_activity). A holder seen there is alive by definition, so a
// holder that names itself is Verified, whatever machine it runs on.
func inspect(ctx context.Context, conn *pgx.Conn, name string, opts lockcore.Options) (lockcore.Status, error) {
	st := lockcore.Status{Path: name}
	rows, err := conn.Query(ctx, advisoryHoldersSQL)
	if err != nil {
		return st, Dialect{}.Classify("inspect lock", err)
	}
	defer rows.Close()
	var unnamed string
	for rows.Next() {
		var mode, name string
		if err := rows.Scan(&mode, &name); err != nil {
			return st, Dialect{}.Classify("inspect lock", err)
		}
		st.Locked = true
		m := lockcore.ModeShared
		if mode == "ExclusiveLock" {
			m = lockcore.ModeExclusive
		} else {
			st.Readers++
		}
		if st.Mode == "" {
			st.Mode = m
		}
		if st.Holder != nil {
			continue
		}
		li, ok := parseHolderName(name)
		if !ok {
			if unnamed == "" {
				unnamed = name
			}
			continue
		}
		li.Mode = m
		st.Holder, st.Verified = li, true
	}
	if err := rows.Err(); err != nil {
		return st, Dialect{}.Classify("inspect lock", err)
	}
	if st.Holder != nil {
		st.Age = max(time.Since(st.Holder.Time()), 0)
		stale := opts.StaleTimeout
		if stale <= 0 {
			stale = lockcore.DefaultStaleTimeout
		}
		st.PossiblyHung = st.Age > stale
	} else if st.Locked {
		st.RecordError = fmt.Sprintf("the holding session does not name itself (application_name %q)", unnamed)
	}
	return st, nil
}

// Inspect reports the state of the cooperative lock of the database at
// rawURL, connecting just long enough to ask the server (pg_locks and
// pg_stat_activity) who holds it. Status.Path is the URL without its
// password.
func Inspect(ctx context.Context, rawURL string, opts lockcore.Options) (lockcore.Status, error) {
	cfg, err := config(rawURL, appName+":lock-status")
	if err != nil {
		return lockcore.Status{}, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return lockcore.Status{}, connectError(ctx, cfg, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return inspect(ctx, conn, Redact(rawURL), opts)
}

package postgres

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/astrotask/astrotask-go/lockcore"
)

// holderPrefix starts the application_name of a connection that holds (or
// waits for) the cooperative lock on PostgreSQL. The whole name is
//
//	astrotask:<process>:<pid>@<host>:<acquired, Unix milliseconds>
//
// so that any session can tell who holds the lock from pg_stat_activity.
const holderPrefix = "astrotask:"

// maxAppName is PostgreSQL's limit on application_name (NAMEDATALEN - 1);
// the server truncates longer names, so holderName shortens the host and
// process instead.
const maxAppName = 63

// maxProcessName bounds the process type in a holder name.
const maxProcessName = 20

// holderName is the application_name that shows li as the holder.
func holderName(li lockcore.LockInfo) string {
	proc := nameSafe(li.Process)
	if len(proc) > maxProcessName {
		proc = proc[:maxProcessName]
	}
	pid := strconv.Itoa(li.PID)
	ms := strconv.FormatInt(li.Timestamp, 10)
	room := maxAppName - len(holderPrefix) - len(proc) - len(pid) - len(ms) - 3
	host := nameSafe(li.Host)
	if room < 0 {
		room = 0
	}
	if len(host) > room {
		host = host[:room]
	}
	return holderPrefix + proc + ":" + pid + "@" + host + ":" + ms
}

// nameSafe keeps printable ASCII other than the separators ':' and '@',
// so that parseHolderName can split the name again.
func nameSafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c > '~' || c == ':' || c == '@' {
			c = '_'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// parseHolderName parses a name made by holderName; ok is false for any
// other application_name.
func parseHolderName(s string) (li *lockcore.LockInfo, ok bool) {
	rest, found := strings.CutPrefix(s, holderPrefix)
	if !found {
		return nil, false
	}
	proc, rest, found := strings.Cut(rest, ":")
	if !found || proc == "" {
		return nil, false
	}
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return nil, false
	}
	ms, err := strconv.ParseInt(rest[i+1:], 10, 64)
	if err != nil || ms < 0 {
		return nil, false
	}
	pidText, host, found := strings.Cut(rest[:i], "@")
	if !found || strings.ContainsAny(host, "@:") {
		return nil, false
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid < 1 || pid > 1<<22 || strconv.Itoa(pid) != pidText {
		return nil, false
	}
	return &lockcore.LockInfo{PID: pid, Timestamp: ms, Host: host, Process: proc}, true
}

var (
	hostOnce sync.Once
	hostName string
)

// thisHost is os.Hostname, asked once.
func thisHost() string {
	hostOnce.Do(func() {
		hostName, _ = os.Hostname()
		if hostName == "" {
			hostName = "localhost"
		}
	})
	return hostName
}

// holderInfo is the record of this process holding the lock now.
func holderInfo(opts lockcore.Options, host string, mode lockcore.Mode) lockcore.LockInfo {
	proc := opts.ProcessType
	if proc == "" {
		proc = lockcore.DefaultProcessType
	}
	if host == "" {
		host = thisHost()
	}
	return lockcore.LockInfo{PID: os.Getpid(), Timestamp: time.Now().UnixMilli(), Host: host, Process: proc, Mode: mode}
}

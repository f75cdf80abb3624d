package pgtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
)

// Server is a PostgreSQL server started by Start.
type Server struct {
	// URL is a superuser URL to the "postgres" database.
	URL string
	// Dir holds the data directory and the server log.
	Dir string

	bin   string    // the directory of pg_ctl and initdb
	as    []string  // the command prefix that runs as the postgres user
	guard *exec.Cmd // stops the server if this process dies first
}

// Start starts a throwaway server: initdb into a new temporary directory
// with trust authentication for the superuser "astrotask", then pg_ctl
// start listening on 127.0.0.1 only, on a free port, with fsync off. As
// root it runs both as the postgres user through runuser.
func Start() (*Server, error) {
	pgctl, err := exec.LookPath("pg_ctl")
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL is not installed (pg_ctl not on PATH): %w", err)
	}
	if real, err := filepath.EvalSymlinks(pgctl); err == nil {
		pgctl = real
	}
	dir, err := os.MkdirTemp("", "astrotask-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, bin: filepath.Dir(pgctl)}
	if os.Geteuid() == 0 {
		if err := chownToPostgres(dir); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		s.as = []string{"runuser", "-u", "postgres", "--"}
	}
	if err := s.run("initdb", append([]string{"-D", s.data(), "-U", "astrotask", "--auth=trust", "-E", "UTF8", "--no-sync"}, localeArgs...)...); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d%s -c fsync=off -c max_connections=200", port, socketDirOption(dir))
	if err := s.run("pg_ctl", "-D", s.data(), "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "-o", opts, "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w\n%s", err, log)
	}
	s.URL = fmt.Sprintf("postgres://astrotask@127.0.0.1:%d/postgres?sslmode=disable", port)
	s.startGuard()
	return s, nil
}

// startGuard starts a watchdog that stops the server and removes its
// directory once this process is gone, so a test binary killed by a
// timeout or a crash leaves no server behind. Stop ends it first. Without
// the watchdog's interpreter (sh; powershell on Windows) there is none.
func (s *Server) startGuard() {
	stop := append(append([]string{}, s.as...), filepath.Join(s.bin, "pg_ctl"), "-D", s.data(), "-m", "immediate", "-w", "stop")
	cmd := guardCommand(os.Getpid(), stop, s.Dir)
	if cmd.Start() == nil {
		s.guard = cmd
	}
}

// Stop stops the server at once and removes its directory.
func (s *Server) Stop() error {
	if s.guard != nil {
		s.guard.Process.Kill()
		s.guard.Wait()
	}
	err := s.run("pg_ctl", "-D", s.data(), "-m", "immediate", "-w", "stop")
	if rerr := os.RemoveAll(s.Dir); err == nil {
		err = rerr
	}
	return err
}

func (s *Server) data() string { return filepath.Join(s.Dir, "data") }

// run runs one of the server's programs, as the postgres user if needed.
func (s *Server) run(prog string, args ...string) error {
	argv := append(append(append([]string{}, s.as...), filepath.Join(s.bin, prog)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", prog, err, out.Bytes())
	}
	return nil
}

func chownToPostgres(dir string) error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs a postgres user to run the server: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(dir, uid, gid)
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

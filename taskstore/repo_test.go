package taskstore

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitEnv is the environment of the git processes that build the tests'
// repositories: no user or system configuration, a fixed identity, and
// nothing that points git at another repository.
func gitEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	return append(env, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com")
}

// gitRun runs the real git in dir and returns its standard output.
func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	skipWithoutGitUnderWine(t)
	cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always"}, args...)...)
	cmd.Dir = dir
	cmd.Env = gitEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s in %s: %v\n%s", strings.Join(args, " "), dir, err, stderrOf(err))
	}
	return string(out)
}

func stderrOf(err error) []byte {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.Stderr
	}
	return nil
}

// tempRoot is a fresh directory with symlinks resolved.
func tempRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.EvalSymlinks(tempDir(t))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func mkdirs(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	mkdirs(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// newRepo makes a repository at dir with one commit holding a/b/file.
func newRepo(t *testing.T, dir string) {
	t.Helper()
	mkdirs(t, dir)
	gitRun(t, dir, "init", "-q")
	writeFile(t, filepath.Join(dir, "a", "b", "file"), "x\n")
	gitRun(t, dir, "add", ".")
	gitRun(t, dir, "commit", "-q", "-m", "init")
}

// gitLayouts builds, with the real git, every layout Locate must tell
// apart, below root:
//
//	main/          a repository; main/a/b a subdirectory
//	wt/            a linked worktree of main
//	main/lib/      a submodule of main, with a linked worktree libwt/
//	main/nested/   a repository inside main's worktree, not a submodule
//	bare1.git/     a bare clone of main with a worktree b1wt/
//	bare2.git/     another, with b2wt/
//	plain/         no repository at all
func gitLayouts(t *testing.T, root string) {
	t.Helper()
	newRepo(t, filepath.Join(root, "main"))
	gitRun(t, filepath.Join(root, "main"), "worktree", "add", "-q", "../wt")
	newRepo(t, filepath.Join(root, "sublib"))
	gitRun(t, filepath.Join(root, "main"), "submodule", "add", "-q", filepath.Join(root, "sublib"), "lib")
	gitRun(t, filepath.Join(root, "main"), "commit", "-q", "-m", "submodule")
	gitRun(t, filepath.Join(root, "main", "lib"), "worktree", "add", "-q", "../../libwt")
	newRepo(t, filepath.Join(root, "main", "nested"))
	for _, b := range []string{"1", "2"} {
		gitRun(t, root, "clone", "-q", "--bare", "main", "bare"+b+".git")
		gitRun(t, filepath.Join(root, "bare"+b+".git"), "worktree", "add", "-q", "../b"+b+"wt")
	}
	mkdirs(t, filepath.Join(root, "plain"))
}

// TestLocateGitLayouts builds real repositories with git, then locates the
// database from every kind of directory with no git on PATH: every worktree
// of a repository finds one database, two bare repositories side by side
// do not share, and submodules and nested repositories keep their own.
func TestLocateGitLayouts(t *testing.T) {
	root := tempRoot(t)
	gitLayouts(t, root)
	p := func(rel ...string) string { return filepath.Join(append([]string{root}, rel...)...) }
	mainDB := Location{Backend: BackendSQLite, Path: p("main", "data", "astrotask.db"), Rule: RuleRepository, Repository: p("main")}
	fromWorktree := func(loc Location, wt string) Location {
		loc.Rule, loc.Worktree = RuleWorktree, wt
		return loc
	}
	bare := func(name string) Location {
		return Location{Backend: BackendSQLite, Path: p(name, "astrotask", "astrotask.db"), Rule: RuleRepository, Repository: p(name)}
	}
	libDB := Location{Backend: BackendSQLite, Path: p("main", "lib", "data", "astrotask.db"), Rule: RuleRepository, Repository: p("main", "lib")}
	nestedDB := Location{Backend: BackendSQLite, Path: p("main", "nested", "data", "astrotask.db"), Rule: RuleRepository, Repository: p("main", "nested")}
	cases := []struct {
		dir  string
		want Location
	}{
		{p("main"), mainDB},
		{p("main", "a", "b"), mainDB},
		{p("main", ".git"), mainDB},
		{p("main", ".git", "refs", "heads"), mainDB},
		{p("main", ".git", "worktrees", "wt"), mainDB},
		{p("wt"), fromWorktree(mainDB, p("wt"))},
		{p("wt", "a", "b"), fromWorktree(mainDB, p("wt"))},
		{p("main", "lib"), libDB},
		{p("main", ".git", "modules", "lib"), libDB},
		{p("libwt"), fromWorktree(libDB, p("libwt"))},
		{p("main", "nested"), nestedDB},
		{p("main", "nested", "a", "b"), nestedDB},
		{p("bare1.git"), bare("bare1.git")},
		{p("bare1.git", "refs"), bare("bare1.git")},
		{p("b1wt"), fromWorktree(bare("bare1.git"), p("b1wt"))},
		{p("b1wt", "a", "b"), fromWorktree(bare("bare1.git"), p("b1wt"))},
		{p("b2wt"), fromWorktree(bare("bare2.git"), p("b2wt"))},
		{p("plain"), Location{Backend: BackendSQLite, Path: p("plain", "data", "astrotask.db"), Rule: RuleWorkingDir}},
	}
	if err := os.Symlink(p("wt", "a"), p("link")); err == nil {
		cases = append(cases, struct {
			dir  string
			want Location
		}{p("link", "b"), fromWorktree(mainDB, p("wt"))})
	} else {
		t.Logf("no symlink case: %v", err)
	}

	t.Setenv("PATH", "")
	t.Setenv(EnvDatabaseURI, "")
	if _, err := exec.LookPath("git"); err == nil {
		t.Fatal("git is still on PATH")
	}
	for _, c := range cases {
		t.Chdir(c.dir)
		got, err := Locate("")
		if err != nil || got != c.want {
			t.Errorf("Locate(\"\") in %s = %+v, %v;\n want %+v", c.dir, got, err, c.want)
		}
	}
}

// TestFindRepositoryByHand covers what git seldom writes but Locate must
// read: forward slashes and CRLF in .git files, relative commondir,
// core.worktree, a .git directory that is not a repository (passed over
// as git does), and a .git file that names nothing (an error).
func TestFindRepositoryByHand(t *testing.T) {
	root := tempRoot(t)
	p := func(rel ...string) string { return filepath.Join(append([]string{root}, rel...)...) }
	gitDir := func(d, config string) {
		writeFile(t, filepath.Join(d, "HEAD"), "ref: refs/heads/main\n")
		mkdirs(t, filepath.Join(d, "objects"), filepath.Join(d, "refs"))
		writeFile(t, filepath.Join(d, "config"), config)
	}
	linked := func(common, name, wt, gitfile string) {
		d := filepath.Join(common, "worktrees", name)
		writeFile(t, filepath.Join(d, "HEAD"), "0000\n")
		writeFile(t, filepath.Join(d, "commondir"), "../..\n")
		writeFile(t, filepath.Join(wt, ".git"), gitfile)
	}
	// A repository and a worktree whose .git file has a forward-slash
	// absolute path and CRLF.
	gitDir(p("repo", ".git"), "[core]\n\tbare = false\n")
	linked(p("repo", ".git"), "w1", p("w1"), "gitdir: "+filepath.ToSlash(p("repo", ".git", "worktrees", "w1"))+"\r\n")
	// One whose .git file is relative.
	linked(p("repo", ".git"), "w2", p("deep", "w2"), "gitdir: ../../repo/.git/worktrees/w2\n")
	// A separate git directory whose config names the main worktree.
	gitDir(p("store", "sep"), "[core]\n\tbare = false\n\tworktree = \"../../checkout\" ; a comment\n")
	writeFile(t, p("checkout", ".git"), "gitdir: ../store/sep\n")
	linked(p("store", "sep"), "w3", p("w3"), "gitdir: ../store/sep/worktrees/w3\n")
	// A separate git directory that names no worktree: the checkout and
	// its linked worktree agree on having no main worktree.
	gitDir(p("store", "apart"), "[core]\n\tbare = false\n")
	writeFile(t, p("checkout2", ".git"), "gitdir: ../store/apart\n")
	linked(p("store", "apart"), "w5", p("w5"), "gitdir: ../store/apart/worktrees/w5\n")
	// A bare repository that says so in a [core] header line of its own.
	gitDir(p("b.git"), "[Core] bare\n")
	linked(p("b.git"), "w4", p("w4"), "gitdir: ../b.git/worktrees/w4\n")
	// An empty .git directory inside repo is not a repository.
	mkdirs(t, p("repo", "sub", ".git"))
	// A .git file that names nothing.
	writeFile(t, p("broken", ".git"), "gitdir: ../gone/.git/worktrees/x\n")
	writeFile(t, p("garbage", ".git"), "not a git file\n")

	for _, c := range []struct {
		dir  string
		want repository
	}{
		{p("repo"), repository{worktree: p("repo"), gitDir: p("repo", ".git"), commonDir: p("repo", ".git"), main: p("repo")}},
		{p("w1"), repository{worktree: p("w1"), gitDir: p("repo", ".git", "worktrees", "w1"), commonDir: p("repo", ".git"), main: p("repo")}},
		{p("deep", "w2"), repository{worktree: p("deep", "w2"), gitDir: p("repo", ".git", "worktrees", "w2"), commonDir: p("repo", ".git"), main: p("repo")}},
		{p("checkout"), repository{worktree: p("checkout"), gitDir: p("store", "sep"), commonDir: p("store", "sep"), main: p("checkout")}},
		{p("w3"), repository{worktree: p("w3"), gitDir: p("store", "sep", "worktrees", "w3"), commonDir: p("store", "sep"), main: p("checkout")}},
		{p("w4"), repository{worktree: p("w4"), gitDir: p("b.git", "worktrees", "w4"), commonDir: p("b.git")}},
		{p("checkout2"), repository{worktree: p("checkout2"), gitDir: p("store", "apart"), commonDir: p("store", "apart")}},
		{p("w5"), repository{worktree: p("w5"), gitDir: p("store", "apart", "worktrees", "w5"), commonDir: p("store", "apart")}},
		{p("repo", "sub"), repository{worktree: p("repo"), gitDir: p("repo", ".git"), commonDir: p("repo", ".git"), main: p("repo")}},
	} {
		got, ok, err := findRepository(c.dir)
		if !ok || err != nil || got != c.want {
			t.Errorf("findRepository(%s) = %+v, %v, %v;\n want %+v", c.dir, got, ok, err, c.want)
		}
	}
	apart := Location{Backend: BackendSQLite, Path: p("store", "apart", "astrotask", "astrotask.db"), Rule: RuleRepository, Repository: p("store", "apart")}
	apartWT := apart
	apartWT.Rule, apartWT.Worktree = RuleWorktree, p("w5")
	for dir, want := range map[string]Location{p("checkout2"): apart, p("w5"): apartWT} {
		if got, err := locateFrom(dir); err != nil || got != want {
			t.Errorf("locateFrom(%s) = %+v, %v;\n want %+v", dir, got, err, want)
		}
	}
	for _, dir := range []string{p("broken"), p("garbage")} {
		_, ok, err := findRepository(dir)
		if ok || err == nil || !strings.Contains(err.Error(), filepath.Join(dir, ".git")) {
			t.Errorf("findRepository(%s) = %v, %v; want an error naming its .git file", dir, ok, err)
		}
		if _, err := locateFrom(dir); err == nil {
			t.Errorf("locateFrom(%s) succeeded; want the .git file's error", dir)
		}
	}
}

func TestReadCoreConfig(t *testing.T) {
	for _, c := range []struct {
		config string
		want   coreConfig
	}{
		{"", coreConfig{}},
		{"[core]\n\tbare = true\n", coreConfig{bare: true}},
		{"[core]\n\tbare = false\n", coreConfig{}},
		{"[core]\nbare\n", coreConfig{bare: true}},
		{"[CORE]\n\tBare = Yes # comment\n", coreConfig{bare: true}},
		{"[core \"x\"]\n\tbare = true\n", coreConfig{}},
		{"[remote \"origin\"]\n\tbare = true\n[core]\n\tbare = 0\n", coreConfig{}},
		{"[core]\n\tbare = true\n[user]\n\tbare = false\n", coreConfig{bare: true}},
		{"[core] bare = on\n", coreConfig{bare: true}},
		{"; only a comment\n# and another\n", coreConfig{}},
		{"[core]\n\tworktree = ../../../lib\n", coreConfig{worktree: "../../../lib"}},
		{"[core]\n\tworktree = \"a b;c\" ; comment\n", coreConfig{worktree: "a b;c"}},
		{"[core]\n\tworktree = C:\\\\x\\\\y\n", coreConfig{worktree: `C:\x\y`}},
	} {
		path := filepath.Join(t.TempDir(), "config")
		writeFile(t, path, c.config)
		if got := readCoreConfig(path); got != c.want {
			t.Errorf("readCoreConfig(%q) = %+v, want %+v", c.config, got, c.want)
		}
	}
}

func FuzzReadCoreConfig(f *testing.F) {
	for _, s := range []string{"[core]\n\tbare = true\n", "[core] worktree = \"x\\\"y\"", "[core\nbare", "\\"} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, s string) {
		path := filepath.Join(dir, "config")
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		c := readCoreConfig(path)
		if !strings.Contains(strings.ToLower(s), "bare") && c.bare {
			t.Fatalf("readCoreConfig(%q) says bare without the word", s)
		}
	})
}

// status is `git status --porcelain --untracked-files=all` in dir.
func status(t *testing.T, dir string) string {
	t.Helper()
	return gitRun(t, dir, "status", "--porcelain", "--untracked-files=all")
}

// openAndWrite opens the default database from dir (or db when not empty),
// writes a task so that the WAL and the lock file exist, and closes it.
func openAndWrite(t *testing.T, dir, db string) Location {
	t.Helper()
	t.Chdir(dir)
	t.Setenv(EnvDatabaseURI, "")
	loc, err := Locate(db)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), Options{Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddTask(context.Background(), NewTask{Title: "t"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestDatabaseStaysOutOfGit: creating the database inside a repository
// leaves git status showing at most the data/.gitignore that astro made
// for its own data directory, and never changes the project's files.
func TestDatabaseStaysOutOfGit(t *testing.T) {
	const ownIgnore = "# The astrotask task database (astro, astrotask-mcp): export it to put tasks under version control.\n" +
		"/astrotask.db\n/astrotask.db-*\n/.astrotask.lock\n"

	t.Run("new data directory", func(t *testing.T) {
		root := tempRoot(t)
		newRepo(t, filepath.Join(root, "main"))
		gitRun(t, filepath.Join(root, "main"), "worktree", "add", "-q", "../wt")
		// From a linked worktree: the database and data/ are the main
		// worktree's; the linked one gains nothing.
		loc := openAndWrite(t, filepath.Join(root, "wt", "a"), "")
		if want := filepath.Join(root, "main", "data", "astrotask.db"); loc.Path != want {
			t.Fatalf("Locate from the worktree = %s, want %s", loc.Path, want)
		}
		if got := readFile(t, filepath.Join(root, "main", "data", ".gitignore")); got != ownIgnore {
			t.Errorf("data/.gitignore = %q, want %q", got, ownIgnore)
		}
		if got := status(t, filepath.Join(root, "main")); got != "?? data/.gitignore\n" {
			t.Errorf("git status in main = %q, want only data/.gitignore", got)
		}
		if got := status(t, filepath.Join(root, "wt")); got != "" {
			t.Errorf("git status in the worktree = %q, want nothing", got)
		}
		// A later open never rewrites the file.
		writeFile(t, filepath.Join(root, "main", "data", ".gitignore"), "# edited\n/astrotask.db*\n/.astrotask.lock\n")
		openAndWrite(t, filepath.Join(root, "main"), "")
		if got := readFile(t, filepath.Join(root, "main", "data", ".gitignore")); got != "# edited\n/astrotask.db*\n/.astrotask.lock\n" {
			t.Errorf("data/.gitignore rewritten: %q", got)
		}
	})

	t.Run("project's own data directory", func(t *testing.T) {
		root := tempRoot(t)
		repo := filepath.Join(root, "proj")
		mkdirs(t, repo)
		gitRun(t, repo, "init", "-q")
		writeFile(t, filepath.Join(repo, ".gitignore"), "*.log\n")
		writeFile(t, filepath.Join(repo, "data", "keep.csv"), "1,2\n")
		writeFile(t, filepath.Join(repo, ".git", "info", "exclude"), "# mine\n*.tmp") // no final newline
		gitRun(t, repo, "add", ".")
		gitRun(t, repo, "commit", "-q", "-m", "init")
		openAndWrite(t, repo, "")
		if got := status(t, repo); got != "" {
			t.Errorf("git status = %q, want nothing", got)
		}
		if _, err := os.Stat(filepath.Join(repo, "data", ".gitignore")); err == nil {
			t.Error("astro wrote data/.gitignore into the project's own data directory")
		}
		if got := readFile(t, filepath.Join(repo, ".gitignore")); got != "*.log\n" {
			t.Errorf("the project's .gitignore changed: %q", got)
		}
		want := "# mine\n*.tmp\n# The astrotask task database (astro, astrotask-mcp): export it to put tasks under version control.\n" +
			"/data/astrotask.db\n/data/astrotask.db-*\n/data/.astrotask.lock\n"
		if got := readFile(t, filepath.Join(repo, ".git", "info", "exclude")); got != want {
			t.Errorf("info/exclude = %q, want %q", got, want)
		}
		// The lines are added once.
		keepOutOfGit(filepath.Join(repo, "data", "astrotask.db"))
		if got := readFile(t, filepath.Join(repo, ".git", "info", "exclude")); got != want {
			t.Errorf("info/exclude after a second call = %q, want %q", got, want)
		}
	})

	t.Run("explicit path", func(t *testing.T) {
		root := tempRoot(t)
		repo := filepath.Join(root, "proj")
		newRepo(t, repo)
		openAndWrite(t, filepath.Join(repo, "a"), "state/my [tasks].db")
		want := "# The astrotask task database (astro, astrotask-mcp): export it to put tasks under version control.\n" +
			"/my \\[tasks].db\n/my \\[tasks].db-*\n/.astrotask.lock\n"
		if got := readFile(t, filepath.Join(repo, "a", "state", ".gitignore")); got != want {
			t.Errorf("state/.gitignore = %q, want %q", got, want)
		}
		if got := status(t, repo); got != "?? a/state/.gitignore\n" {
			t.Errorf("git status = %q, want only a/state/.gitignore", got)
		}
	})

	t.Run("bare repository", func(t *testing.T) {
		root := tempRoot(t)
		newRepo(t, filepath.Join(root, "main"))
		gitRun(t, root, "clone", "-q", "--bare", "main", "r.git")
		gitRun(t, filepath.Join(root, "r.git"), "worktree", "add", "-q", "../wt")
		loc := openAndWrite(t, filepath.Join(root, "wt"), "")
		if want := filepath.Join(root, "r.git", "astrotask", "astrotask.db"); loc.Path != want {
			t.Fatalf("Locate from the bare repository's worktree = %s, want %s", loc.Path, want)
		}
		if got := status(t, filepath.Join(root, "wt")); got != "" {
			t.Errorf("git status = %q, want nothing", got)
		}
		if _, err := os.Stat(filepath.Join(root, "r.git", "astrotask", ".gitignore")); err == nil {
			t.Error("a .gitignore was written inside the git directory")
		}
	})

	t.Run("outside a repository", func(t *testing.T) {
		root := tempRoot(t)
		openAndWrite(t, root, "")
		if _, err := os.Stat(filepath.Join(root, "data", ".gitignore")); err == nil {
			t.Error("a .gitignore was written outside any repository")
		}
	})
}

package taskstore

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/astrotask/astrotask-go/lockcore"
)

// repository is the git repository around a directory, as its files
// describe it: the .git directory or file, the git directory's commondir
// file, and the [core] section of the common directory's config. Finding it
// starts no git process; git need not be installed.
type repository struct {
	// worktree is the top of the worktree that holds the directory; ""
	// when the directory is inside a git directory.
	worktree string
	// gitDir is the git directory of that worktree (a linked worktree has
	// its own, below the common directory's worktrees/).
	gitDir string
	// commonDir is the git directory that every worktree shares.
	commonDir string
	// main is the repository's main worktree (see mainWorktree); "" for
	// a bare repository, and for one whose main worktree its files do not
	// name.
	main string
}

// linked reports whether the worktree is a linked one (git worktree add),
// with a git directory of its own below the common directory.
func (r repository) linked() bool { return r.gitDir != r.commonDir }

// findRepository walks up from dir, which must be absolute, to the nearest
// git repository, as git would: at each level a .git directory that is a
// git directory, or a .git file ("gitdir: PATH"), makes that level a
// worktree's top; otherwise a directory that is itself a git directory
// (a bare repository, or the working directory is inside .git) ends the
// walk. A .git directory that is not a git directory is passed over. A .git
// file that names no git directory is an error: git refuses to work there
// too, and guessing would split the database. Paths come back with symlinks
// resolved, so every spelling of a directory finds the same repository.
func findRepository(dir string) (repository, bool, error) {
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return repository{}, false, err
	}
	for {
		dotGit := filepath.Join(dir, ".git")
		fi, err := os.Stat(dotGit)
		switch {
		case err == nil && fi.IsDir() && isGitDir(dotGit):
			r, err := repositoryOf(dir, dotGit)
			return r, err == nil, err
		case err == nil && fi.Mode().IsRegular():
			gitDir, err := readGitFile(dotGit)
			if err != nil {
				return repository{}, false, err
			}
			r, err := repositoryOf(dir, gitDir)
			return r, err == nil, err
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return repository{}, false, err
		}
		if isGitDir(dir) {
			r, err := repositoryOf("", dir)
			return r, err == nil, err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return repository{}, false, nil
		}
		dir = parent
	}
}

// isGitDir reports whether d looks like a git directory: a HEAD file, and
// either a commondir file (a linked worktree's) or objects and refs.
func isGitDir(d string) bool {
	if fi, err := os.Stat(filepath.Join(d, "HEAD")); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	if _, err := os.Stat(filepath.Join(d, "commondir")); err == nil {
		return true
	}
	return isDir(filepath.Join(d, "objects")) && isDir(filepath.Join(d, "refs"))
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// readGitFile returns the git directory that the .git file at path names,
// absolute and with symlinks resolved. A relative path in the file is
// relative to the directory holding it; forward slashes are read as the
// platform's separator (Git for Windows writes "gitdir: C:/x/y").
func readGitFile(path string) (string, error) {
	b, err := readSmall(path)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	rest, ok := strings.CutPrefix(strings.TrimRight(line, "\r \t"), "gitdir: ")
	if !ok || rest == "" {
		return "", fmt.Errorf("%s is not a .git file (want a line \"gitdir: PATH\")", path)
	}
	gitDir := pathIn(filepath.Dir(path), rest)
	resolved, err := filepath.EvalSymlinks(gitDir)
	if err != nil || !isGitDir(resolved) {
		return "", fmt.Errorf("%s points to %s, which is not a git directory (git worktree repair fixes a moved worktree)", path, gitDir)
	}
	return resolved, nil
}

// repositoryOf completes a repository from a worktree top ("" inside a git
// directory) and its git directory.
func repositoryOf(worktree, gitDir string) (repository, error) {
	gitDir, err := filepath.EvalSymlinks(gitDir)
	if err != nil {
		return repository{}, err
	}
	r := repository{worktree: worktree, gitDir: gitDir, commonDir: gitDir}
	b, err := readSmall(filepath.Join(gitDir, "commondir"))
	switch {
	case err == nil:
		c := pathIn(gitDir, strings.TrimRight(string(b), "\r\n"))
		if r.commonDir, err = filepath.EvalSymlinks(c); err != nil || !isDir(r.commonDir) {
			return repository{}, fmt.Errorf("%s names %s, which is not a directory", filepath.Join(gitDir, "commondir"), c)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return repository{}, err
	}
	r.main = mainWorktree(r.commonDir)
	return r, nil
}

// mainWorktree is the main worktree of the repository whose common git
// directory is common, as far as its files say: the worktree that
// core.worktree names (a submodule's), else the directory holding a common
// directory named .git; "" for a bare repository and when the files do not
// say (a git directory kept apart with --separate-git-dir). Every worktree
// of one repository gets the same answer, which is what matters: the
// database is shared by all of them.
func mainWorktree(common string) string {
	core := readCoreConfig(filepath.Join(common, "config"))
	switch {
	case core.bare:
		return ""
	case core.worktree != "":
		if p, err := filepath.EvalSymlinks(pathIn(common, core.worktree)); err == nil && isDir(p) {
			return p
		}
		return ""
	case filepath.Base(common) == ".git":
		return filepath.Dir(common)
	}
	return ""
}

// pathIn reads p, as written in a git file, relative to dir.
func pathIn(dir, p string) string {
	p = filepath.FromSlash(p)
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	return filepath.Clean(p)
}

// readSmall reads a file that git keeps small (a .git file, commondir,
// config), refusing anything implausibly large.
func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	const limit = 1 << 20
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if len(b) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return b, nil
}

// coreConfig is what Locate needs from a git config file.
type coreConfig struct {
	bare     bool
	worktree string
}

// readCoreConfig reads core.bare and core.worktree from a git config file:
// a minimal reading of git's format (sections, comments, quoted values,
// "key" alone meaning true) that ignores includes. A missing or unreadable
// file reads as the zero coreConfig.
func readCoreConfig(path string) coreConfig {
	var c coreConfig
	b, err := readSmall(path)
	if err != nil {
		return c
	}
	inCore := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				inCore = false
				continue
			}
			inCore = strings.EqualFold(strings.TrimSpace(line[1:end]), "core")
			line = strings.TrimSpace(line[end+1:])
		}
		if !inCore || line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		key, value, hasValue := strings.Cut(line, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		value = configValue(value)
		switch key {
		case "bare":
			c.bare = !hasValue || isTrue(value)
		case "worktree":
			c.worktree = value
		}
	}
	return c
}

// configValue unquotes a git config value and drops a trailing comment.
func configValue(v string) string {
	var out strings.Builder
	quoted := false
	v = strings.TrimSpace(v)
	for i := 0; i < len(v); i++ {
		switch ch := v[i]; {
		case ch == '"':
			quoted = !quoted
		case ch == '\\' && i+1 < len(v):
			i++
			switch v[i] {
			case 'n':
				out.WriteByte('\n')
			case 't':
				out.WriteByte('\t')
			default:
				out.WriteByte(v[i])
			}
		case (ch == '#' || ch == ';') && !quoted:
			return strings.TrimSpace(out.String())
		default:
			out.WriteByte(ch)
		}
	}
	return strings.TrimSpace(out.String())
}

func isTrue(v string) bool {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1":
		return true
	}
	return false
}

// keepOutOfGit keeps a SQLite database that is about to be created, its
// -wal, -shm and -journal files and the lock file beside it out of git
// status, when its directory is inside a git worktree. When the directory
// holds nothing but astrotask's own files (it was just created for the
// database), it gets a .gitignore of its own, created and never rewritten,
// that a project can commit. Otherwise the directory belongs to the project,
// so its files are left alone and the lines go to the repository's
// info/exclude instead, which git reads in every worktree and never commits;
// lines already there are kept. Nothing is done inside a git directory (a
// bare repository's database) or outside a repository.
//
// It is best effort: the database opens whether or not the lines could be
// written, as git status is a convenience and the database the point.
func keepOutOfGit(dbPath string) {
	dir, err := filepath.EvalSymlinks(filepath.Dir(dbPath))
	if err != nil {
		return
	}
	r, ok, err := findRepository(dir)
	if err != nil || !ok || r.worktree == "" {
		return
	}
	base := filepath.Base(dbPath)
	if onlyOurFiles(dir, base) {
		writeNewFile(filepath.Join(dir, ".gitignore"), ignoreLines("/"+base))
		return
	}
	if own, err := readSmall(filepath.Join(dir, ".gitignore")); err == nil && hasLine(own, ignorePattern("/"+base)) {
		return
	}
	rel, err := filepath.Rel(r.worktree, filepath.Join(dir, base))
	if err != nil || !filepath.IsLocal(rel) {
		return
	}
	appendExclude(filepath.Join(r.commonDir, "info", "exclude"), "/"+filepath.ToSlash(rel))
}

// ignoreLines are the gitignore lines for the database at pattern (a path
// from the ignore file's directory, starting with "/").
func ignoreLines(db string) string {
	lock := filepath.ToSlash(filepath.Join(filepath.Dir(db), lockcore.LockFileName))
	return "# The astrotask task database (astro, astrotask-mcp): export it to put tasks under version control.\n" +
		ignorePattern(db) + "\n" + ignorePattern(db) + "-*\n" + ignorePattern(lock) + "\n"
}

// ignorePattern escapes what gitignore would read as a pattern character.
func ignorePattern(p string) string {
	var b strings.Builder
	for i, r := range p {
		if strings.ContainsRune(`\*?[`, r) || (r == ' ' && i == len(p)-1) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// onlyOurFiles reports whether dir holds nothing but the database named
// base, its companions and the lock file.
func onlyOurFiles(dir, base string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		n := e.Name()
		if n != lockcore.LockFileName && n != base && !strings.HasPrefix(n, base+"-") {
			return false
		}
	}
	return true
}

// writeNewFile creates path with content, or does nothing if it exists.
func writeNewFile(path, content string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return
	}
	_, err = f.WriteString(content)
	if cerr := f.Close(); err != nil || cerr != nil {
		os.Remove(path)
	}
}

// hasLine reports whether b has a line equal to line.
func hasLine(b []byte, line string) bool {
	for l := range strings.SplitSeq(string(b), "\n") {
		if strings.TrimRight(l, "\r") == line {
			return true
		}
	}
	return false
}

// appendExclude adds the lines for the database at db (a path from the
// worktree's top) to an info/exclude file, unless they are there already.
func appendExclude(path, db string) {
	old, err := readSmall(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return
	}
	if hasLine(old, ignorePattern(db)) {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	sep := ""
	if len(old) > 0 && old[len(old)-1] != '\n' {
		sep = "\n"
	}
	f.WriteString(sep + ignoreLines(db))
}

package lockcore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// What Windows tells, for the wanted values of shared tests: nothing lists
// the processes holding the lock (so Inspect counts no readers and believes
// a record naming a live process of the right start time), and a probe
// finds the lowest gate, not the oldest.
const (
	kernelListsHolders = false
	getlkReportsOldest = false
)

var (
	kernel32      = windows.NewLazySystemDLL("kernel32.dll")
	ntdll         = windows.NewLazySystemDLL("ntdll.dll")
	procQPC       = kernel32.NewProc("QueryPerformanceCounter")
	procQPF       = kernel32.NewProc("QueryPerformanceFrequency")
	procHandleInf = kernel32.NewProc("GetHandleInformation")
	procSuspend   = ntdll.NewProc("NtSuspendProcess")
	procResume    = ntdll.NewProc("NtResumeProcess")
)

// underWine reports whether the test runs under Wine, whose ntdll exports
// wine_get_version.
func underWine() bool { return ntdll.NewProc("wine_get_version").Find() == nil }

// symlinkOrSkip is os.Symlink, checked: under Wine, whose
// CreateSymbolicLinkW reports success and creates nothing, it skips.
func symlinkOrSkip(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		skipUnderWine(t, "symbolic links: CreateSymbolicLinkW reports success and creates nothing")
		t.Fatalf("os.Symlink(%q, %q) made %v, %v; want a symlink", target, link, fi, err)
	}
}

// skipUnderWine skips a test that only a real Windows kernel can show; the
// same test runs natively in the GitHub workflow (windows-latest).
func skipUnderWine(t *testing.T, lacks string) {
	t.Helper()
	if underWine() {
		t.Skipf("Wine lacks %s; this test runs natively on windows-latest", lacks)
	}
}

// closeHandlesAtCleanup closes the registry's handles of lock files under
// dir when the test ends, before dir is removed (cleanups run last
// registered first): Windows keeps the name of a file that is open, even
// once deleted, so the directory could not be removed. Closing a handle
// drops what the test still holds through it. A handle with a flight is
// closed once the flight has ended: a flight lingering after a cancel ends
// when its holder does, and the test's helpers are gone by then.
func closeHandlesAtCleanup(tb testing.TB, dir string) {
	tb.Cleanup(func() {
		root := canonicalDir(dir)
		registry.Lock()
		defer registry.Unlock()
		closed := map[*handle]bool{}
		for key, h := range registry.m {
			if !closed[h] && !within(h.path, root) {
				continue
			}
			if !closed[h] {
				if !waitFor(h.grounded) {
					tb.Errorf("lock file %s: still waiting in LockFileEx at the end of the test", h.path)
					continue
				}
				closeFiles(h.fd, h.lk)
				closed[h] = true
			}
			delete(registry.m, key)
		}
	})
}

// grounded reports whether no flight of h waits in the kernel.
func (h *handle) grounded() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.flight == nil
}

func canonicalDir(dir string) string {
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		return d
	}
	return dir
}

func within(path, dir string) bool {
	rel, err := filepath.Rel(strings.ToLower(dir), strings.ToLower(canonicalDir(filepath.Dir(path))))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, `..\`)
}

// waitQueued waits, with a deadline, until the writer pid waits for the
// lock at path. Windows lists no lock waiters, so the writer is seen by
// its gate, which it takes just before it blocks in LockFileEx.
func waitQueued(t *testing.T, path string, pid int) {
	t.Helper()
	if !waitFor(func() bool { return holdsGate(t, path, pid) }) {
		t.Fatalf("writer %d never took its gate", pid)
	}
}

// holdsGate reports whether process pid, another than this one, holds a
// gate in its own slot of the lock file at path, as a probe sees it.
func holdsGate(t *testing.T, path string, pid int) bool {
	t.Helper()
	h, err := lookup(path)
	if err != nil {
		t.Fatal(err)
	}
	return !rangeFree(h.fd, gateOffset+int64(pid)%gateSlots*gateTurns, gateTurns)
}

// suspend suspends every thread of the helper (NtSuspendProcess), the
// nearest Windows has to SIGSTOP; resume lets them run again.
func (h *helper) suspend() { h.t.Helper(); h.ntProcess(procSuspend) }

func (h *helper) resume() { h.t.Helper(); h.ntProcess(procResume) }

func (h *helper) ntProcess(proc *windows.LazyProc) {
	h.t.Helper()
	p, err := windows.OpenProcess(windows.PROCESS_SUSPEND_RESUME, false, uint32(h.pid()))
	if err != nil {
		h.t.Fatalf("open process %d: %v", h.pid(), err)
	}
	defer windows.CloseHandle(p)
	if st, _, _ := proc.Call(uintptr(p)); st != 0 {
		h.t.Fatalf("%s(%d) = %#x", proc.Name, h.pid(), st)
	}
}

// freeElsewhere reports whether the lock at path could be taken
// exclusively through a handle of its own, and lets go at once.
func freeElsewhere(path string) (bool, error) {
	f, err := openReadOnly(path)
	if err != nil {
		return false, err
	}
	defer f.close()
	ok, err := kernelTry(f, ModeExclusive)
	if ok {
		kernelUnlock(f)
	}
	return ok, err
}

// inheritable reports whether handle f would be inherited by a child.
func inheritable(t *testing.T, f sysFile) bool {
	t.Helper()
	var flags uint32
	if ok, _, err := procHandleInf.Call(uintptr(f), uintptr(unsafe.Pointer(&flags))); ok == 0 {
		t.Fatalf("GetHandleInformation: %v", err)
	}
	return flags&windows.HANDLE_FLAG_INHERIT != 0
}

// mono reads the performance counter, which all processes share, in ns.
func mono() int64 {
	var c, f int64
	procQPC.Call(uintptr(unsafe.Pointer(&c)))
	procQPF.Call(uintptr(unsafe.Pointer(&f)))
	return c/f*1e9 + c%f*1e9/f
}

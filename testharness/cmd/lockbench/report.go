package main

import (
	"fmt"
	"io"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// Report is everything one lockbench run measured.
type Report struct {
	Machine  string    `json:"machine"`
	Go       string    `json:"go"`
	Node     string    `json:"node,omitempty"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Cycle    *Cycle    `json:"cycle"`
	W1       struct {
		Raw  *W1 `json:"raw"`
		Ours *W1 `json:"lockcore"`
		Peer *W1 `json:"reference,omitempty"`
	} `json:"w1"`
	Crash struct {
		Raw  *Crash `json:"raw"`
		Ours *Crash `json:"lockcore"`
		Peer *Crash `json:"reference,omitempty"`
	} `json:"crash"`
	E2E   *E2E     `json:"e2e,omitempty"`
	W2    *W2      `json:"w2,omitempty"`
	Notes []string `json:"notes,omitempty"`
}

func goVersion() string { return runtime.Version() }

// machine describes the CPU, cores and kernel in one line.
func machine() string {
	model := cpuModel()
	if model == "" {
		model = "unknown CPU"
	}
	var u unix.Utsname
	kernel := ""
	if unix.Uname(&u) == nil {
		kernel = " " + unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:])
	}
	return fmt.Sprintf("%s, %d cores,%s", model, runtime.NumCPU(), kernel)
}

func writeMarkdown(w io.Writer, r *Report) {
	peer := r.W1.Peer != nil
	fmt.Fprintf(w, "Machine: %s. %s", r.Machine, r.Go)
	if r.Node != "" {
		fmt.Fprintf(w, ", node %s", r.Node)
	}
	fmt.Fprintf(w, ". Run %s.\n\n", r.Started.Format("2006-01-02 15:04 MST"))
	head := "| Measure | raw flock (baseline) | lockcore | lockcore ÷ raw |"
	sep := "|---|---:|---:|---:|"
	if peer {
		head += " reference (@astrotask/core 0.4.0) | reference ÷ raw |"
		sep += "---:|---:|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, sep)
	row := func(name string, raw, ours, ref float64, unit string, digits int, ratio bool) {
		f := func(v float64) string { return fmt.Sprintf("%.*f %s", digits, v, unit) }
		line := fmt.Sprintf("| %s | %s | %s | %s |", name, f(raw), f(ours), ratioStr(ours, raw, ratio))
		if peer {
			line += fmt.Sprintf(" %s | %s |", f(ref), ratioStr(ref, raw, ratio))
		}
		fmt.Fprintln(w, line)
	}
	text := func(name, raw, ours, ref string) {
		line := fmt.Sprintf("| %s | %s | %s | — |", name, raw, ours)
		if peer {
			line += fmt.Sprintf(" %s | — |", ref)
		}
		fmt.Fprintln(w, line)
	}
	c := r.Cycle
	row("Uncontended exclusive cycle", c.RawNs/1e3, c.OursNs/1e3, c.PeerNs/1e3, "µs", 1, true)
	wr, wo, wp := r.W1.Raw, r.W1.Ours, r.W1.Peer
	if wp == nil {
		wp = &W1{}
	}
	w1 := fmt.Sprintf("W1 (%d processes × %d, %.0f ms hold)", wo.Procs, wo.PerProc, wo.HoldMs)
	row(w1+": wall time", wr.WallMs/1e3, wo.WallMs/1e3, wp.WallMs/1e3, "s", 2, true)
	row("W1: lock utilisation", wr.Utilisation*100, wo.Utilisation*100, wp.Utilisation*100, "%", 0, true)
	row("W1: wait p50", wr.WaitP50Ms, wo.WaitP50Ms, wp.WaitP50Ms, "ms", 1, true)
	row("W1: wait p99", wr.WaitP99Ms, wo.WaitP99Ms, wp.WaitP99Ms, "ms", 1, true)
	row("W1: wait max", wr.WaitMaxMs, wo.WaitMaxMs, wp.WaitMaxMs, "ms", 1, true)
	acq := func(x *W1) string { return fmt.Sprintf("%d / %.1f", x.MinAcq, x.MeanAcq) }
	text("W1: acquisitions per process, min / mean", acq(wr), acq(wo), acq(wp))
	text("W1: acquisitions that gave up", fmt.Sprint(wr.Failed), fmt.Sprint(wo.Failed), fmt.Sprint(wp.Failed))
	text("W1: overlapping holds", fmt.Sprint(wr.Overlaps), fmt.Sprint(wo.Overlaps), fmt.Sprint(wp.Overlaps))
	cr, co, cp := r.Crash.Raw, r.Crash.Ours, r.Crash.Peer
	if cp == nil {
		cp = &Crash{}
	}
	name := fmt.Sprintf("Crash recovery, SIGKILL to next holder (n = %d", co.Kills)
	if peer {
		name += fmt.Sprintf("; reference n = %d", cp.Kills)
	}
	row(name+"): p50", cr.P50Ms, co.P50Ms, cp.P50Ms, "ms", 2, true)
	row("Crash recovery: p99", cr.P99Ms, co.P99Ms, cp.P99Ms, "ms", 2, true)
	if e := r.E2E; e != nil {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| End to end | baseline | baseline time | measured | ÷ baseline |")
		fmt.Fprintln(w, "|---|---|---:|---:|---:|")
		fmt.Fprintf(w, "| `astro task add`, whole process (median of %d) | `astro --help` process | %.1f ms | %.1f ms | %s |\n",
			e.Runs, e.HelpMs, e.AddMs, ratioStr(e.AddMs, e.HelpMs, true))
		fmt.Fprintf(w, "| MCP `listTasks` round trip, %d tasks (median of %d) | MCP `ping` round trip | %.2f ms | %.2f ms | %s |\n",
			e.ListTasks, e.Calls, e.PingMs, e.ListMs, ratioStr(e.ListMs, e.PingMs, true))
	}
	if r.W2 != nil {
		writeW2(w, r.W2)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\n%s\n", n)
	}
}

func ratioStr(v, base float64, ok bool) string {
	if !ok || base == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", v/base)
}

// writeW2 prints the agent workload, each run's throughput also as a
// multiple of the same mode with the fewest agents.
func writeW2(w io.Writer, x *W2) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "| W2: agents drain %d ready tasks (%.0f ms work each) | agents | tasks/s | × fewest agents | calls per task | lost claims | double claims | call p50 | call p99 |\n",
		x.Tasks, x.WorkMs)
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	base := map[string]float64{}
	for _, r := range x.Runs {
		if _, ok := base[r.Mode]; !ok {
			base[r.Mode] = r.TasksPerSec
		}
		fmt.Fprintf(w, "| `%s` | %d | %.1f | %s | %.2f | %d | %d | %.2f ms | %.2f ms |\n",
			r.Mode, r.Agents, r.TasksPerSec, ratioStr(r.TasksPerSec, base[r.Mode], true), r.CallsPerTask,
			r.LostClaims, r.Duplicates, r.P50Ms, r.P99Ms)
	}
}

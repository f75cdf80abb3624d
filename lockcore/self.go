package lockcore

import (
	"os"
	"sync"
	"time"
)

// self describes this process as it is written into holder records.
var self = sync.OnceValue(func() LockInfo {
	host, _ := os.Hostname()
	return LockInfo{PID: os.Getpid(), Host: host, Start: startTime(os.Getpid()), Boot: bootID()}
})

// newRecord returns this process's holder record for mode, stamped now.
func newRecord(process string, mode Mode) LockInfo {
	li := self()
	li.State, li.Process, li.Mode, li.Timestamp = StateHeld, process, mode, time.Now().UnixMilli()
	return li
}

// verify reports whether li names a live process: same host and boot, pid
// alive, start time unchanged when both are known.
func verify(li *LockInfo) bool {
	me := self()
	if li == nil || li.Host != me.Host || !pidAlive(li.PID) {
		return false
	}
	if li.Boot != "" && me.Boot != "" && li.Boot != me.Boot {
		return false
	}
	return li.Start == 0 || startTime(li.PID) == li.Start
}

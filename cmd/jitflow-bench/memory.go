package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// memory is this process's resident set (VmRSS) and live heap after a GC.
func memory() (rss, heap uint64) {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, _ = procMemory("self")
	return rss, ms.HeapAlloc
}

// procMemory reads a process's resident set (VmRSS) and its peak (VmHWM)
// from /proc/<pid>/status (Linux); zeros elsewhere or once it has gone.
func procMemory(pid string) (rss, peak uint64) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, 0
	}
	return statusKB(string(b), "VmRSS"), statusKB(string(b), "VmHWM")
}

// statusKB is field of a /proc status file ("VmRSS:   1234 kB") in bytes.
func statusKB(status, field string) uint64 {
	for line := range strings.Lines(status) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// memory is the child's RSS and peak as procMemory reads them.
func (c *child) memory() (rss, peak uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return 0, 0
	}
	return procMemory(fmt.Sprint(c.cmd.Process.Pid))
}

package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// procStatus is what the tool reads from /proc/<pid>/status.
type procStatus struct {
	RSS     int64 // VmRSS, bytes
	HWM     int64 // VmHWM (peak RSS), bytes
	Threads int
}

// readStatus reads /proc/<pid>/status.
func readStatus(pid int) (procStatus, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procStatus{}, err
	}
	return parseStatus(string(b))
}

// parseStatus reads VmRSS, VmHWM and Threads from a /proc/<pid>/status text.
func parseStatus(text string) (procStatus, error) {
	var s procStatus
	var found bool
	for line := range strings.Lines(text) {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fields := strings.Fields(val)
		if len(fields) == 0 {
			continue
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			continue
		}
		switch key {
		case "VmRSS":
			s.RSS, found = n<<10, true // the kernel writes kB, meaning KiB
		case "VmHWM":
			s.HWM = n << 10
		case "Threads":
			s.Threads = int(n)
		}
	}
	if !found {
		return s, errors.New("no VmRSS line (a kernel thread, or a process that has exited)")
	}
	return s, nil
}

// openFilesLimit returns the soft "Max open files" of /proc/<pid>/limits; -1 means
// unlimited.
func openFilesLimit(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return 0, err
	}
	return parseOpenFilesLimit(string(b))
}

func parseOpenFilesLimit(text string) (int64, error) {
	for line := range strings.Lines(text) {
		rest, ok := strings.CutPrefix(line, "Max open files")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			break
		}
		if fields[0] == "unlimited" {
			return -1, nil
		}
		return strconv.ParseInt(fields[0], 10, 64)
	}
	return 0, errors.New("no Max open files line")
}

// raiseFileLimit raises this process's soft RLIMIT_NOFILE to its hard limit and returns
// the soft limit now in force.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, err
		}
	}
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	return lim.Cur, nil
}

// findListener returns the pid of the process listening on addr's TCP port on
// loopback or a wildcard address, by matching the socket's inode in /proc/net/tcp{,6}
// against /proc/<pid>/fd. It sees only processes this user may inspect.
func findListener(addr string) (int, error) {
	inodes, port, err := listenerInodes(addr)
	if err != nil {
		return 0, err
	}
	pids, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return 0, err
	}
	for _, dir := range pids {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if holdsSocket(pid, inodes) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no visible process holds the socket listening on port %d; pass -server-pid", port)
}

// listens reports whether pid holds the socket listening on addr's port.
func listens(pid int, addr string) bool {
	inodes, _, err := listenerInodes(addr)
	return err == nil && holdsSocket(pid, inodes)
}

// listenerInodes returns the inodes of the sockets listening on addr's port.
func listenerInodes(addr string) (map[string]bool, uint16, error) {
	_, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, 0, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, 0, fmt.Errorf("port %q: %w", portStr, err)
	}
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, ino := range listeningInodes(string(b), uint16(port)) {
			inodes[ino] = true
		}
	}
	if len(inodes) == 0 {
		return nil, uint16(port), fmt.Errorf("nothing listens on port %d", port)
	}
	return inodes, uint16(port), nil
}

// holdsSocket reports whether one of pid's open files is a socket with one of inodes.
func holdsSocket(pid int, inodes map[string]bool) bool {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false // not ours to look at, or gone
	}
	for _, fd := range fds {
		target, err := os.Readlink(dir + "/" + fd.Name())
		if err != nil {
			continue
		}
		if ino, ok := strings.CutPrefix(target, "socket:["); ok && inodes[strings.TrimSuffix(ino, "]")] {
			return true
		}
	}
	return false
}

// listeningInodes returns the inodes of the sockets in LISTEN state (0A) on port, from
// the text of /proc/net/tcp or /proc/net/tcp6.
func listeningInodes(text string, port uint16) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
		if len(f) < 10 || f[3] != "0A" {
			continue
		}
		_, hexPort, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		p, err := strconv.ParseUint(hexPort, 16, 16)
		if err != nil || uint16(p) != port {
			continue
		}
		out = append(out, f[9])
	}
	return out
}

// checkLoopback refuses any target that is not a loopback address: the tool opens
// thousands of connections and must never be pointed at someone else's server.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: want host:port: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %q: only loopback targets (127.0.0.1, ::1, localhost) are allowed", addr)
	}
	return nil
}

// clockTick is USER_HZ, the unit of /proc's CPU times: 100 on every Linux the tool
// targets.
const clockTick = 100

// cpuTimes is a snapshot of CPU time: the server's, this process's, and the machine's
// busy and total time, all in clock ticks.
type cpuTimes struct {
	server, self, busy, total int64
}

// sampleCPU reads /proc/<serverPID>/stat, /proc/self/stat and /proc/stat; a part that
// cannot be read stays 0.
func sampleCPU(serverPID int) cpuTimes {
	var t cpuTimes
	if serverPID > 0 {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", serverPID)); err == nil {
			t.server = parseProcCPU(string(b))
		}
	}
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		t.self = parseProcCPU(string(b))
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		t.busy, t.total = parseSystemCPU(string(b))
	}
	return t
}

// parseProcCPU returns utime+stime from a /proc/<pid>/stat line. The command name (field
// 2) may hold spaces and parentheses, so fields are counted after its last ')'.
func parseProcCPU(stat string) int64 {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// parseSystemCPU returns busy and total ticks from /proc/stat's "cpu" line (idle and
// iowait count as not busy).
func parseSystemCPU(stat string) (busy, total int64) {
	for line := range strings.Lines(stat) {
		f := strings.Fields(line)
		if len(f) < 6 || f[0] != "cpu" {
			continue
		}
		for i, v := range f[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			total += n
			if i != 3 && i != 4 { // idle, iowait
				busy += n
			}
		}
		// guest and guest_nice are already counted in user and nice.
		if len(f) > 9 {
			for _, v := range f[9:min(len(f), 11)] {
				n, _ := strconv.ParseInt(v, 10, 64)
				total -= n
				busy -= n
			}
		}
		return busy, total
	}
	return 0, 0
}

// cpuUse is how the CPU was spent between two samples, in cores (1.0 = one core busy
// for the whole interval).
type cpuUse struct{ server, self, others float64 }

func cpuBetween(a, b cpuTimes, wall time.Duration, cores int) cpuUse {
	secs := wall.Seconds()
	if secs <= 0 {
		return cpuUse{}
	}
	u := cpuUse{
		server: float64(b.server-a.server) / clockTick / secs,
		self:   float64(b.self-a.self) / clockTick / secs,
	}
	if dt := b.total - a.total; dt > 0 {
		busy := float64(b.busy-a.busy) / float64(dt) * float64(cores)
		u.others = max(busy-u.server-u.self, 0)
	}
	return u
}

func (u cpuUse) String() string {
	return fmt.Sprintf("CPU in cores: server %.2f, ddpload %.2f, other processes %.2f", u.server, u.self, u.others)
}

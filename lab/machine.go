package lab

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// Machine is what a run's numbers were measured on, as a kept run names
// it: no host name, no path.
type Machine struct {
	CPU        string `json:"cpu"`
	Cores      int    `json:"cores"`
	Kernel     string `json:"kernel"`
	Go         string `json:"go"`
	LoadBefore string `json:"loadavg_before"`
	LoadAfter  string `json:"loadavg_after"`
}

// DescribeMachine reads this machine's processor, cores, kernel and Go,
// and its load average now.
func DescribeMachine() *Machine {
	m := &Machine{CPU: "unknown CPU", Cores: runtime.NumCPU(), Go: runtime.Version(),
		LoadBefore: LoadAvg()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.Kernel = unix.ByteSliceToString(u.Sysname[:]) + " " +
			unix.ByteSliceToString(u.Release[:]) + " " + runtime.GOARCH
	}
	return m
}

// LoadAvg is the 1-, 5- and 15-minute load average: how busy the machine
// was with other work, which makes the timings noisy.
func LoadAvg() string {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// String is the machine in one line, as a table's heading gives it.
func (m *Machine) String() string {
	return fmt.Sprintf("%s, %d cores, %s, %s", m.CPU, m.Cores, m.Kernel, m.Go)
}

package main

// CPU accounting from /proc: of one process, of a process tree, of the
// whole machine.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

type cpuTimes struct{ self, children float64 }

// procCPU reads utime+stime and cutime+cstime (waited-for children) of pid.
func procCPU(pid int) (cpuTimes, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return cpuTimes{}, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return cpuTimes{}, errors.New("bad /proc/PID/stat")
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 15 {
		return cpuTimes{}, errors.New("short /proc/PID/stat")
	}
	num := func(k int) float64 { v, _ := strconv.ParseFloat(f[k-3], 64); return v / 100 } // USER_HZ
	return cpuTimes{self: num(14) + num(15), children: num(16) + num(17)}, nil
}

// readSysBusy is the machine's busy CPU seconds so far, all CPUs
// (user+nice+system+irq+softirq+steal of /proc/stat).
func readSysBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(f) < 9 {
		return 0
	}
	var busy float64
	for _, k := range []int{1, 2, 3, 6, 7, 8} {
		v, _ := strconv.ParseFloat(f[k], 64)
		busy += v
	}
	return busy / 100 // USER_HZ
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// cpuSnap: CPU seconds so far of the worker (itself, its reaped children),
// of the API and MinIO, and of the whole machine.
type cpuSnap struct{ worker, children, others, machine float64 }

func (b *bench) snap() cpuSnap {
	w, _ := procCPU(b.o.workerPID)
	a, _ := procCPU(b.o.apiPID)
	return cpuSnap{worker: w.self, children: w.children, others: a.self + b.minioCPU(), machine: readSysBusy()}
}

// minioCPU is MinIO's CPU seconds so far (0 when its pid is unknown).
func (b *bench) minioCPU() float64 {
	if b.o.minioPID == 0 {
		return 0
	}
	c, err := procCPU(b.o.minioPID)
	if err != nil {
		return 0
	}
	return c.self
}

// cpuCores is how many cores each party kept busy during a timed step:
// CPU seconds / wall seconds. PostgreSQL is the whole cluster (the stack's
// databases included); Rest is everything else on the machine.
type cpuCores struct {
	API      float64 `json:"api"`
	Worker   float64 `json:"worker"`
	Postgres float64 `json:"postgres"`
	Redis    float64 `json:"redis"`
	Nginx    float64 `json:"nginx"`
	// LearningLocker is the comparison LRS (lrs section).
	LearningLocker float64 `json:"learning_locker,omitempty"`
	Client         float64 `json:"client"` // benchtool itself, or wrk
	Rest           float64 `json:"rest"`
}

func (c cpuCores) String(client string) string {
	parts := []string{fmt.Sprintf("API %.2f", c.API)}
	for _, p := range []struct {
		name string
		v    float64
	}{{"PostgreSQL", c.Postgres}, {"Redis", c.Redis}, {"nginx", c.Nginx}, {"Learning Locker", c.LearningLocker}, {"worker", c.Worker},
		{client, c.Client}, {"rest of the machine", c.Rest}} {
		if p.v >= 0.005 {
			parts = append(parts, fmt.Sprintf("%s %.2f", p.name, p.v))
		}
	}
	return "CPU cores: " + strings.Join(parts, ", ")
}

type coreSnap struct {
	at                                               time.Time
	api, worker, pg, redis, nginx, ll, self, machine float64
}

// coreSnap reads the CPU seconds so far of each party. A party is a
// process tree: each live process's own time plus what it reaped.
func (b *bench) coreSnap() coreSnap { return b.snapOf(b.o.apiPID, 0) }

// snapOf is coreSnap with api as the API (the lrs section has two) and
// ll as Learning Locker (0: none).
func (b *bench) snapOf(api, ll int) coreSnap {
	procs := readProcs()
	self, _ := procCPU(os.Getpid())
	return coreSnap{
		at: time.Now(), api: procs.tree(api), worker: procs.tree(b.o.workerPID),
		pg: procs.tree(b.o.pgPID), redis: procs.tree(b.o.redisPID), nginx: procs.tree(b.o.core.nginxPID), ll: procs.tree(ll),
		self: self.self, machine: readSysBusy(),
	}
}

// cores turns two snapshots into cores busy. client is the CPU seconds of
// the client when it is not benchtool itself (wrk); 0 means benchtool.
func cores(s0, s1 coreSnap, client float64) cpuCores {
	wall := s1.at.Sub(s0.at).Seconds()
	if wall <= 0 {
		return cpuCores{}
	}
	if client == 0 {
		client = s1.self - s0.self
	}
	c := cpuCores{API: s1.api - s0.api, Worker: s1.worker - s0.worker, Postgres: s1.pg - s0.pg,
		Redis: s1.redis - s0.redis, Nginx: s1.nginx - s0.nginx, LearningLocker: s1.ll - s0.ll, Client: client}
	c.Rest = (s1.machine - s0.machine) - c.API - c.Worker - c.Postgres - c.Redis - c.Nginx - c.LearningLocker - c.Client
	for _, p := range []*float64{&c.API, &c.Worker, &c.Postgres, &c.Redis, &c.Nginx, &c.LearningLocker, &c.Client, &c.Rest} {
		*p = round(max(0, *p)/wall, 2)
	}
	return c
}

type procStat struct {
	ppid int
	cpu  float64 // utime+stime+cutime+cstime, seconds
}

type procTable map[int]procStat

func readProcs() procTable {
	out := procTable{}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
		if len(f) < 15 {
			continue
		}
		num := func(k int) float64 { v, _ := strconv.ParseFloat(f[k-3], 64); return v / 100 } // USER_HZ
		ppid, _ := strconv.Atoi(f[1])
		out[pid] = procStat{ppid: ppid, cpu: num(14) + num(15) + num(16) + num(17)}
	}
	return out
}

// tree is the CPU seconds of root and its live descendants (with what each
// reaped); 0 for pid 0 or a process that is gone.
func (t procTable) tree(root int) float64 {
	if root <= 0 {
		return 0
	}
	if _, ok := t[root]; !ok {
		return 0
	}
	var sum float64
	for pid, p := range t {
		for q, n := pid, 0; q > 1 && n < 16; n++ {
			if q == root {
				sum += p.cpu
				break
			}
			q = t[q].ppid
		}
	}
	return sum
}

// machineBusy is how many cores the machine keeps busy over d.
func machineBusy(ctx context.Context, d time.Duration) float64 {
	s0, t0 := readSysBusy(), time.Now()
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
	return round((readSysBusy()-s0)/time.Since(t0).Seconds(), 2)
}

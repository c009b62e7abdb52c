package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// command is one process to run and time.
type command struct {
	dir  string
	env  []string
	args []string
}

// run runs c and returns how long it took, also when it fails. On failure the error holds the
// end of the command's output.
func (c command) run() (time.Duration, error) {
	cmd := exec.Command(c.args[0], c.args[1:]...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), c.env...)
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output

	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		return elapsed, fmt.Errorf("%s in %s: %w\n%s", strings.Join(c.args, " "), c.dir, err,
			lastLines(output.String(), 30))
	}
	return elapsed, nil
}

// output runs c and returns its standard output, trimmed.
func (c command) output() (string, error) {
	cmd := exec.Command(c.args[0], c.args[1:]...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), c.env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w\n%s", strings.Join(c.args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

func lastLines(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// alternate runs a and b n times each, in the order A B B A A B ..., so that a machine that
// slows down or speeds up during the run weighs on both sides alike.
func alternate(n int, a, b func() (time.Duration, error)) (as, bs []time.Duration, err error) {
	for i := range n {
		var da, db time.Duration
		if i%2 == 0 {
			da, err = a()
			if err == nil {
				db, err = b()
			}
		} else {
			db, err = b()
			if err == nil {
				da, err = a()
			}
		}
		if err != nil {
			return nil, nil, err
		}
		as, bs = append(as, da), append(bs, db)
	}
	return as, bs, nil
}

// rotate runs each of fs n times, starting each round with the next one, and returns the times
// of each: alternate for more than two sides.
func rotate(n int, fs ...func() (time.Duration, error)) ([][]time.Duration, error) {
	times := make([][]time.Duration, len(fs))
	for round := range n {
		for k := range fs {
			i := (round + k) % len(fs)
			d, err := fs[i]()
			if err != nil {
				return nil, err
			}
			times[i] = append(times[i], d)
		}
	}
	return times, nil
}

// repeat runs f n times and returns the times.
func repeat(n int, f func() (time.Duration, error)) ([]time.Duration, error) {
	var times []time.Duration
	for range n {
		d, err := f()
		if err != nil {
			return nil, err
		}
		times = append(times, d)
	}
	return times, nil
}

func median(times []time.Duration) time.Duration {
	sorted := slices.Clone(times)
	slices.Sort(sorted)
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// seconds formats a duration as seconds with two decimals.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// spread formats the runs of one side, fastest to slowest, for the reader to judge the noise.
func spread(times []time.Duration) string {
	sorted := slices.Clone(times)
	slices.Sort(sorted)
	parts := make([]string, len(sorted))
	for i, d := range sorted {
		parts[i] = fmt.Sprintf("%.2f", d.Seconds())
	}
	return strings.Join(parts, " ")
}

// table prints a Markdown table.
func table(header []string, rows [][]string) {
	fmt.Println("| " + strings.Join(header, " | ") + " |")
	fmt.Println("|" + strings.Repeat(" --- |", len(header)))
	for _, row := range rows {
		fmt.Println("| " + strings.Join(row, " | ") + " |")
	}
	fmt.Println()
}

// machine describes the machine and the tool versions, for the head of the report.
func (b *bench) machine() string {
	cpu := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	memory := "unknown"
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		if _, err := fmt.Sscanf(string(data), "MemTotal: %d kB", &kb); err == nil {
			memory = fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
		}
	}
	load, _ := os.ReadFile("/proc/loadavg")
	version := func(args ...string) string {
		out, err := command{dir: b.root, args: args}.output()
		if err != nil {
			return "unknown"
		}
		return strings.SplitN(out, "\n", 2)[0]
	}
	npmLib := "unknown"
	if data, err := os.ReadFile(filepath.Join(b.root, "bench/node_modules/aws-cdk-lib/package.json")); err == nil {
		var pkg struct{ Version string }
		if json.Unmarshal(data, &pkg) == nil {
			npmLib = pkg.Version
		}
	}
	goLib := version("go", "list", "-m", "-f", "{{.Version}}", "github.com/aws/aws-cdk-go/awscdk/v2")

	return fmt.Sprintf("## Machine\n\n"+
		"- %d cores (%s), %s memory, %s; load average at start %s\n"+
		"- %s, Node.js %s, CDK CLI %s\n"+
		"- aws-cdk-lib %s (Go bindings) and %s (npm, for the JavaScript app)\n",
		runtime.NumCPU(), cpu, memory, runtime.GOOS+"/"+runtime.GOARCH,
		strings.Join(strings.Fields(string(load))[:3], " "),
		version("go", "env", "GOVERSION"), version("node", "--version"),
		version(b.cdk, "--version"), goLib, npmLib)
}

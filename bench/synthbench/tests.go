package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// testSuite is item 6: the time of `make test` with warm caches, what its steps take, and
// which test packages dominate when their tests run again.
func (b *bench) testSuite() error {
	shell, log, err := b.writeTimingShell()
	if err != nil {
		return err
	}
	makeTest := command{dir: b.root, args: []string{"make", "--no-print-directory", "test",
		"SHELL=" + shell}, env: []string{"SYNTHBENCH_STEP_LOG=" + log}}

	// A failing run is timed and reported, not fatal: the suite belongs to everyone, and a
	// test that fails now and then must not hide the figures.
	var failures []string
	timedMakeTest := func() (time.Duration, error) {
		d, err := makeTest.run()
		if err != nil {
			failures = append(failures, lastLines(err.Error(), 4))
		}
		return d, nil
	}

	// The first run fills Go's build and test caches, and golangci-lint's.
	if _, err := timedMakeTest(); err != nil {
		return err
	}
	failures = nil
	if err := os.Remove(log); err != nil && !os.IsNotExist(err) {
		return err
	}
	times, err := repeat(b.opts.testRuns, timedMakeTest)
	if err != nil {
		return err
	}
	steps, err := readSteps(log, b.opts.testRuns)
	if err != nil {
		return err
	}

	fmt.Printf("## 6. The test suite\n\n")
	fmt.Printf("`make test` with warm caches (after one untimed run), %d runs: median **%s** "+
		"(runs: %s s).\n\n", b.opts.testRuns, seconds(median(times)), spread(times))
	for _, failure := range failures {
		fmt.Printf("A run failed (its time is counted up to the failure):\n\n```\n%s\n```\n\n", failure)
	}
	fmt.Printf("Its steps, median of the same runs (each recipe line timed by a wrapping shell):\n\n")
	table([]string{"step", "median"}, steps)

	// Go's test cache answers for every package whose inputs did not change; any edit to a
	// construct invalidates the packages that synthesize, so what they cost is measured apart:
	// all packages once, then the slowest again without CDK's built-in template validation.
	all, total, err := b.testPackages(nil, "")
	if err != nil {
		return err
	}
	slowest := all[:min(4, len(all))]
	var names []string
	for _, p := range slowest {
		names = append(names, p.name)
	}

	// Run alone, the slowest compete with fewer packages for the two cores; both variants
	// run alone, one after the other, so that only the variable differs.
	asIs, _, err := b.testPackages(names, "")
	if err != nil {
		return err
	}
	without, _, err := b.testPackages(names, "false")
	if err != nil {
		return err
	}
	fmt.Printf("`go test -count=1 ./...` (every test runs again): %s in all. Its slowest packages, "+
		"then those packages alone, as they are and with `CDK_VALIDATION=false` (synth without "+
		"aws-cdk-lib's built-in CloudFormation validation):\n\n", seconds(total))
	find := func(times []packageTime, name string) string {
		for _, q := range times {
			if q.name == name {
				return q.String()
			}
		}
		return "?"
	}
	var rows [][]string
	for _, p := range slowest {
		rows = append(rows, []string{strings.TrimPrefix(p.name, modulePath+"/"), p.String(),
			find(asIs, p.name), find(without, p.name)})
	}
	table([]string{"package", "in ./...", "alone", "alone, CDK_VALIDATION=false"}, rows)
	return nil
}

// packageTime is how long one package's tests took.
type packageTime struct {
	name    string
	elapsed float64
	failed  bool
}

func (p packageTime) String() string {
	text := fmt.Sprintf("%.2f s", p.elapsed)
	if p.failed {
		text += " (failed)"
	}
	return text
}

// testPackages runs the tests of packages (all when nil) once, uncached, and returns the
// packages slowest first with their elapsed times, and the wall time of the whole run.
func (b *bench) testPackages(packages []string, validation string) ([]packageTime, time.Duration, error) {
	if packages == nil {
		packages = []string{"./..."}
	}
	cmd := exec.Command("go", slices.Concat([]string{"test", "-count=1", "-json"}, packages)...)
	cmd.Dir = b.root
	cmd.Env = os.Environ()
	if validation != "" {
		cmd.Env = append(cmd.Env, "CDK_VALIDATION="+validation)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	total := time.Since(start)
	if err != nil && stdout.Len() == 0 {
		return nil, 0, fmt.Errorf("go test -count=1 %s: %w\n%s", strings.Join(packages, " "), err,
			stderr.String())
	}

	// Failing packages are timed like the others and marked: their owners will see to them.

	type event struct {
		Action  string
		Package string
		Test    string
		Elapsed float64
	}
	var times []packageTime
	scanner := bufio.NewScanner(&stdout)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	for scanner.Scan() {
		var e event
		if json.Unmarshal(scanner.Bytes(), &e) == nil && e.Test == "" &&
			(e.Action == "pass" || e.Action == "fail") {
			times = append(times, packageTime{name: e.Package, elapsed: e.Elapsed,
				failed: e.Action == "fail"})
		}
	}
	slices.SortFunc(times, func(a, b packageTime) int { return compareFloat(b.elapsed, a.elapsed) })
	return times, total, nil
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// writeTimingShell writes a shell for make that runs each recipe line with bash, as the
// Makefile's SHELL would, and logs how long it took.
func (b *bench) writeTimingShell() (shell, log string, err error) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		return "", "", err
	}
	shell = filepath.Join(b.tmp, "timing-shell")
	log = filepath.Join(b.tmp, "steps.log")
	script := "#!" + bash + "\n" +
		"start=$(date +%s%N)\n" +
		"'" + bash + "' \"$@\"\n" +
		"status=$?\n" +
		"end=$(date +%s%N)\n" +
		"line=$(printf '%s' \"${@: -1}\" | tr '\\n\\t' '  ')\n" +
		"printf '%s\\t%s\\n' \"$(( (end - start) / 1000000 ))\" \"$line\" >> \"$SYNTHBENCH_STEP_LOG\"\n" +
		"exit $status\n"
	return shell, log, os.WriteFile(shell, []byte(script), 0o755)
}

// readSteps reads the timing shell's log of runs runs of make test and returns the median of
// each step, in the order they ran. Recipe lines that only print or test are left out.
func readSteps(log string, runs int) ([][]string, error) {
	data, err := os.ReadFile(log)
	if err != nil {
		return nil, err
	}
	var order []string
	durations := map[string][]time.Duration{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
		ms, text, ok := strings.Cut(line, "\t")
		millis, err := strconv.Atoi(ms)
		if !ok || err != nil {
			continue
		}
		text = strings.Join(strings.Fields(text), " ")
		if _, seen := durations[text]; !seen {
			order = append(order, text)
		}
		durations[text] = append(durations[text], time.Duration(millis)*time.Millisecond)
	}

	var rows [][]string
	for _, text := range order {
		d := median(durations[text])
		if d < 50*time.Millisecond {
			continue
		}
		note := ""
		if n := len(durations[text]); n != runs {
			note = fmt.Sprintf(" (ran %d times in %d runs)", n, runs)
		}
		if len(text) > 90 {
			text = text[:87] + "..."
		}
		rows = append(rows, []string{"`" + strings.ReplaceAll(text, "|", "\\|") + "`" + note, seconds(d)})
	}
	return rows, nil
}

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// buildHandlers is the number of handlers of item 3.
const buildHandlers = 20

// goCalls counts the go commands golambda ran during one synth, from the shim's log.
type goCalls struct {
	builds   int // go build invocations
	packages int // main packages those invocations built
	lists    int // go list invocations
	others   int // any other go command
}

func (c goCalls) String() string {
	return fmt.Sprintf("%d go build (%d packages), %d go list, %d other", c.builds, c.packages,
		c.lists, c.others)
}

// builds is item 3: a first synth of 20 handlers, a second one with nothing changed, one after
// an edit of one handler, and one after an edit of the package all of them import.
func (b *bench) builds() error {
	shim, err := b.writeGoShim()
	if err != nil {
		return err
	}

	scenarios := []struct {
		name string
		edit func(dir string, rep int) error
		goal string
	}{
		{"first synth (empty golambda cache)", nil, ""},
		{"second synth, nothing changed", func(string, int) error { return nil }, "no go build"},
		{"after editing h07", func(dir string, rep int) error {
			return editHandler(dir, "h07", "edit "+strconv.Itoa(rep))
		}, "only h07 built"},
		{"after editing the package all import", func(dir string, rep int) error {
			return editGreeting(dir, "edit "+strconv.Itoa(rep))
		}, "all 20 built, in one go build"},
	}
	// The app is built once and run as a binary: `go run` would put GOROOT/bin first on the
	// app's PATH, out of the shim's reach, and compiling the app is not what is measured here.
	app := filepath.Join(b.tmp, "scaleapp")
	build := command{dir: b.root, args: []string{"go", "build", "-o", app, "./bench/scaleapp"}}
	if _, err := build.run(); err != nil {
		return err
	}

	times := make([][]time.Duration, len(scenarios))
	calls := make([][]goCalls, len(scenarios))

	// Each repetition starts from new handler sources and an empty golambda cache, so that its
	// first synth compiles the handlers as on a new checkout (Go's own cache keeps the
	// compiled aws-lambda-go, as on any machine that built Go before).
	stamp := strconv.FormatInt(time.Now().UnixNano(), 36)
	for rep := range b.opts.buildRuns {
		dir := filepath.Join(b.tmp, fmt.Sprintf("builds-%d", rep))
		variant := fmt.Sprintf("%s-%d", stamp, rep)
		if err := writeHandlers(dir, buildHandlers, variant); err != nil {
			return err
		}
		out := filepath.Join(b.tmp, fmt.Sprintf("builds-%d.out", rep))
		for i, scenario := range scenarios {
			if scenario.edit != nil {
				if err := scenario.edit(dir, rep); err != nil {
					return err
				}
			}
			log := filepath.Join(b.tmp, fmt.Sprintf("builds-%d-%d.log", rep, i))
			s := synth{
				app: app,
				context: map[string]string{
					"routes": strconv.Itoa(buildHandlers), "handlers": "each", "handlerRoot": dir,
					"cacheRoot": filepath.Join(b.tmp, fmt.Sprintf("builds-%d-cache", rep)),
				},
				env: []string{"PATH=" + shim + string(os.PathListSeparator) + os.Getenv("PATH"),
					"SYNTHBENCH_GO_LOG=" + log},
			}
			d, err := s.command(b, out).run()
			if err != nil {
				return err
			}
			c, err := countGoCalls(log)
			if err != nil {
				return err
			}
			times[i] = append(times[i], d)
			calls[i] = append(calls[i], c)
		}
	}

	fmt.Printf("## 3. Go builds\n\n")
	fmt.Printf("`cdk synth --quiet --app <bench/scaleapp built once>` with %d routes, each with its "+
		"own handler (a generated module; every handler imports one shared package), %d "+
		"repetitions from new sources and an empty golambda cache; go commands counted by a "+
		"logging `go` first on PATH.\n\n",
		buildHandlers, b.opts.buildRuns)
	var rows [][]string
	for i, scenario := range scenarios {
		counts := calls[i][0].String()
		for _, c := range calls[i][1:] {
			if c != calls[i][0] {
				counts += " (varied: " + c.String() + ")"
			}
		}
		rows = append(rows, []string{scenario.name, seconds(median(times[i])), spread(times[i]),
			counts, scenario.goal})
	}
	table([]string{"synth", "median", "runs (s)", "go commands run by golambda", "goal"}, rows)
	return b.buildTogether()
}

// buildTogether times what item 3 asks to decide: 20 handlers built by 20 go build invocations
// one after the other, or by one go build of all 20. Each run compiles new sources.
func (b *bench) buildTogether() error {
	dir := filepath.Join(b.tmp, "together")
	flags := []string{"-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="}
	env := []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64"}
	stamp := strconv.FormatInt(time.Now().UnixNano(), 36)
	run := 0
	fresh := func() error {
		run++
		return writeHandlers(dir, buildHandlers, fmt.Sprintf("together-%s-%d", stamp, run))
	}

	separately := func() (time.Duration, error) {
		if err := fresh(); err != nil {
			return 0, err
		}
		var total time.Duration
		for i := 1; i <= buildHandlers; i++ {
			name := fmt.Sprintf("h%02d", i)
			out := filepath.Join(b.tmp, "separate", name, "bootstrap")
			args := slices.Concat([]string{"go", "build", "-o", out}, flags, []string{"."})
			d, err := command{dir: filepath.Join(dir, name), env: env, args: args}.run()
			if err != nil {
				return 0, err
			}
			total += d
		}
		return total, nil
	}
	together := func() (time.Duration, error) {
		if err := fresh(); err != nil {
			return 0, err
		}
		args := slices.Concat([]string{"go", "build", "-o", filepath.Join(b.tmp, "together-out") + "/"},
			flags)
		for i := 1; i <= buildHandlers; i++ {
			args = append(args, fmt.Sprintf("./h%02d", i))
		}
		return command{dir: dir, env: env, args: args}.run()
	}

	separateTimes, togetherTimes, err := alternate(b.opts.buildRuns, separately, together)
	if err != nil {
		return err
	}
	fmt.Printf("Building %d new handlers for linux/arm64, %d runs each, alternated:\n\n",
		buildHandlers, b.opts.buildRuns)
	table([]string{"go build", "median", "runs (s)"}, [][]string{
		{"one invocation per handler", seconds(median(separateTimes)), spread(separateTimes)},
		{"one invocation for all", seconds(median(togetherTimes)), spread(togetherTimes)},
	})
	fmt.Printf("One invocation takes %.2f times as long as one per handler.\n\n",
		median(togetherTimes).Seconds()/median(separateTimes).Seconds())
	return nil
}

// writeGoShim writes a `go` that logs its arguments to $SYNTHBENCH_GO_LOG, one invocation a
// line with tab-separated arguments, and runs the real go command. It returns its directory.
func (b *bench) writeGoShim() (string, error) {
	realGo, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	realGo, err = filepath.Abs(realGo)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(b.tmp, "shim")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	script := "#!/bin/sh\n" +
		"if [ -n \"$SYNTHBENCH_GO_LOG\" ]; then\n" +
		"  { printf '%s\\t' \"$@\"; printf '\\n'; } >> \"$SYNTHBENCH_GO_LOG\"\n" +
		"fi\n" +
		"exec '" + realGo + "' \"$@\"\n"
	return dir, os.WriteFile(filepath.Join(dir, "go"), []byte(script), 0o755)
}

// countGoCalls reads the shim's log of one synth.
func countGoCalls(log string) (goCalls, error) {
	var c goCalls
	data, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	for line := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
		args := strings.Split(strings.TrimSuffix(line, "\t"), "\t")
		switch args[0] {
		case "build":
			c.builds++
			c.packages += len(buildPackages(args[1:]))
		case "list":
			c.lists++
		default:
			c.others++
		}
	}
	return c, nil
}

// buildPackages returns the package arguments of a go build command line: what is left once
// the flags and their values are taken out.
func buildPackages(args []string) []string {
	var packages []string
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "-o" || args[i] == "-tags" || args[i] == "-ldflags" || args[i] == "-p":
			i++
		case strings.HasPrefix(args[i], "-"):
		default:
			packages = append(packages, args[i])
		}
	}
	return packages
}

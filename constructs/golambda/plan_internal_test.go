package golambda

// These tests look inside: they run what NewGoFunction runs for each handler, minus CDK, and
// forget the in-process plan between two synths as a new process would, so that a synth costs
// milliseconds instead of a jsii start-up.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testTarget = Target{GOOS: "linux", GOARCH: "arm64"}

// handlerModule writes a module with two handlers, a and b, that import the package greet, and
// a package library that neither imports. It returns the module's directory.
func handlerModule(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	handler := func(name string) string {
		return "package main\n\nimport \"example.com/plan/greet\"\n\n" +
			"func main() { println(greet.Hello(), \"" + name + "\") }\n"
	}
	writeFiles(t, dir, map[string]string{
		"go.mod":         "module example.com/plan\n\ngo 1.26\n",
		"a/main.go":      handler("a"),
		"b/main.go":      handler("b"),
		"greet/greet.go": "package greet\n\n// Hello greets.\nfunc Hello() string { return \"hello\" }\n",
		"library/lib.go": "package library\n",
	})
	return dir
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// goLog puts first on PATH a go command that logs each invocation's arguments and runs the
// real one, and returns a function that reads and empties the log.
func goLog(t *testing.T) func() []string {
	t.Helper()
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	shimDir := t.TempDir()
	log := filepath.Join(shimDir, "log")
	script := "#!/bin/sh\necho \"$*\" >> '" + log + "'\nexec '" + realGo + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(shimDir, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", shimDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return func() []string {
		data, _ := os.ReadFile(log)
		os.Remove(log)
		var lines []string
		for line := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
			// go env runs once per process, whatever the cache holds.
			if line != "" && !strings.HasPrefix(line, "env ") {
				lines = append(lines, line)
			}
		}
		return lines
	}
}

// synthOnce resolves and builds each handler of module as NewGoFunction does, as one new
// process would, and returns the input hashes by handler and the first error.
func synthOnce(module, cacheRoot string, handlers ...string) (map[string]string, error) {
	plans.Lock()
	plans.byCacheRoot = map[string]*planState{}
	plans.Unlock()

	hashes := map[string]string{}
	for _, name := range handlers {
		dir := filepath.Join(module, name)
		p, err := resolveCached(context.Background(), dir, testTarget, cacheRoot)
		if err != nil {
			return hashes, err
		}
		if _, err := buildPlanned(context.Background(), p, dir, cacheRoot); err != nil {
			return hashes, err
		}
		hashes[name] = p.InputHash
	}
	return hashes, nil
}

// count returns how many logged go commands are subcommand, and how many packages the go
// build commands among them named.
func count(lines []string, subcommand string) (commands, packages int) {
	for _, line := range lines {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != subcommand {
			continue
		}
		commands++
		for i := 1; i < len(fields); i++ {
			switch {
			case fields[i] == "-o" || fields[i] == "-tags":
				i++ // the flag's value
			case !strings.HasPrefix(fields[i], "-"):
				packages++
			}
		}
	}
	return commands, packages
}

func TestSynthRunsGoOnlyForWhatChanged(t *testing.T) {
	logged := goLog(t)
	module := handlerModule(t)
	cache := t.TempDir()
	before, err := synthOnce(module, cache, "a", "b")
	if err != nil {
		t.Fatal(err)
	}
	if lists, _ := count(logged(), "list"); lists != 2 {
		t.Fatalf("the first synth ran go list %d times, want once per handler", lists)
	}

	steps := []struct {
		name    string
		files   map[string]string
		changed []string // handlers whose hash must change
		lists   int      // go list invocations
		builds  int      // go build invocations
		built   int      // packages those built
	}{
		{name: "nothing changed"},
		{
			name:  "a package no handler imports",
			files: map[string]string{"library/lib.go": "package library\n\nvar X = 1\n"},
		},
		{
			name:    "one handler's source",
			files:   map[string]string{"a/main.go": "package main\n\nfunc main() { println(\"a2\") }\n"},
			changed: []string{"a"}, lists: 1, builds: 1, built: 1,
		},
		{
			name:    "a new file in one handler's package",
			files:   map[string]string{"b/extra.go": "package main\n\nvar extra = 1\n"},
			changed: []string{"b"}, lists: 1, builds: 1, built: 1,
		},
		{
			// a's edit above dropped its import of greet, so only b is stale, and builds alone.
			name: "the package b imports",
			files: map[string]string{
				"greet/greet.go": "package greet\n\n// Hello greets.\nfunc Hello() string { return \"hi\" }\n",
			},
			changed: []string{"b"}, lists: 1, builds: 1, built: 1,
		},
		{
			// Both are stale: a's turn builds b too, in the same go build, and resolves b with
			// one go list of its own.
			name:    "the go version of go.mod",
			files:   map[string]string{"go.mod": "module example.com/plan\n\ngo 1.25\n"},
			changed: []string{"a", "b"}, lists: 2, builds: 1, built: 2,
		},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			writeFiles(t, module, step.files)
			after, err := synthOnce(module, cache, "a", "b")
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"a", "b"} {
				changed := after[name] != before[name]
				want := strings.Contains(strings.Join(step.changed, " "), name)
				if changed != want {
					t.Errorf("hash of %s changed = %v, want %v", name, changed, want)
				}
			}
			lines := logged()
			lists, _ := count(lines, "list")
			builds, built := count(lines, "build")
			if lists != step.lists || builds != step.builds || built != step.built {
				t.Errorf("ran %d go list and %d go build of %d packages, want %d, %d and %d:\n%s",
					lists, builds, built, step.lists, step.builds, step.built, strings.Join(lines, "\n"))
			}
			before = after
		})
	}
}

func TestPlannedBuildLeavesABrokenHandlerToItsOwnFunction(t *testing.T) {
	module := handlerModule(t)
	cache := t.TempDir()
	if _, err := synthOnce(module, cache, "a", "b"); err != nil {
		t.Fatal(err)
	}

	// Both are stale, and b no longer compiles: a must still build, and b's error be b's.
	writeFiles(t, module, map[string]string{
		"greet/greet.go": "package greet\n\n// Hello greets.\nfunc Hello() string { return \"hi\" }\n",
		"b/main.go":      "package main\n\nfunc main() { undefinedThing() }\n",
	})
	hashes, err := synthOnce(module, cache, "a", "b")
	if hashes["a"] == "" {
		t.Fatalf("a was not built: %v", err)
	}
	if err == nil || !strings.Contains(err.Error(), "example.com/plan/b") ||
		!strings.Contains(err.Error(), "undefined: undefinedThing") {
		t.Errorf("error = %v, want b's compile error", err)
	}
}

func TestBuildTogetherMakesTheBinaryBuildMakes(t *testing.T) {
	module := handlerModule(t)
	var packages []*Package
	for _, name := range []string{"a", "b"} {
		p, err := Resolve(context.Background(), filepath.Join(module, name), testTarget)
		if err != nil {
			t.Fatal(err)
		}
		packages = append(packages, p)
	}

	together, alone := t.TempDir(), t.TempDir()
	if err := buildTogether(context.Background(), together, packages); err != nil {
		t.Fatal(err)
	}
	for _, p := range packages {
		dirTogether, err := p.cacheDir(together)
		if err != nil {
			t.Fatal(err)
		}
		dirAlone, _, err := p.Build(context.Background(), alone)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(filepath.Join(dirTogether, BinaryName))
		b, _ := os.ReadFile(filepath.Join(dirAlone, BinaryName))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: built together (%d bytes) and alone (%d bytes) differ", p.ImportPath,
				len(a), len(b))
		}
	}
}

func TestBinaryName(t *testing.T) {
	cases := map[string]string{
		"example.com/app/lambdas/whoami": "whoami",
		"example.com/tool/v2":            "tool",
		"example.com/tool/v12":           "tool",
		"example.com/tool/v1":            "v1",
		"example.com/tool/v0":            "v0",
		"v2":                             "v2",
	}
	for importPath, want := range cases {
		if got := binaryName(&Package{ImportPath: importPath}); got != want {
			t.Errorf("binaryName(%q) = %q, want %q", importPath, got, want)
		}
	}
}

func TestResolveIsNotRecordedWhenASourceChangedDuringGoList(t *testing.T) {
	dir := filepath.Join(handlerModule(t), "a")
	cache := t.TempDir()
	record := resolveRecordPath(dir, testTarget, cache)
	p, listed, err := resolveListed(context.Background(), dir, testTarget)
	if err != nil {
		t.Fatal(err)
	}

	// As if go list had started before main.go was last written.
	recordResolve(record, p, listed, dir, time.Now().Add(-time.Hour))
	if loadResolveRecord(record, testTarget) != nil {
		t.Error("a resolve was recorded although a source changed after go list started")
	}

	recordResolve(record, p, listed, dir, time.Now())
	if loadResolveRecord(record, testTarget) == nil {
		t.Error("a resolve was not recorded although no source changed after go list started")
	}
}

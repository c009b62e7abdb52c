package golambda_test

import (
	"context"
	"debug/elf"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
)

var arm64 = golambda.Target{GOOS: "linux", GOARCH: "arm64"}

// writeModule writes a small module into a new directory: a main package in cmd/handler that
// imports a package of the same module, and returns the module's directory.
func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	base := map[string]string{
		"go.mod": "module example.com/fixture\n\ngo 1.26\n",
		"cmd/handler/main.go": `package main

import "example.com/fixture/greet"

func main() { println(greet.Hello()) }
`,
		"greet/greet.go": "package greet\n\n// Hello greets.\nfunc Hello() string { return \"hello\" }\n",
		"library/lib.go": "package library\n",
	}
	for name, content := range files {
		base[name] = content
	}
	for name, content := range base {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func resolve(t *testing.T, moduleDir string, target golambda.Target) *golambda.Package {
	t.Helper()
	p, err := golambda.Resolve(context.Background(), filepath.Join(moduleDir, "cmd/handler"), target)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return p
}

func TestResolveNamesThePackage(t *testing.T) {
	p := resolve(t, writeModule(t, nil), arm64)
	if p.ImportPath != "example.com/fixture/cmd/handler" {
		t.Errorf("ImportPath = %q, want example.com/fixture/cmd/handler", p.ImportPath)
	}
	if len(p.InputHash) != 64 {
		t.Errorf("InputHash = %q, want 64 hex digits", p.InputHash)
	}
}

func TestInputHashIsTheSameInAnyDirectory(t *testing.T) {
	first := resolve(t, writeModule(t, nil), arm64)
	second := resolve(t, writeModule(t, nil), arm64)
	if first.InputHash != second.InputHash {
		t.Errorf("the same sources in two directories hash differently: %s and %s",
			first.InputHash, second.InputHash)
	}
}

func TestInputHashFollowsTheInputs(t *testing.T) {
	base := resolve(t, writeModule(t, nil), arm64).InputHash
	cases := []struct {
		name    string
		files   map[string]string
		target  golambda.Target
		changes bool
	}{
		{
			name:    "handler source",
			files:   map[string]string{"cmd/handler/main.go": "package main\n\nfunc main() {}\n"},
			changes: true,
		},
		{
			name: "imported package of the module",
			files: map[string]string{
				"greet/greet.go": "package greet\n\nfunc Hello() string { return \"hi\" }\n",
			},
			changes: true,
		},
		{
			name:    "go version of go.mod",
			files:   map[string]string{"go.mod": "module example.com/fixture\n\ngo 1.25\n"},
			changes: true,
		},
		{
			name: "godebug of go.mod",
			files: map[string]string{
				"go.mod": "module example.com/fixture\n\ngo 1.26\n\ngodebug default=go1.21\n",
			},
			changes: true,
		},
		{
			name:    "go.sum lines of modules the handler does not use",
			files:   map[string]string{"go.sum": "example.com/x v1.0.0 h1:abc=\n"},
			changes: false,
		},
		{
			name:    "architecture",
			target:  golambda.Target{GOOS: "linux", GOARCH: "amd64"},
			changes: true,
		},
		{
			name:    "a package the handler does not import",
			files:   map[string]string{"library/lib.go": "package library\n\nvar X = 1\n"},
			changes: false,
		},
		{
			name:    "a test file",
			files:   map[string]string{"cmd/handler/main_test.go": "package main\n"},
			changes: false,
		},
		{
			name:    "a file that is not Go",
			files:   map[string]string{"cmd/handler/README.md": "# handler\n"},
			changes: false,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			target := tc.target
			if target.GOOS == "" {
				target = arm64
			}
			got := resolve(t, writeModule(t, tc.files), target).InputHash
			if changed := got != base; changed != tc.changes {
				t.Errorf("hash changed = %v, want %v", changed, tc.changes)
			}
		})
	}
}

// TestInputHashFollowsReplacedModules covers a module replaced by a local directory: its
// source is not pinned by any version, so its files count like the main module's.
func TestInputHashFollowsReplacedModules(t *testing.T) {
	files := func(greeting string) map[string]string {
		return map[string]string{
			"go.mod": "module example.com/fixture\n\ngo 1.26\n\n" +
				"require example.com/other v0.0.0\n\nreplace example.com/other => ./other\n",
			"cmd/handler/main.go": "package main\n\nimport \"example.com/other\"\n\n" +
				"func main() { println(other.Greeting) }\n",
			"other/go.mod":   "module example.com/other\n\ngo 1.26\n",
			"other/other.go": "package other\n\n// Greeting greets.\nconst Greeting = \"" + greeting + "\"\n",
		}
	}
	hello := resolve(t, writeModule(t, files("hello")), arm64).InputHash
	again := resolve(t, writeModule(t, files("hello")), arm64).InputHash
	hi := resolve(t, writeModule(t, files("hi")), arm64).InputHash
	if hello != again {
		t.Error("the same replaced module in two directories hashes differently")
	}
	if hello == hi {
		t.Error("a change in the replaced module's source left the hash alone")
	}
}

func TestResolveRefusesALibraryPackage(t *testing.T) {
	dir := writeModule(t, nil)
	_, err := golambda.Resolve(context.Background(), filepath.Join(dir, "library"), arm64)
	if !errors.Is(err, golambda.ErrNotMainPackage) {
		t.Fatalf("Resolve(library) error = %v, want ErrNotMainPackage", err)
	}
	if !strings.Contains(err.Error(), "package library") {
		t.Errorf("error %q does not name the package it found", err)
	}
}

func TestBuildMakesALinuxBinaryOnce(t *testing.T) {
	cases := []struct {
		target  golambda.Target
		machine elf.Machine
	}{
		{arm64, elf.EM_AARCH64},
		{golambda.Target{GOOS: "linux", GOARCH: "amd64"}, elf.EM_X86_64},
	}
	module := writeModule(t, nil)
	cache := t.TempDir()
	for _, tc := range cases {
		t.Run(tc.target.GOARCH, func(t *testing.T) {
			p := resolve(t, module, tc.target)
			dir, built, err := p.Build(context.Background(), cache)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if !built {
				t.Error("first Build reported no compile")
			}

			binary := filepath.Join(dir, golambda.BinaryName)
			file, err := elf.Open(binary)
			if err != nil {
				t.Fatalf("the bootstrap is not an ELF binary: %v", err)
			}
			defer file.Close()
			if file.Machine != tc.machine {
				t.Errorf("machine = %v, want %v", file.Machine, tc.machine)
			}
			if info, _ := os.Stat(binary); info.Mode()&0o111 == 0 {
				t.Errorf("bootstrap mode %v is not executable", info.Mode())
			}

			again, built, err := p.Build(context.Background(), cache)
			if err != nil || built || again != dir {
				t.Errorf("second Build = (%s, built %v, %v), want (%s, false, nil)", again, built, err, dir)
			}
		})
	}
}

func TestBuildIsReproducible(t *testing.T) {
	first := resolve(t, writeModule(t, nil), arm64)
	second := resolve(t, writeModule(t, nil), arm64)
	dirA, _, errA := first.Build(context.Background(), t.TempDir())
	dirB, _, errB := second.Build(context.Background(), t.TempDir())
	if errA != nil || errB != nil {
		t.Fatalf("Build: %v, %v", errA, errB)
	}
	a, _ := os.ReadFile(filepath.Join(dirA, golambda.BinaryName))
	b, _ := os.ReadFile(filepath.Join(dirB, golambda.BinaryName))
	if len(a) == 0 || string(a) != string(b) {
		t.Errorf("two builds of the same sources in two directories differ (%d and %d bytes)",
			len(a), len(b))
	}
}

func TestBuildShowsTheCompilerOutput(t *testing.T) {
	module := writeModule(t, map[string]string{
		"cmd/handler/main.go": "package main\n\nfunc main() { undefinedThing() }\n",
	})
	p := resolve(t, module, arm64)
	_, _, err := p.Build(context.Background(), t.TempDir())
	if err == nil {
		t.Fatal("Build of a broken package succeeded")
	}
	for _, want := range []string{"example.com/fixture/cmd/handler", "undefined: undefinedThing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestLambdaTarget(t *testing.T) {
	cases := map[string]golambda.Target{
		"arm64":  {GOOS: "linux", GOARCH: "arm64"},
		"x86_64": {GOOS: "linux", GOARCH: "amd64"},
	}
	for name, want := range cases {
		if got, err := golambda.LambdaTarget(name); err != nil || got != want {
			t.Errorf("LambdaTarget(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	if _, err := golambda.LambdaTarget("riscv64"); err == nil {
		t.Error("LambdaTarget(riscv64) succeeded")
	}
}

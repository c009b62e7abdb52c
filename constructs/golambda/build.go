package golambda

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/mod/modfile"
)

// BinaryName is the file name of the executable that Lambda's OS-only runtimes start.
const BinaryName = "bootstrap"

// hashFormat changes whenever the way the input hash is computed changes, so that an old cache
// entry can never be taken for a new one.
const hashFormat = "golambda-inputs-v1"

// ErrNotMainPackage is returned when the entry directory holds Go code that is not a command.
var ErrNotMainPackage = errors.New("not a main package")

// Target is the platform a handler is built for.
type Target struct {
	// GOOS is the operating system, "linux" for Lambda.
	GOOS string

	// GOARCH is the processor architecture, "arm64" or "amd64" for Lambda.
	GOARCH string
}

// LambdaTarget returns the Lambda target for an architecture name as CDK spells it
// ("arm64" or "x86_64").
func LambdaTarget(architecture string) (Target, error) {
	switch architecture {
	case "arm64":
		return Target{GOOS: "linux", GOARCH: "arm64"}, nil
	case "x86_64":
		return Target{GOOS: "linux", GOARCH: "amd64"}, nil
	}
	return Target{}, fmt.Errorf("lambda architecture %q is not arm64 or x86_64", architecture)
}

// buildFlags are the flags of AWS's packaging guide for Go on Lambda, plus what makes the binary
// reproducible: no build ID, no paths of this machine, no VCS stamp.
var buildFlags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="}

// buildTags drops the net/rpc code path that only the retired go1.x runtime needed.
var buildTags = []string{"lambda.norpc"}

// Package is a Go main package resolved for one target, with the hash of everything that goes
// into its build.
type Package struct {
	// ImportPath is the package's import path, such as "example.com/app/lambdas/whoami".
	ImportPath string

	// Dir is the package's directory on this machine.
	Dir string

	// Target is the platform the package was resolved for.
	Target Target

	// InputHash is a hex SHA-256 of the package's inputs: the Go and embedded files of every
	// package of local source it builds from (named by import path, never by a path of this
	// machine), the path and version of every other module it builds from, the go.mod
	// directives that change compilation, and the build settings. It does not depend on the
	// Go version, so a template that holds it is the same on every machine.
	InputHash string
}

// listedPackage holds the fields of `go list -json` that the input hash needs.
type listedPackage struct {
	ImportPath string
	Name       string
	Dir        string
	GoFiles    []string
	EmbedFiles []string
	Module     *listedModule
}

type listedModule struct {
	Path    string
	Version string
	Main    bool
	Dir     string
	GoMod   string
	Replace *listedModule
}

// localSource reports whether a module's files live on this machine as source that go.sum does
// not pin: the main module, and modules replaced by a directory.
func (m *listedModule) localSource() bool {
	if m == nil {
		return false
	}
	return m.Main || (m.Replace != nil && m.Replace.Version == "" && m.Replace.Dir != "")
}

// Resolve lists the main package in dir and the packages it imports, for target, and hashes
// their inputs. It fails with ErrNotMainPackage when dir holds a library package.
func Resolve(ctx context.Context, dir string, target Target) (*Package, error) {
	p, _, err := resolveListed(ctx, dir, target)
	return p, err
}

// resolveListed is Resolve, returning also what go list printed, which the resolve cache keeps.
func resolveListed(ctx context.Context, dir string, target Target) (*Package, []listedPackage, error) {
	args := []string{
		"list", "-deps", "-tags", strings.Join(buildTags, ","),
		"-json=ImportPath,Name,Dir,GoFiles,EmbedFiles,Module", ".",
	}
	out, err := runGo(ctx, dir, target, args...)
	if err != nil {
		return nil, nil, err
	}

	// go list -deps prints each package once, dependencies first, so the entry comes last.
	var listed []listedPackage
	decoder := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := decoder.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("reading go list output for %s: %w", dir, err)
		}
		listed = append(listed, p)
	}
	if len(listed) == 0 {
		return nil, nil, fmt.Errorf("go list found no package in %s", dir)
	}
	entry := listed[len(listed)-1]
	if entry.Name != "main" {
		return nil, nil, fmt.Errorf("%s holds package %s: %w", dir, entry.Name, ErrNotMainPackage)
	}

	hash, err := hashInputs(listed, target)
	if err != nil {
		return nil, nil, err
	}
	p := &Package{ImportPath: entry.ImportPath, Dir: entry.Dir, Target: target, InputHash: hash}
	return p, listed, nil
}

// hashInputs hashes, in a fixed order, the build settings, the modules the package builds
// from, and the files of every package of local source.
//
// A module from a registry is named by path and version: the checksum database makes a
// version's source immutable, so the version stands for it, and a new dependency of another
// handler in the same go.mod leaves this hash alone. A module of local source is hashed by
// its files and by the go.mod directives that change how it compiles. The standard library is
// part of the Go version, which is left out on purpose.
func hashInputs(listed []listedPackage, target Target) (string, error) {
	h := sha256.New()
	field := func(name string, value []byte) {
		// Length-prefixed, so no two different inputs can run together into the same bytes.
		fmt.Fprintf(h, "%s %d\n", name, len(value))
		h.Write(value)
	}

	field("format", []byte(hashFormat))
	settings := fmt.Sprintf("GOOS=%s GOARCH=%s CGO_ENABLED=0 tags=%s flags=%s",
		target.GOOS, target.GOARCH, strings.Join(buildTags, ","), strings.Join(buildFlags, " "))
	field("settings", []byte(settings))

	dependencies := map[string]bool{}
	localModules := map[string]*listedModule{}
	var files []hashedFile
	for _, p := range listed {
		switch {
		case p.Module == nil:
			// The standard library.
		case p.Module.localSource():
			localModules[p.Module.Path] = p.Module
			for _, name := range slices.Concat(p.GoFiles, p.EmbedFiles) {
				files = append(files, hashedFile{
					key:  p.ImportPath + "/" + filepath.ToSlash(name),
					path: filepath.Join(p.Dir, name),
				})
			}
		default:
			dependencies[p.Module.String()] = true
		}
	}

	for _, dependency := range slices.Sorted(maps.Keys(dependencies)) {
		field("dependency", []byte(dependency))
	}
	for _, path := range slices.Sorted(maps.Keys(localModules)) {
		directives, err := localModules[path].compileDirectives()
		if err != nil {
			return "", fmt.Errorf("hashing build inputs: %w", err)
		}
		field("module "+path, []byte(directives))
	}

	slices.SortFunc(files, func(a, b hashedFile) int { return strings.Compare(a.key, b.key) })
	for _, f := range files {
		content, err := os.ReadFile(f.path)
		if err != nil {
			return "", fmt.Errorf("hashing build inputs: %w", err)
		}
		field(f.key, content)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// String names a registry module by path and version, and its replacement if any.
func (m *listedModule) String() string {
	text := m.Path + "@" + m.Version
	if m.Replace != nil {
		text += " => " + m.Replace.Path + "@" + m.Replace.Version
	}
	return text
}

// compileDirectives returns the go.mod directives of a local module that change how its code
// compiles and runs: the language version, the toolchain and the GODEBUG defaults.
func (m *listedModule) compileDirectives() (string, error) {
	path := m.GoMod
	if m.Replace != nil {
		path = m.Replace.GoMod
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	file, err := modfile.Parse(path, data, nil)
	if err != nil {
		return "", err
	}

	var lines []string
	if file.Go != nil {
		lines = append(lines, "go "+file.Go.Version)
	}
	if file.Toolchain != nil {
		lines = append(lines, "toolchain "+file.Toolchain.Name)
	}
	for _, d := range file.Godebug {
		lines = append(lines, "godebug "+d.Key+"="+d.Value)
	}
	return strings.Join(lines, "\n"), nil
}

type hashedFile struct {
	key  string
	path string
}

// Build makes sure a `bootstrap` binary of the package exists in a directory of its own under
// cacheRoot and returns that directory. The directory is keyed by the input hash and the Go
// version, so an unchanged package is built once per toolchain; built reports whether this
// call ran the compiler. A failed build returns the compiler's output in the error.
func (p *Package) Build(ctx context.Context, cacheRoot string) (dir string, built bool, err error) {
	dir, err = p.cacheDir(cacheRoot)
	if err != nil {
		return "", false, err
	}
	if _, err := os.Stat(filepath.Join(dir, BinaryName)); err == nil {
		return dir, false, nil
	}

	// Build into a fresh directory and rename it into place, so that a concurrent synth never
	// sees half a binary.
	staging, err := newStaging(cacheRoot)
	if err != nil {
		return "", false, err
	}
	defer os.RemoveAll(staging)

	args := slices.Concat([]string{"build", "-o", filepath.Join(staging, BinaryName)},
		[]string{"-tags", strings.Join(buildTags, ",")}, buildFlags, []string{"."})
	if _, err := runGo(ctx, p.Dir, p.Target, args...); err != nil {
		return "", false, fmt.Errorf("building %s for %s/%s: %w",
			p.ImportPath, p.Target.GOOS, p.Target.GOARCH, err)
	}
	if err := install(staging, dir); err != nil {
		return "", false, err
	}
	return dir, true, nil
}

// cacheDir is the directory of the package's binary under cacheRoot, keyed by the input hash
// and the Go version.
func (p *Package) cacheDir(cacheRoot string) (string, error) {
	goVersion, err := toolchainVersion()
	if err != nil {
		return "", err
	}
	key := sha256.Sum256([]byte(p.InputHash + " " + goVersion))
	return filepath.Join(cacheRoot, hex.EncodeToString(key[:16])), nil
}

// built reports whether the package's binary is in the cache.
func (p *Package) built(cacheRoot string) bool {
	dir, err := p.cacheDir(cacheRoot)
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, BinaryName))
	return err == nil
}

// newStaging makes a fresh directory in the cache to build into.
func newStaging(cacheRoot string) (string, error) {
	if err := os.MkdirAll(cacheRoot, 0o755); err != nil {
		return "", fmt.Errorf("creating the build cache: %w", err)
	}
	staging, err := os.MkdirTemp(cacheRoot, "build-")
	if err != nil {
		return "", fmt.Errorf("creating the build cache: %w", err)
	}
	return staging, nil
}

// install renames a staging directory that holds a finished binary to its place dir in the
// cache.
func install(staging, dir string) error {
	if err := os.Chmod(staging, 0o755); err != nil {
		return err
	}
	if err := os.Rename(staging, dir); err != nil {
		// Another process finished the same build first; its binary is as good as ours.
		if _, statErr := os.Stat(filepath.Join(dir, BinaryName)); statErr == nil {
			return nil
		}
		return fmt.Errorf("moving the build into the cache: %w", err)
	}
	return nil
}

// DefaultCacheRoot is where built handlers are kept between synths: the user's cache directory,
// or the system's temporary directory where there is none.
func DefaultCacheRoot() string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "passage-cdk-go", "golambda")
}

// toolchainVersion is the version of the go command on PATH, which is what builds the handlers
// (not necessarily the version that compiled this program). It is asked once per process.
var toolchainVersion = sync.OnceValues(func() (string, error) {
	out, err := runGo(context.Background(), "", Target{}, "env", "GOVERSION")
	return strings.TrimSpace(string(out)), err
})

// runGo runs the go command in dir for target, without cgo, and returns its standard output.
// The error holds the command's standard error, which is where the compiler reports.
func runGo(ctx context.Context, dir string, target Target, args ...string) ([]byte, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("the go command is not on PATH (install Go from go.dev/dl): %w", err)
	}
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if target.GOOS != "" {
		cmd.Env = append(cmd.Env, "GOOS="+target.GOOS, "GOARCH="+target.GOARCH)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

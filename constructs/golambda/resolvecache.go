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
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// resolveFormat changes whenever the resolve cache's records or fingerprints change meaning, so
// that a record of an older format is never trusted.
const resolveFormat = "golambda-resolve-v1"

// resolveRecord is what a resolve leaves in the cache for the next synth: the package, what
// go list printed for it, and the fingerprint of the files that could change that output.
type resolveRecord struct {
	Format      string
	Package     Package
	Listed      []listedPackage
	Fingerprint string
}

// resolveCached is Resolve for NewGoFunction: it skips `go list` when the cache under
// cacheRoot holds a record of the same directory, target and environment whose fingerprint
// still matches, and whose input hash, computed again from the files as they are now, is the
// one recorded. A synth with no source change then runs no go command to resolve its
// handlers. Any doubt falls back to go list, whose answer replaces the record.
//
// The fingerprint covers what decides go list's answer for a package of local source: the
// entries of each of its directories (names, sizes, modification times, so that a new or
// edited file is seen even when go list would ignore it today, as a file behind a build tag),
// the go.mod and go.sum of its module, any go.work above the entry, the module's vendor
// directory, the go command on PATH and every GO* and CGO_* environment variable and the go
// env file. Modules from a registry are named by version in the hash, and a version's
// source never changes, so the module cache is not looked at.
func resolveCached(ctx context.Context, dir string, target Target, cacheRoot string) (*Package, error) {
	path := resolveRecordPath(dir, target, cacheRoot)
	if p := loadResolveRecord(path, target); p != nil {
		return p, nil
	}

	start := time.Now()
	p, listed, err := resolveListed(ctx, dir, target)
	if err != nil {
		return nil, err
	}
	recordResolve(path, p, listed, dir, start)
	return p, nil
}

// recordResolve writes what go list printed for p, from dir, for the next synth. A file that
// changed after go list started may be recorded in a state go list did not see, so no record
// is written then, and the next synth runs go list again. (On a file system whose timestamps
// are coarser than the time go list takes, an edit in that window can go unseen; the common
// ones keep nanoseconds.) The cache only saves time: a record that is not written costs the
// next synth one go list.
func recordResolve(path string, p *Package, listed []listedPackage, dir string, listStart time.Time) {
	fingerprint, newest, err := resolveFingerprint(listed, dir)
	if err != nil || newest.After(listStart) {
		return
	}
	_ = writeResolveRecord(path, resolveRecord{
		Format: resolveFormat, Package: *p, Listed: listed, Fingerprint: fingerprint,
	})
}

// resolveRecordPath names the record of dir for target in this environment.
func resolveRecordPath(dir string, target Target, cacheRoot string) string {
	key := sha256.Sum256([]byte(strings.Join([]string{
		resolveFormat, dir, target.GOOS, target.GOARCH, environmentFingerprint(),
	}, "\x00")))
	return filepath.Join(cacheRoot, "resolve", hex.EncodeToString(key[:16])+".json")
}

// loadResolveRecord returns the package of the record at path when the record still holds,
// or nil.
func loadResolveRecord(path string, target Target) *Package {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var record resolveRecord
	if json.Unmarshal(data, &record) != nil || record.Format != resolveFormat ||
		record.Package.Target != target || len(record.Listed) == 0 {
		return nil
	}
	fingerprint, _, err := resolveFingerprint(record.Listed, record.Package.Dir)
	if err != nil || fingerprint != record.Fingerprint {
		return nil
	}

	// Reading the files again costs little (only local source is read) and catches an edit
	// that left a file's size and modification time as they were.
	hash, err := hashInputs(record.Listed, target)
	if err != nil || hash != record.Package.InputHash {
		return nil
	}
	p := record.Package
	return &p
}

// writeResolveRecord writes a record for the next synth.
func writeResolveRecord(path string, record resolveRecord) error {
	data, err := json.Marshal(record)
	if err != nil {
		return err
	}
	return writeFileAtomically(path, data)
}

// writeFileAtomically writes data into a temporary file and renames it to path, so that a
// concurrent synth reads either the old file or the new one, never half of one.
func writeFileAtomically(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	file, err := os.CreateTemp(filepath.Dir(path), "record-")
	if err != nil {
		return err
	}
	_, writeErr := file.Write(data)
	closeErr := file.Close()
	if writeErr == nil && closeErr == nil {
		if err := os.Rename(file.Name(), path); err == nil {
			return nil
		}
	}
	os.Remove(file.Name())
	return fmt.Errorf("writing %s: %v, %v", path, writeErr, closeErr)
}

// resolveFingerprint hashes the state of every directory and module file that could change
// what go list prints for the packages in listed, resolved from entryDir. It also returns the
// latest modification time among them.
func resolveFingerprint(listed []listedPackage, entryDir string) (string, time.Time, error) {
	h := sha256.New()
	var newest time.Time
	state := func(name string, info fs.FileInfo) {
		fmt.Fprintf(h, "%q %v %d %d\n", name, info.Mode(), info.Size(), info.ModTime().UnixNano())
		if info.ModTime().After(newest) {
			newest = info.ModTime()
		}
	}

	var dirs, moduleFiles []string
	for _, p := range listed {
		if !p.Module.localSource() {
			continue
		}
		dirs = append(dirs, p.Dir)
		for _, name := range p.EmbedFiles {
			dirs = append(dirs, filepath.Dir(filepath.Join(p.Dir, name)))
		}

		module := p.Module
		if module.Replace != nil {
			module = module.Replace
		}
		moduleFiles = append(moduleFiles, module.GoMod,
			filepath.Join(module.Dir, "go.sum"), filepath.Join(module.Dir, "vendor", "modules.txt"))
	}

	// go.work is looked for from the directory the go command runs in upwards.
	for dir := entryDir; ; {
		moduleFiles = append(moduleFiles, filepath.Join(dir, "go.work"))
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}

	slices.Sort(dirs)
	for _, dir := range slices.Compact(dirs) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return "", time.Time{}, err
		}
		fmt.Fprintf(h, "dir %s\n", dir)
		for _, entry := range entries {
			info, err := entry.Info()
			if err != nil {
				return "", time.Time{}, err
			}
			state(entry.Name(), info)
		}
	}
	slices.Sort(moduleFiles)
	for _, path := range slices.Compact(moduleFiles) {
		info, err := os.Stat(path)
		switch {
		case err == nil:
			state(path, info)
		case os.IsNotExist(err):
			fmt.Fprintf(h, "absent %s\n", path)
		default:
			return "", time.Time{}, err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), newest, nil
}

// environmentFingerprint hashes what, outside the source, decides what go list prints: the go
// command found on PATH, the GO* and CGO_* environment variables, and the go env file that
// `go env -w` writes. It is computed once per process.
var environmentFingerprint = sync.OnceValue(func() string {
	h := sha256.New()
	state := func(name string, info fs.FileInfo) {
		fmt.Fprintf(h, "%q %d %d\n", name, info.Size(), info.ModTime().UnixNano())
	}
	if goBin, err := exec.LookPath("go"); err == nil {
		if info, err := os.Stat(goBin); err == nil {
			state(goBin, info)
		}
	}

	var variables []string
	for _, variable := range os.Environ() {
		if strings.HasPrefix(variable, "GO") || strings.HasPrefix(variable, "CGO_") {
			variables = append(variables, variable)
		}
	}
	slices.Sort(variables)
	fmt.Fprintf(h, "env %q\n", variables)

	envFile := os.Getenv("GOENV")
	if envFile == "" {
		if config, err := os.UserConfigDir(); err == nil {
			envFile = filepath.Join(config, "go", "env")
		}
	}
	if info, err := os.Stat(envFile); err == nil {
		state(envFile, info)
	}
	return hex.EncodeToString(h.Sum(nil))
})

// resolveTogether resolves the main packages in dirs, all of the module in moduleDir, with one
// go list instead of one each, and records each for resolveCached. It returns the packages it
// resolved, in the order of dirs; a directory it could not resolve is left out, for
// resolveCached to try alone and report.
func resolveTogether(
	ctx context.Context, moduleDir string, dirs []string, target Target, cacheRoot string,
) []*Package {
	args := slices.Concat([]string{
		"list", "-deps", "-tags", strings.Join(buildTags, ","),
		"-json=ImportPath,Name,Dir,GoFiles,EmbedFiles,Module,Deps",
	}, dirs)
	start := time.Now()
	out, err := runGo(ctx, moduleDir, target, args...)
	if err != nil {
		return nil
	}

	// Deps, every import path a package builds from, picks each entry's packages out of the
	// union go list prints.
	type listedWithDeps struct {
		listedPackage
		Deps []string
	}
	var all []listedWithDeps
	decoder := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedWithDeps
		if err := decoder.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil
		}
		all = append(all, p)
	}

	var resolved []*Package
	for _, dir := range dirs {
		i := slices.IndexFunc(all, func(p listedWithDeps) bool { return p.Dir == dir })
		if i < 0 || all[i].Name != "main" {
			continue
		}
		entry := all[i]
		var listed []listedPackage
		for _, p := range all {
			if slices.Contains(entry.Deps, p.ImportPath) {
				listed = append(listed, p.listedPackage)
			}
		}
		listed = append(listed, entry.listedPackage)

		hash, err := hashInputs(listed, target)
		if err != nil {
			continue
		}
		p := &Package{ImportPath: entry.ImportPath, Dir: entry.Dir, Target: target, InputHash: hash}
		recordResolve(resolveRecordPath(dir, target, cacheRoot), p, listed, dir, start)
		resolved = append(resolved, p)
	}
	return resolved
}

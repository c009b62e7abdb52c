package golambda

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// planFormat changes whenever the plan records change meaning.
const planFormat = "golambda-plan-v1"

// planEntry is one handler a synth resolved: its directory and target.
type planEntry struct {
	Dir    string
	Target Target
}

// planRecord lists the handlers that the last synth run from one working directory resolved,
// in order.
type planRecord struct {
	Format  string
	Entries []planEntry
}

// planState is what one process knows about the handlers of its app, per cache root.
type planState struct {
	// previous are the handlers of the last synth from the same working directory.
	previous []planEntry

	// current are the handlers this process has resolved so far.
	current []planEntry

	// tried are the handlers already part of a build this process planned.
	tried map[planEntry]bool
}

var plans = struct {
	sync.Mutex
	byCacheRoot map[string]*planState
}{byCacheRoot: map[string]*planState{}}

// buildPlanned is Package.Build for NewGoFunction, which makes one function at a time and so
// cannot know which handlers are still to come. When p must be built, the handlers that the
// last synth from this working directory resolved, and this one has not yet, are likely next:
// those that must be built too are built with p in one go build, which starts the go command
// and loads the packages once and compiles them in parallel (in less than half the time for
// 20 handlers on 2 cores, see BENCHMARKS.md). Their functions then find their binaries in the
// cache.
//
// A first synth has no last synth to learn from and builds one handler at a time. A handler
// the app no longer uses may be built once more than needed. When the shared build fails, p is
// built alone, so that its error, if any, is its own.
func buildPlanned(ctx context.Context, p *Package, entryDir, cacheRoot string) (string, error) {
	dir, err := p.cacheDir(cacheRoot)
	if err != nil {
		return "", err
	}
	state := notePlanEntry(cacheRoot, planEntry{Dir: entryDir, Target: p.Target})
	if p.built(cacheRoot) {
		return dir, nil
	}

	together := append([]*Package{p}, stalePeers(ctx, state, p, cacheRoot)...)
	if len(together) > 1 && buildTogether(ctx, cacheRoot, together) == nil && p.built(cacheRoot) {
		return dir, nil
	}
	dir, _, err = p.Build(ctx, cacheRoot)
	return dir, err
}

// stalePeers resolves the handlers for p's target that the last synth had and this one has not
// reached yet, and returns those that lack a binary too. A handler whose resolve record holds
// costs no go list; the others of one module share one.
func stalePeers(ctx context.Context, state *planState, p *Package, cacheRoot string) []*Package {
	var stale []*Package
	add := func(q *Package) {
		if q.Dir != p.Dir && !q.built(cacheRoot) &&
			!slices.ContainsFunc(stale, func(r *Package) bool { return r.Dir == q.Dir }) {
			stale = append(stale, q)
		}
	}

	groups := byModule(nextEntries(state, p.Target))
	for _, moduleDir := range slices.Sorted(maps.Keys(groups)) {
		var unresolved []string
		for _, entry := range groups[moduleDir] {
			if q := loadResolveRecord(resolveRecordPath(entry, p.Target, cacheRoot), p.Target); q != nil {
				add(q)
			} else {
				unresolved = append(unresolved, entry)
			}
		}
		if len(unresolved) > 0 {
			for _, q := range resolveTogether(ctx, moduleDir, unresolved, p.Target, cacheRoot) {
				add(q)
			}
		}
	}
	return stale
}

// notePlanEntry adds entry to the handlers this process resolved, writes them down for the
// next synth, and returns the process's state for cacheRoot.
func notePlanEntry(cacheRoot string, entry planEntry) *planState {
	plans.Lock()
	defer plans.Unlock()

	state := plans.byCacheRoot[cacheRoot]
	path := planRecordPath(cacheRoot)
	if state == nil {
		state = &planState{tried: map[planEntry]bool{}}
		var record planRecord
		if data, err := os.ReadFile(path); err == nil &&
			json.Unmarshal(data, &record) == nil && record.Format == planFormat {
			state.previous = record.Entries
		}
		plans.byCacheRoot[cacheRoot] = state
	}
	state.tried[entry] = true
	if !slices.Contains(state.current, entry) {
		state.current = append(state.current, entry)

		// The record only saves time: a synth that cannot write it builds one handler at a
		// time next time, as it would without one.
		if data, err := json.Marshal(planRecord{Format: planFormat, Entries: state.current}); err == nil {
			_ = writeFileAtomically(path, data)
		}
	}
	return state
}

// nextEntries returns the handlers for target of the last synth that this process has not yet
// resolved nor built, and marks them tried.
func nextEntries(state *planState, target Target) []planEntry {
	plans.Lock()
	defer plans.Unlock()

	var next []planEntry
	for _, entry := range state.previous {
		if entry.Target == target && !state.tried[entry] {
			state.tried[entry] = true
			next = append(next, entry)
		}
	}
	return next
}

// byModule groups the directories of entries by the module that holds them. A directory in
// no module is left out: it cannot be built.
func byModule(entries []planEntry) map[string][]string {
	groups := map[string][]string{}
	for _, entry := range entries {
		if root, err := moduleRoot(entry.Dir); err == nil {
			groups[root] = append(groups[root], entry.Dir)
		}
	}
	return groups
}

// planRecordPath names the plan of the app run from the working directory.
func planRecordPath(cacheRoot string) string {
	workDir, _ := os.Getwd()
	key := sha256.Sum256([]byte(planFormat + "\x00" + workDir))
	return filepath.Join(cacheRoot, "plans", hex.EncodeToString(key[:16])+".json")
}

// buildTogether builds packages that lack a binary with one go build per module and target,
// and moves each binary to its place in the cache. go build -o DIR/ names each binary after
// the last element of its import path, so packages whose names collide go to separate
// invocations.
func buildTogether(ctx context.Context, cacheRoot string, packages []*Package) error {
	var batches [][]*Package
	for _, p := range packages {
		root, err := moduleRoot(p.Dir)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(batches, func(batch []*Package) bool {
			first := batch[0]
			firstRoot, _ := moduleRoot(first.Dir)
			return firstRoot == root && first.Target == p.Target &&
				!slices.ContainsFunc(batch, func(q *Package) bool { return binaryName(q) == binaryName(p) })
		})
		if i < 0 {
			batches = append(batches, []*Package{p})
		} else {
			batches[i] = append(batches[i], p)
		}
	}

	for _, batch := range batches {
		if err := buildBatch(ctx, cacheRoot, batch); err != nil {
			return err
		}
	}
	return nil
}

// buildBatch builds packages of one module and target with one go build.
func buildBatch(ctx context.Context, cacheRoot string, packages []*Package) error {
	out, err := newStaging(cacheRoot)
	if err != nil {
		return err
	}
	defer os.RemoveAll(out)

	args := slices.Concat([]string{"build", "-o", out + string(filepath.Separator)},
		[]string{"-tags", strings.Join(buildTags, ",")}, buildFlags)
	for _, p := range packages {
		args = append(args, p.Dir)
	}
	root, err := moduleRoot(packages[0].Dir)
	if err != nil {
		return err
	}
	if _, err := runGo(ctx, root, packages[0].Target, args...); err != nil {
		return err
	}

	for _, p := range packages {
		dir, err := p.cacheDir(cacheRoot)
		if err != nil {
			return err
		}
		staging, err := newStaging(cacheRoot)
		if err != nil {
			return err
		}
		err = os.Rename(filepath.Join(out, binaryName(p)), filepath.Join(staging, BinaryName))
		if err == nil {
			err = install(staging, dir)
		}
		os.RemoveAll(staging)
		if err != nil {
			return fmt.Errorf("moving the build of %s into the cache: %w", p.ImportPath, err)
		}
	}
	return nil
}

// binaryName is the file name go build -o DIR/ gives the package's binary: the last element
// of its import path, or the one before a major version suffix from /v2 on. Should the go
// command ever name it otherwise, the binary is not found, and the package is built alone.
func binaryName(p *Package) string {
	name := path.Base(p.ImportPath)
	if majorVersion.MatchString(name) && name != p.ImportPath {
		name = path.Base(path.Dir(p.ImportPath))
	}
	return name
}

var majorVersion = regexp.MustCompile(`^v([2-9]|[1-9][0-9]+)$`)

// moduleRoot returns the directory of the go.mod that holds dir.
func moduleRoot(dir string) (string, error) {
	for current := dir; ; {
		if _, err := os.Stat(filepath.Join(current, "go.mod")); err == nil {
			return current, nil
		}
		parent := filepath.Dir(current)
		if parent == current {
			return "", fmt.Errorf("no go.mod in %s or above", dir)
		}
		current = parent
	}
}

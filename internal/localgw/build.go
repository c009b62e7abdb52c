package localgw

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
	"github.com/passage-cdk/passage-cdk-go/internal/assembly"
)

// handler is one function of the API, built for this machine.
type handler struct {
	function   *assembly.Function
	executable string
}

// buildHandlers checks and builds the function of every route, each once.
func buildHandlers(ctx context.Context, cfg Config, api *assembly.HTTPAPI,
	logf func(string, ...any)) ([]handler, error) {

	// The functions, each once, in route order.
	var functions []*assembly.Function
	for _, r := range api.Routes {
		if !slices.ContainsFunc(functions, func(f *assembly.Function) bool {
			return f.LogicalID == r.Function.LogicalID
		}) {
			functions = append(functions, r.Function)
		}
	}
	var packages []string
	for _, f := range functions {
		if f.GoPackage == "" {
			return nil, fmt.Errorf("%w: function %s was not built by golambda (its template "+
				"metadata has no %s); only Go handlers run locally", ErrUnsupported, f.Name(),
				"passage:go-package")
		}
		packages = append(packages, f.GoPackage)
	}
	dirs, err := packageDirs(ctx, cfg.AppDir, packages)
	if err != nil {
		return nil, err
	}

	logf("checking and building %d Go handlers for %s/%s (a first build takes a few "+
		"seconds)", len(functions), hostTarget.GOOS, hostTarget.GOARCH)
	var handlers []handler
	for _, f := range functions {
		dir := dirs[f.GoPackage]
		if err := checkFresh(ctx, cfg.Stack, f, dir); err != nil {
			return nil, err
		}

		start := time.Now()
		pkg, err := golambda.Resolve(ctx, dir, hostTarget)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", f.Name(), err)
		}
		out, built, err := pkg.Build(ctx, cfg.CacheRoot)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", f.Name(), err)
		}
		if built {
			logf("built %s (%s) in %s", f.Name(), f.GoPackage,
				time.Since(start).Round(time.Millisecond))
		} else {
			logf("%s (%s) is up to date", f.Name(), f.GoPackage)
		}
		if len(f.Unresolved) > 0 {
			logf("%s: environment variables %s are only known at deploy time and are unset here",
				f.Name(), strings.Join(f.Unresolved, ", "))
		}
		executable := filepath.Join(out, golambda.BinaryName)
		handlers = append(handlers, handler{function: f, executable: executable})
	}
	return handlers, nil
}

// checkFresh compares the asset hash that the function's sources give today
// with the one in the template. golambda names the asset by the input hash
// of the package for the function's Lambda architecture, and CDK, as for any
// custom asset hash, names the asset by the SHA-256 of that hash's text.
func checkFresh(ctx context.Context, stack *assembly.Stack, f *assembly.Function,
	dir string) error {

	inTemplate, err := stack.AssetHash(f)
	if err != nil {
		return err
	}
	if inTemplate == "" {
		return fmt.Errorf("%w: function %s has no code asset in the template", ErrUnsupported,
			f.Name())
	}
	target, err := golambda.LambdaTarget(f.Architecture)
	if err != nil {
		return fmt.Errorf("function %s: %w", f.Name(), err)
	}
	pkg, err := golambda.Resolve(ctx, dir, target)
	if err != nil {
		return fmt.Errorf("function %s: %w", f.Name(), err)
	}

	sum := sha256.Sum256([]byte(pkg.InputHash))
	if fromSources := hex.EncodeToString(sum[:]); fromSources != inTemplate {
		return fmt.Errorf("%w: the sources of %s (%s) give asset %.12s, the template has %.12s; "+
			"run `make synth` (or `cdk synth`) again", ErrStale, f.Name(), f.GoPackage,
			fromSources, inTemplate)
	}
	return nil
}

// packageDirs finds the directory of each package with `go list` run in
// appDir, so the lookup follows that module's go.mod and any workspace.
func packageDirs(ctx context.Context, appDir string, packages []string) (map[string]string, error) {
	args := append([]string{"list", "-f", "{{.ImportPath}}\t{{.Dir}}"}, packages...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = appDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("finding the handlers' sources from %s (run in the CDK app's "+
			"directory, or give it with --app-dir): go list: %v: %s", appDir, err,
			firstLine(stderr.String()))
	}

	dirs := map[string]string{}
	for line := range strings.Lines(string(out)) {
		importPath, dir, ok := strings.Cut(strings.TrimRight(line, "\n"), "\t")
		if ok {
			dirs[importPath] = dir
		}
	}
	for _, p := range packages {
		if dirs[p] == "" {
			return nil, fmt.Errorf("go list in %s did not find package %s", appDir, p)
		}
	}
	return dirs, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

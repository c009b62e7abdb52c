package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
)

// pair is the Go app and the JavaScript app that must write the same stack.
type pair struct {
	name  string
	stack string
	goApp synth
	jsApp synth

	// modules are the modules the Go app's handlers come from.
	modules []moduleDir

	// cacheRoot is golambda's cache the Go app builds into.
	cacheRoot string
}

// prepare synthesizes both apps once, untimed, so that the timed runs find the Go app compiled,
// the handlers built and both cloud assemblies in place, as on a developer's second synth; and
// checks that the two templates are the same.
func (b *bench) prepare(p *pair) (goOut, jsOut string, err error) {
	goOut = filepath.Join(b.tmp, p.name+"-go.out")
	jsOut = filepath.Join(b.tmp, p.name+"-js.out")
	if _, err := p.goApp.command(b, goOut).run(); err != nil {
		return "", "", err
	}

	assets := filepath.Join(b.tmp, p.name+"-assets.json")
	err = writeAssets(filepath.Join(goOut, p.stack+".template.json"), assets, p.cacheRoot, p.modules)
	if err != nil {
		return "", "", err
	}
	p.jsApp.context["assets"] = assets
	if _, err := p.jsApp.command(b, jsOut).run(); err != nil {
		return "", "", err
	}
	if err := sameAssembly(goOut, jsOut, p.stack); err != nil {
		return "", "", fmt.Errorf("%s: %w", p.name, err)
	}
	return goOut, jsOut, nil
}

// compare times the two apps of p alternately and returns the times of each.
func (b *bench) compare(p *pair, runs int) (goTimes, jsTimes []time.Duration, err error) {
	goOut, jsOut, err := b.prepare(p)
	if err != nil {
		return nil, nil, err
	}
	return alternate(runs, p.goApp.timed(b, goOut), p.jsApp.timed(b, jsOut))
}

// example is item 1: the example app of main.go against bench/app.js.
func (b *bench) example() error {
	p := &pair{
		name:      "example",
		stack:     "PassageExample",
		goApp:     synth{},
		jsApp:     synth{js: true, context: map[string]string{}},
		modules:   []moduleDir{{path: modulePath, dir: b.root}},
		cacheRoot: golambda.DefaultCacheRoot(),
	}
	goTimes, jsTimes, err := b.compare(p, b.opts.runs)
	if err != nil {
		return err
	}

	fmt.Printf("## 1. Synth against plain CDK\n\n")
	fmt.Printf("`cdk synth --quiet` of main.go's app and of bench/app.js, %d runs each, alternated; "+
		"the templates and asset manifests are byte-identical.\n\n", b.opts.runs)
	ratio := median(goTimes).Seconds() / median(jsTimes).Seconds()
	table([]string{"app", "median", "runs (s)"}, [][]string{
		{"Go (main.go)", seconds(median(goTimes)), spread(goTimes)},
		{"JavaScript (bench/app.js)", seconds(median(jsTimes)), spread(jsTimes)},
	})
	fmt.Printf("Go / JavaScript: **%.2f** (goal at most 1.15: %s)\n\n", ratio, verdict(ratio <= 1.15))
	return b.exampleParts(p)
}

// exampleParts times the two apps without the CLI, as the CLI would start them, and the Go app
// also as a binary built beforehand, to show where the difference goes.
func (b *bench) exampleParts(p *pair) error {
	context, err := os.ReadFile(filepath.Join(b.root, "cdk.json"))
	if err != nil {
		return err
	}
	var config struct{ Context map[string]any }
	if err := json.Unmarshal(context, &config); err != nil {
		return err
	}
	goContext, err := json.Marshal(config.Context)
	if err != nil {
		return err
	}
	config.Context["assets"] = p.jsApp.context["assets"]
	jsContext, err := json.Marshal(config.Context)
	if err != nil {
		return err
	}
	binary := filepath.Join(b.tmp, "example-app")
	if _, err := (command{dir: b.root, args: []string{"go", "build", "-o", binary, "."}}).run(); err != nil {
		return err
	}

	env := func(out string, context []byte) []string {
		return append([]string{"CDK_OUTDIR=" + filepath.Join(b.tmp, out), "CDK_CONTEXT_JSON=" + string(context)},
			cliEnv...)
	}
	sides := []struct {
		name string
		cmd  command
	}{
		{"Go, `go run .` (what cdk.json runs)", command{dir: b.root, env: env("parts-gorun", goContext),
			args: []string{"go", "run", "."}}},
		{"Go, the same app built beforehand", command{dir: b.root, env: env("parts-gobin", goContext),
			args: []string{binary}}},
		{"JavaScript, `node app.js`", command{dir: filepath.Join(b.root, "bench"),
			env: env("parts-js", jsContext), args: []string{"node", "app.js"}}},
	}
	fs := make([]func() (time.Duration, error), len(sides))
	for i, side := range sides {
		fs[i] = side.cmd.run
	}
	times, err := rotate(b.opts.runs, fs...)
	if err != nil {
		return err
	}

	fmt.Printf("The apps alone, started as the CLI starts them (CDK_OUTDIR, CDK_CONTEXT_JSON), %d runs "+
		"each, rotated:\n\n", b.opts.runs)
	var rows [][]string
	for i, side := range sides {
		rows = append(rows, []string{side.name, seconds(median(times[i])), spread(times[i])})
	}
	table([]string{"app", "median", "runs (s)"}, rows)
	return nil
}

// scaling is item 2: APIs of 1, 10 and 50 routes, a function per route or one for all. The
// cost of a route is a difference between sizes, so all six synths of one handler mode (Go and
// JavaScript at each size) are rotated in every round: a machine that slows down during the
// run then weighs on every size alike, not on whichever size ran last.
func (b *bench) scaling() error {
	sizes := []int{1, 10, 50}
	handlerRoot := filepath.Join(b.tmp, "scale-handlers")
	if err := writeHandlers(handlerRoot, slices.Max(sizes), "scale"); err != nil {
		return err
	}

	fmt.Printf("## 2. Scaling with routes\n\n")
	fmt.Printf("`cdk synth --quiet` of bench/scaleapp (Go) and bench/app.js with N protected "+
		"routes, each size and app %d times, all six rotated in each round; templates "+
		"byte-identical at every size.\n\n", b.opts.scaleRuns)
	var rows [][]string
	for _, handlers := range []string{"each", "shared"} {
		var runs []func() (time.Duration, error)
		for _, n := range sizes {
			context := map[string]string{"routes": strconv.Itoa(n), "handlers": handlers}
			goContext := map[string]string{"handlerRoot": handlerRoot}
			for k, v := range context {
				goContext[k] = v
			}
			p := &pair{
				name:      fmt.Sprintf("scale-%s-%d", handlers, n),
				stack:     "PassageScale",
				goApp:     synth{app: "go run ./bench/scaleapp", context: goContext},
				jsApp:     synth{js: true, context: context},
				modules:   []moduleDir{{path: handlerModule, dir: handlerRoot}},
				cacheRoot: golambda.DefaultCacheRoot(),
			}
			goOut, jsOut, err := b.prepare(p)
			if err != nil {
				return err
			}
			runs = append(runs, p.goApp.timed(b, goOut), p.jsApp.timed(b, jsOut))
		}
		times, err := rotate(b.opts.scaleRuns, runs...)
		if err != nil {
			return err
		}

		var goMedians, jsMedians []float64
		for i, n := range sizes {
			goTimes, jsTimes := times[2*i], times[2*i+1]
			goMedians = append(goMedians, median(goTimes).Seconds())
			jsMedians = append(jsMedians, median(jsTimes).Seconds())
			rows = append(rows, []string{handlers, strconv.Itoa(n),
				seconds(median(goTimes)), spread(goTimes), seconds(median(jsTimes)), spread(jsTimes),
				fmt.Sprintf("%.2f", median(goTimes).Seconds()/median(jsTimes).Seconds())})
		}
		goSlope, jsSlope := slope(sizes, goMedians), slope(sizes, jsMedians)
		rows = append(rows, []string{handlers, "**per added route**",
			fmt.Sprintf("**%.0f ms**", goSlope*1000), "", fmt.Sprintf("**%.0f ms**", jsSlope*1000), "",
			fmt.Sprintf("**%.2f** (goal ≤ 1.5: %s)", goSlope/jsSlope, verdict(goSlope <= 1.5*jsSlope))})
	}
	table([]string{"handlers", "routes", "Go median", "Go runs (s)", "JS median", "JS runs (s)",
		"Go / JS"}, rows)
	fmt.Printf("The cost per added route is the least-squares slope of the medians over 1, 10 " +
		"and 50 routes.\n\n")
	return nil
}

// slope is the least-squares slope of y over x.
func slope(x []int, y []float64) float64 {
	var sx, sy, sxx, sxy float64
	for i := range x {
		xi := float64(x[i])
		sx, sy, sxx, sxy = sx+xi, sy+y[i], sxx+xi*xi, sxy+xi*y[i]
	}
	n := float64(len(x))
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "**not met**"
}

// Command synthbench runs the benchmarks of BENCHMARKS.md and prints their figures as Markdown:
// synth time of the Go app against the same app in plain JavaScript CDK (item 1), its growth
// with the number of routes (item 2), what golambda builds on a first synth, an unchanged one
// and after an edit (item 3), the zipped size of the whoami handler (item 4), and the time of
// `make test` (item 6). Item 5, the local gateway, is a Go benchmark of its own package.
//
// Run it from the repository root, after `npm ci` at the root and in bench/:
//
//	go run ./bench/synthbench [-runs 5] [-scale-runs 5] [-build-runs 3] [-test-runs 3] [-items 1,2,3,4,6]
//
// The machine has few cores and other work may run beside it, so every comparison alternates
// its two sides (A B B A ...) and reports medians; no figure is asserted anywhere.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// options are the command-line settings.
type options struct {
	runs      int
	scaleRuns int
	buildRuns int
	testRuns  int
	items     []string
	keep      bool
}

func main() {
	var opts options
	var items string
	flag.IntVar(&opts.runs, "runs", 5, "timed runs of each side of item 1")
	flag.IntVar(&opts.scaleRuns, "scale-runs", 5, "timed runs of each app at each size in item 2")
	flag.IntVar(&opts.buildRuns, "build-runs", 3, "repetitions of item 3's scenarios")
	flag.IntVar(&opts.testRuns, "test-runs", 3, "timed runs of make test in item 6")
	flag.StringVar(&items, "items", "1,2,3,4,6", "comma-separated items to run")
	flag.BoolVar(&opts.keep, "keep", false, "keep the temporary directory and print its path")
	flag.Parse()
	opts.items = strings.Split(items, ",")

	if err := run(opts); err != nil {
		fmt.Fprintln(os.Stderr, "synthbench:", err)
		os.Exit(1)
	}
}

func run(opts options) error {
	b, err := newBench(opts)
	if err != nil {
		return err
	}
	if opts.keep {
		fmt.Fprintln(os.Stderr, "synthbench: keeping", b.tmp)
	} else {
		defer os.RemoveAll(b.tmp)
	}

	fmt.Println(b.machine())
	steps := []struct {
		item string
		run  func() error
	}{
		{"1", b.example},
		{"2", b.scaling},
		{"3", b.builds},
		{"4", b.handlerSize},
		{"6", b.testSuite},
	}
	for _, step := range steps {
		if !slices.Contains(opts.items, step.item) {
			continue
		}
		if err := step.run(); err != nil {
			return fmt.Errorf("item %s: %w", step.item, err)
		}
	}
	return nil
}

// bench holds what every item needs: the repository, the tools, a temporary directory.
type bench struct {
	opts options

	// root is the repository's root directory, where cdk.json of the Go example app is.
	root string

	// cdk is the CDK CLI pinned in the root package.json; both apps are synthesized with it.
	cdk string

	// tmp holds the cloud assemblies, generated handlers and caches of this run.
	tmp string
}

func newBench(opts options) (*bench, error) {
	root, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	cdk := filepath.Join(root, "node_modules", ".bin", "cdk")
	for _, need := range []string{cdk, filepath.Join(root, "bench", "node_modules", "aws-cdk-lib")} {
		if _, err := os.Stat(need); err != nil {
			return nil, fmt.Errorf("%s is missing: run synthbench from the repository root after "+
				"`npm ci` there and `npm ci --prefix bench` (make bench does both)", need)
		}
	}
	tmp, err := os.MkdirTemp("", "synthbench-")
	if err != nil {
		return nil, err
	}
	return &bench{opts: opts, root: root, cdk: cdk, tmp: tmp}, nil
}

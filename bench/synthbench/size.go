package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
)

// maxZipBytes is item 4's goal, 2.5 MB, read as decimal megabytes: the stricter reading.
const maxZipBytes = 2_500_000

// handlerSize is item 4: the whoami handler built for arm64 as golambda builds it, zipped as
// the CDK CLI zips it for upload.
func (b *bench) handlerSize() error {
	target := golambda.Target{GOOS: "linux", GOARCH: "arm64"}
	p, err := golambda.Resolve(context.Background(), filepath.Join(b.root, "lambdas", "whoami"), target)
	if err != nil {
		return err
	}
	dir, _, err := p.Build(context.Background(), filepath.Join(b.tmp, "size-cache"))
	if err != nil {
		return err
	}
	info, err := os.Stat(filepath.Join(dir, golambda.BinaryName))
	if err != nil {
		return err
	}
	out, err := command{dir: b.root, args: []string{"node", "bench/zipsize.js", dir}}.output()
	if err != nil {
		return err
	}
	zipped, err := strconv.Atoi(out)
	if err != nil {
		return fmt.Errorf("bench/zipsize.js printed %q, want a number of bytes", out)
	}

	fmt.Printf("## 4. Handler size\n\n")
	fmt.Printf("lambdas/whoami built by golambda for linux/arm64, zipped by bench/zipsize.js the way " +
		"the CDK CLI zips code assets.\n\n")
	table([]string{"bootstrap", "zipped", "goal"}, [][]string{{
		fmt.Sprintf("%d bytes (%.2f MB)", info.Size(), float64(info.Size())/1e6),
		fmt.Sprintf("**%d bytes (%.2f MB, %.2f MiB)**", zipped, float64(zipped)/1e6,
			float64(zipped)/(1<<20)),
		fmt.Sprintf("at most 2.5 MB: %s", verdict(zipped <= maxZipBytes)),
	}})
	return nil
}

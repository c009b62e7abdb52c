// Package localgwtest synthesizes the example app for the tests of the local
// gateway and its command, so that they serve what `cdk synth` writes today
// rather than a snapshot that may lag behind the handlers' sources.
package localgwtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// SynthTimeout bounds Synthesize. On a clean machine the synth compiles the
// CDK app, whose aws-cdk-go dependencies take minutes on two cores the first
// time; later runs take seconds.
const SynthTimeout = 10 * time.Minute

// RepoRoot returns the repository's root: the nearest directory at or above
// dir that holds cdk.json.
func RepoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "cdk.json")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no cdk.json in any directory above the test: " +
				"run the tests inside the repository")
		}
		dir = parent
	}
}

// Synthesize runs the CDK CLI pinned in package.json (node_modules/.bin/cdk,
// installed by `npm ci`) on the example app in root and writes the cloud
// assembly to out.
func Synthesize(root, out string) error {
	cdk := filepath.Join(root, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		return fmt.Errorf("the pinned CDK CLI is not installed (%s is missing): run `npm ci` "+
			"in the repository, or `make test`, which does", cdk)
	}

	ctx, cancel := context.WithTimeout(context.Background(), SynthTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cdk, "synth", "--quiet", "--no-notices", "--output", out)
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=1", "CDK_DISABLE_CLI_TELEMETRY=true")
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cdk synth of the example app failed: %w\n%s", err, output)
	}
	return nil
}

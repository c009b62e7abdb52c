package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
)

// modulePath is the import path of this repository's module.
const modulePath = "github.com/passage-cdk/passage-cdk-go"

// cliEnv is the environment of every CDK CLI run: no end-of-life banner, no look-up of notices
// (there is no network to find them on, and it would only add noise).
var cliEnv = []string{"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=1"}

// synth is one `cdk synth` of one app.
type synth struct {
	// app overrides the app of cdk.json; empty for the example app.
	app string

	// js selects the JavaScript app of bench/ instead of a Go app of the repository root.
	js bool

	// context is passed with -c key=value.
	context map[string]string

	// env is added to the CLI's environment (and so to the app's).
	env []string
}

// command returns the CLI invocation that writes the cloud assembly to out.
func (s synth) command(b *bench, out string) command {
	args := []string{b.cdk, "synth", "--quiet", "--no-notices", "-o", out}
	dir := b.root
	if s.js {
		dir = filepath.Join(b.root, "bench")
	}
	if s.app != "" {
		args = append(args, "--app", s.app)
	}
	for key, value := range s.context {
		args = append(args, "-c", key+"="+value)
	}
	return command{dir: dir, env: append(append([]string{}, cliEnv...), s.env...), args: args}
}

// timed returns a function that runs the synth into out and times it, for alternate and repeat.
func (s synth) timed(b *bench, out string) func() (time.Duration, error) {
	return s.command(b, out).run
}

// codeAsset is where the JavaScript app finds the code of one function: the binary golambda
// built, and the hash golambda gave its asset.
type codeAsset struct {
	Dir       string `json:"dir"`
	Hash      string `json:"hash"`
	GoPackage string `json:"goPackage"`
}

// moduleDir maps a module path to its directory, to find a handler's directory from the import
// path in its function's metadata.
type moduleDir struct {
	path string
	dir  string
}

// writeAssets reads the Go app's template and writes, for each of its Go functions, the code
// asset the JavaScript app must use to build the same template. Resolving and building each
// handler again finds golambda's cache filled by the Go synth, so nothing is compiled here.
func writeAssets(templatePath, assetsPath, cacheRoot string, modules []moduleDir) error {
	template, err := readJSON(templatePath)
	if err != nil {
		return err
	}
	resources, _ := template["Resources"].(map[string]any)
	assets := map[string]codeAsset{}
	for id, r := range resources {
		resource, _ := r.(map[string]any)
		metadata, _ := resource["Metadata"].(map[string]any)
		goPackage, _ := metadata[golambda.MetadataGoPackage].(string)
		if resource["Type"] != "AWS::Lambda::Function" || goPackage == "" {
			continue
		}
		dir := ""
		for _, m := range modules {
			if rest, ok := strings.CutPrefix(goPackage, m.path+"/"); ok {
				dir = filepath.Join(m.dir, filepath.FromSlash(rest))
			}
		}
		if dir == "" {
			return fmt.Errorf("function %s runs %s, which is in none of the modules %v", id, goPackage, modules)
		}

		properties, _ := resource["Properties"].(map[string]any)
		architectures, _ := properties["Architectures"].([]any)
		architecture := "x86_64"
		if len(architectures) == 1 {
			architecture, _ = architectures[0].(string)
		}
		target, err := golambda.LambdaTarget(architecture)
		if err != nil {
			return fmt.Errorf("function %s: %w", id, err)
		}
		p, err := golambda.Resolve(context.Background(), dir, target)
		if err != nil {
			return err
		}
		codeDir, _, err := p.Build(context.Background(), cacheRoot)
		if err != nil {
			return err
		}

		path, _ := metadata["aws:cdk:path"].(string)
		assets[strings.TrimSuffix(path, "/Resource")] = codeAsset{
			Dir: codeDir, Hash: p.InputHash, GoPackage: goPackage,
		}
	}
	data, err := json.MarshalIndent(assets, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(assetsPath, data, 0o644)
}

// sameAssembly checks that the two apps wrote the same template and the same asset manifest
// for stack. Nothing is normalized: the JavaScript app is given golambda's asset hashes, so
// every byte can match. tree.json is left out on purpose: it names the aws-cdk-lib version of
// each construct, and the Go bindings (2.277.0) are one release ahead of npm (2.276.0).
func sameAssembly(goOut, jsOut, stack string) error {
	for _, name := range []string{stack + ".template.json", stack + ".assets.json"} {
		goData, err := os.ReadFile(filepath.Join(goOut, name))
		if err != nil {
			return err
		}
		jsData, err := os.ReadFile(filepath.Join(jsOut, name))
		if err != nil {
			return err
		}
		if bytes.Equal(goData, jsData) {
			continue
		}

		// Different bytes: show what differs in content, which is what a reader needs.
		var goValue, jsValue any
		if err := json.Unmarshal(goData, &goValue); err != nil {
			return fmt.Errorf("%s of the Go app: %w", name, err)
		}
		if err := json.Unmarshal(jsData, &jsValue); err != nil {
			return fmt.Errorf("%s of the JavaScript app: %w", name, err)
		}
		diff := cmp.Diff(goValue, jsValue)
		if diff == "" {
			return fmt.Errorf("%s: same content, but the bytes differ (key order or layout)", name)
		}
		return fmt.Errorf("%s differs between the Go app and the JavaScript app (-Go +JS):\n%s",
			name, diff)
	}
	return nil
}

func readJSON(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var value map[string]any
	if err := json.Unmarshal(data, &value); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return value, nil
}

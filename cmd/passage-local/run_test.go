package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exampleAssembly lays out a cloud assembly holding the example app's snapshot template, and
// a stack named Empty with no resources.
func exampleAssembly(t *testing.T) string {
	t.Helper()
	template, err := os.ReadFile("../../testdata/PassageExample.template.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	manifest := `{"version": "55.0.0", "artifacts": {"PassageExample": {` +
		`"type": "aws:cloudformation:stack", ` +
		`"properties": {"templateFile": "PassageExample.template.json"}}, ` +
		`"Empty": {"type": "aws:cloudformation:stack", ` +
		`"properties": {"templateFile": "Empty.template.json"}}}}`
	for name, content := range map[string][]byte{
		"manifest.json":                []byte(manifest),
		"PassageExample.template.json": template,
		"Empty.template.json":          []byte(`{"Resources": {}}`),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRoutesTable(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"routes", "--assembly", exampleAssembly(t)}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	want := [][]string{
		{"PassageExample:", "HTTP", "API", "passage-example"},
		{"METHOD", "PATH", "PROTECTION", "HANDLER"},
		{"GET", "/health", "public", "PassageExample/Api/Health",
			"(github.com/passage-cdk/passage-cdk-go/lambdas/health)"},
		{"GET", "/whoami", "JWT", "https://auth.passage.id/v1/apps/examplePassageAppId0001",
			"PassageExample/Api/Whoami", "(github.com/passage-cdk/passage-cdk-go/lambdas/whoami)"},
	}
	if len(lines) != len(want) {
		t.Fatalf("table has %d lines, want %d:\n%s", len(lines), len(want), stdout.String())
	}
	for i, fields := range want {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(fields, " ") {
			t.Errorf("line %d = %q, want fields %q", i, lines[i], fields)
		}
	}
}

func TestCommandLineErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "usage: passage-local"},
		{"unknown command", []string{"deploy"}, 2, `unknown command "deploy"`},
		{"unknown flag", []string{"routes", "--bogus"}, 2, "-bogus"},
		{"stray argument", []string{"routes", "extra"}, 2, `unexpected argument "extra"`},
		{"missing assembly", []string{"routes", "--assembly", "no/such/dir"}, 1, "run `cdk synth` first"},
		{"missing stack", []string{"routes", "--assembly", "", "--stack", "Nope"}, 1, `no stack "Nope"`},
		{"serve: unknown flag", []string{"serve", "--bogus"}, 2, "-bogus"},
		{"serve: stray argument", []string{"serve", "extra"}, 2, `unexpected argument "extra"`},
		{"serve: address without a port", []string{"serve", "--addr", "localhost"}, 2,
			`--addr "localhost": want host:port`},
		{"serve: no environments", []string{"serve", "--max-environments", "0"}, 2,
			"--max-environments 0: want at least 1"},
		{"serve: flag without its value", []string{"serve", "--stack"}, 2,
			"flag needs an argument: -stack"},
		{"serve: missing assembly", []string{"serve", "--assembly", "no/such/dir"}, 1,
			"run `cdk synth` first"},
		{"serve: stack without an HTTP API", []string{"serve", "--assembly", "", "--stack", "Empty"},
			1, "no HTTP API to serve: stack Empty has none"},
		{"serve: unknown API", []string{"serve", "--assembly", "", "--api", "other"}, 1,
			`no HTTP API "other"`},
		{"token: no subject", []string{"token", "--assembly", ""}, 2, "--sub: expected the user ID"},
		{"token: negative lifetime", []string{"token", "--sub", "u1", "--ttl", "-1h"}, 2,
			"--ttl -1h0m0s: expected a positive duration"},
		{"token: lifetime without a unit", []string{"token", "--sub", "u1", "--ttl", "60"}, 2,
			`invalid value "60" for flag -ttl`},
		{"token: missing assembly", []string{"token", "--sub", "u1", "--assembly", "no/such/dir"}, 1,
			"run `cdk synth` first"},
		{"token: unknown authorizer", []string{"token", "--sub", "u1", "--assembly", "",
			"--authorizer", "Other"}, 1, `no JWT authorizer "Other" (it has JwtAuthorizer)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			for i, arg := range args {
				if arg == "" {
					args[i] = exampleAssembly(t)
				}
			}
			var stdout, stderr bytes.Buffer
			code := run(args, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exampleAssembly lays out a cloud assembly holding the example app's snapshot template.
func exampleAssembly(t *testing.T) string {
	t.Helper()
	template, err := os.ReadFile("../../testdata/PassageExample.template.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	manifest := `{"version": "55.0.0", "artifacts": {"PassageExample": {` +
		`"type": "aws:cloudformation:stack", ` +
		`"properties": {"templateFile": "PassageExample.template.json"}}}}`
	for name, content := range map[string][]byte{
		"manifest.json":                []byte(manifest),
		"PassageExample.template.json": template,
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

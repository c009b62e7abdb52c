package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeProgramCompiles type-checks and vets the program that README.md shows for using
// the construct from another CDK app, so the documented API cannot drift from the real one.
func TestReadmeProgramCompiles(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	const marker = "<!-- readme-snippet: program -->\n```go\n"
	_, rest, found := strings.Cut(string(readme), marker)
	if !found {
		t.Fatalf("README.md has no %q block", strings.TrimSpace(marker))
	}
	program, _, _ := strings.Cut(rest, "```")

	dir := t.TempDir()
	file := filepath.Join(dir, "main.go")
	if err := os.WriteFile(file, []byte(program), 0o644); err != nil {
		t.Fatal(err)
	}
	// Run from this module, so that the snippet's imports resolve to this very code.
	cmd := exec.Command("go", "vet", file)
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the README's program does not compile: %v\n%s", err, output)
	}
}

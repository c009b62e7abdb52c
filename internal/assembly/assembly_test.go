package assembly_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/passage-cdk/passage-cdk-go/internal/assembly"
)

// exampleAssembly lays out a cloud assembly holding the example app's snapshot template, the
// very bytes `cdk synth` writes, and returns its directory.
func exampleAssembly(t *testing.T, extraStacks ...string) string {
	t.Helper()
	template, err := os.ReadFile("../../testdata/PassageExample.template.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	artifacts := []string{stackArtifact("PassageExample")}
	write(t, filepath.Join(dir, "PassageExample.template.json"), string(template))
	for _, name := range extraStacks {
		artifacts = append(artifacts, stackArtifact(name))
		write(t, filepath.Join(dir, name+".template.json"), `{"Resources": {}}`)
	}
	manifest := `{"version": "55.0.0", "artifacts": {` + strings.Join(artifacts, ",") +
		`, "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}}`
	write(t, filepath.Join(dir, "manifest.json"), manifest)
	return dir
}

func stackArtifact(name string) string {
	return `"` + name + `": {"type": "aws:cloudformation:stack", ` +
		`"properties": {"templateFile": "` + name + `.template.json"}}`
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestExampleRoutes(t *testing.T) {
	a, err := assembly.Load(exampleAssembly(t))
	if err != nil {
		t.Fatal(err)
	}
	stack, err := a.Stack("")
	if err != nil {
		t.Fatal(err)
	}
	apis, err := stack.HTTPAPIs()
	if err != nil {
		t.Fatal(err)
	}
	if len(apis) != 1 {
		t.Fatalf("found %d HTTP APIs, want 1", len(apis))
	}

	type routeSummary struct {
		Key, Auth, Issuer, Function, GoPackage, Runtime, Arch string
		Audiences                                             []string
		MemoryMB, TimeoutSeconds                              int
	}
	var got []routeSummary
	for _, r := range apis[0].Routes {
		s := routeSummary{Key: r.Key, Auth: r.AuthorizationType}
		if r.Authorizer != nil {
			s.Issuer, s.Audiences = r.Authorizer.Issuer, r.Authorizer.Audiences
		}
		if f := r.Function; f != nil {
			s.Function, s.GoPackage, s.Runtime, s.Arch = f.Name(), f.GoPackage, f.Runtime, f.Architecture
			s.MemoryMB, s.TimeoutSeconds = f.MemoryMB, f.TimeoutSeconds
		}
		got = append(got, s)
	}
	module := "github.com/passage-cdk/passage-cdk-go/lambdas/"
	want := []routeSummary{
		{Key: "GET /health", Auth: "NONE", Function: "PassageExample/Api/Health",
			GoPackage: module + "health", Runtime: "provided.al2023", Arch: "arm64",
			MemoryMB: 256, TimeoutSeconds: 10},
		{Key: "GET /whoami", Auth: "JWT",
			Issuer:    "https://auth.passage.id/v1/apps/examplePassageAppId0001",
			Audiences: []string{"https://app.example.com"},
			Function:  "PassageExample/Api/Whoami", GoPackage: module + "whoami",
			Runtime: "provided.al2023", Arch: "arm64", MemoryMB: 256, TimeoutSeconds: 10},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("routes (-want +got):\n%s", diff)
	}
}

func TestChoosingAStack(t *testing.T) {
	a, err := assembly.Load(exampleAssembly(t, "Other"))
	if err != nil {
		t.Fatal(err)
	}
	if s, err := a.Stack(""); err != nil || s.Name != "PassageExample" {
		t.Errorf("Stack(\"\") = %v, %v; want the one stack with an HTTP API", s, err)
	}
	if s, err := a.Stack("Other"); err != nil || s.Name != "Other" {
		t.Errorf("Stack(Other) = %v, %v", s, err)
	}
	_, err = a.Stack("Missing")
	if err == nil || !strings.Contains(err.Error(), "Other, PassageExample") {
		t.Errorf("Stack(Missing) error = %v, want one listing the stacks", err)
	}
}

func TestLoadWithoutAnAssembly(t *testing.T) {
	_, err := assembly.Load(t.TempDir())
	if !errors.Is(err, assembly.ErrNoAssembly) || !strings.Contains(err.Error(), "cdk synth") {
		t.Errorf("Load(empty dir) error = %v, want ErrNoAssembly with the fix", err)
	}
}

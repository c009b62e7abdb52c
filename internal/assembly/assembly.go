// Package assembly reads a cloud assembly, the cdk.out directory that `cdk synth` writes, and
// finds the HTTP APIs in its templates: routes, authorizers and the Lambda functions behind
// them. Tools read what would be deployed, not the Go props that produced it.
package assembly

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrNoAssembly is returned when a directory holds no cloud assembly.
var ErrNoAssembly = errors.New("no cloud assembly")

// Assembly is a loaded cloud assembly.
type Assembly struct {
	// Dir is the assembly's directory.
	Dir string

	// Stacks are the CloudFormation stacks of the assembly, sorted by name.
	Stacks []*Stack
}

// Stack is one CloudFormation stack of an assembly.
type Stack struct {
	// Name is the stack's artifact ID, which is its name unless the app renamed it.
	Name string

	// TemplatePath is the path of the stack's template file.
	TemplatePath string

	// Template is the parsed template.
	Template Template
}

// Template is a CloudFormation template, as far as this package reads it.
type Template struct {
	Resources map[string]Resource `json:"Resources"`
}

// Resource is one resource of a template.
type Resource struct {
	Type       string          `json:"Type"`
	Properties json.RawMessage `json:"Properties"`
	Metadata   map[string]any  `json:"Metadata"`
}

type manifest struct {
	Artifacts map[string]struct {
		Type       string `json:"type"`
		Properties struct {
			TemplateFile string `json:"templateFile"`
		} `json:"properties"`
		DisplayName string `json:"displayName"`
	} `json:"artifacts"`
}

// Load reads the manifest of the assembly in dir and the templates of its stacks.
func Load(dir string) (*Assembly, error) {
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s has no manifest.json (run `cdk synth` first): %w", dir, ErrNoAssembly)
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, "manifest.json"), err)
	}

	a := &Assembly{Dir: dir}
	for _, id := range slices.Sorted(maps.Keys(m.Artifacts)) {
		artifact := m.Artifacts[id]
		if artifact.Type != "aws:cloudformation:stack" {
			continue
		}
		path := filepath.Join(dir, artifact.Properties.TemplateFile)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("stack %s: %w", id, err)
		}
		stack := &Stack{Name: id, TemplatePath: path}
		if err := json.Unmarshal(data, &stack.Template); err != nil {
			return nil, fmt.Errorf("stack %s: reading %s: %w", id, path, err)
		}
		a.Stacks = append(a.Stacks, stack)
	}
	return a, nil
}

// Stack returns the stack with the given name. With an empty name it returns the one stack
// that has an HTTP API, and fails when there is none or more than one.
func (a *Assembly) Stack(name string) (*Stack, error) {
	var names, withAPI []string
	for _, s := range a.Stacks {
		names = append(names, s.Name)
		if name == s.Name {
			return s, nil
		}
		if len(s.Template.ofType(typeAPI)) > 0 {
			withAPI = append(withAPI, s.Name)
		}
	}
	switch {
	case name != "":
		return nil, fmt.Errorf("no stack %q in %s (stacks: %s)", name, a.Dir, strings.Join(names, ", "))
	case len(withAPI) == 0:
		return nil, fmt.Errorf("no stack in %s has an HTTP API (stacks: %s)", a.Dir, strings.Join(names, ", "))
	case len(withAPI) > 1:
		return nil, fmt.Errorf("stacks %s have HTTP APIs: choose one with --stack", strings.Join(withAPI, ", "))
	}
	return a.Stack(withAPI[0])
}

// ofType returns the logical IDs of the resources of a type, sorted.
func (t Template) ofType(resourceType string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == resourceType {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// handlerModule is the module path of the generated handlers.
const handlerModule = "example.com/benchhandlers"

// writeHandlers writes a module of n Lambda handlers, h01 ... hNN, into dir. Every handler
// imports the module's package greeting, as real handlers share code, so that an edit there
// makes every handler stale. variant goes into the source: a new variant is a new compile.
func writeHandlers(dir string, n int, variant string) error {
	sums, err := lambdaGoSums()
	if err != nil {
		return err
	}
	files := map[string]string{
		"go.mod": "module " + handlerModule + "\n\ngo 1.26.0\n\n" +
			"require github.com/aws/aws-lambda-go v1.55.1\n",
		"go.sum":               sums,
		"greeting/greeting.go": greetingSource(variant),
	}
	for i := 1; i <= n; i++ {
		files[fmt.Sprintf("h%02d/main.go", i)] = handlerSource(fmt.Sprintf("h%02d", i), variant)
	}
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func greetingSource(variant string) string {
	return fmt.Sprintf(`// Package greeting is the code every generated handler shares.
package greeting

// Text starts every answer.
const Text = %q
`, "hello from "+variant)
}

func handlerSource(name, variant string) string {
	return fmt.Sprintf(`// Command %[1]s is a generated Lambda handler for the synth benchmarks.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"%[2]s/greeting"
)

func handle(_ context.Context, request events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	body := greeting.Text + " %[1]s %[3]s " + request.RawPath
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: body}, nil
}

func main() { lambda.Start(handle) }
`, name, handlerModule, variant)
}

// lambdaGoSums returns the go.sum lines of aws-lambda-go from this repository's go.sum, so that
// the generated module needs no download and pins the same version.
func lambdaGoSums() (string, error) {
	data, err := os.ReadFile("go.sum")
	if err != nil {
		return "", err
	}
	var lines []string
	for line := range strings.SplitSeq(string(data), "\n") {
		if strings.HasPrefix(line, "github.com/aws/aws-lambda-go ") {
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		return "", fmt.Errorf("go.sum holds no line for github.com/aws/aws-lambda-go")
	}
	return strings.Join(lines, "\n") + "\n", nil
}

// editHandler changes the answer of one handler, as a developer's edit would.
func editHandler(dir, name, edit string) error {
	return appendLine(filepath.Join(dir, name, "main.go"),
		fmt.Sprintf("\nfunc init() { _ = %q }\n", edit))
}

// editGreeting changes the package every handler imports.
func editGreeting(dir, edit string) error {
	return appendLine(filepath.Join(dir, "greeting", "greeting.go"),
		fmt.Sprintf("\n// Edit is a change every handler sees.\nconst Edit = %q\n", edit))
}

func appendLine(path, text string) error {
	file, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := file.WriteString(text); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}

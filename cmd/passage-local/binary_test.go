package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/passage-cdk/passage-cdk-go/internal/devissuer"
	"github.com/passage-cdk/passage-cdk-go/internal/jwtauth"
	"github.com/passage-cdk/passage-cdk-go/internal/localgw/localgwtest"
)

// commandTimeout bounds each run of the binary. serve builds the example
// handlers, which takes seconds with a warm Go build cache.
const commandTimeout = 3 * time.Minute

// scratch holds what the tests share: the binary and the synthesized example
// app. TestMain removes it.
var scratch string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "passage-local-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "creating the scratch directory:", err)
		os.Exit(1)
	}
	scratch = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot returns the absolute path of the repository's root, the CDK app's
// directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := localgwtest.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// binary builds passage-local once per test process.
func binary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		binaryPath = filepath.Join(scratch, "passage-local")
		out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

// probeAssembly writes the probe fixture of localgwtest, whose one function
// is a Go handler of this repository, after edit has changed its resources.
func probeAssembly(t *testing.T, edit func(resources map[string]any)) string {
	t.Helper()
	resources, err := localgwtest.ProbeResources(repoRoot(t), "https://issuer.invalid/probe")
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(resources)
	}
	dir := t.TempDir()
	if err := localgwtest.WriteAssembly(dir, resources); err != nil {
		t.Fatal(err)
	}
	return dir
}

// result is what one run of the binary printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// runBinary runs passage-local with args in dir.
func runBinary(t *testing.T, dir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
}

// exampleIssuer is the authorizer of the example template, as the
// authorizer of the gateway is configured from it.
var exampleIssuer = jwtauth.Config{
	Issuer:   "https://auth.passage.id/v1/apps/examplePassageAppId0001",
	Audience: []string{"https://app.example.com"},
}

var jwtShape = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$`)

// TestTokenCommand runs `passage-local token` and checks that it prints the
// token alone, and that the gateway's authorizer, given the same dev key,
// accepts it (or refuses it, for an audience the template does not list).
func TestTokenCommand(t *testing.T) {
	asm := exampleAssembly(t)
	tests := []struct {
		name       string
		args       []string
		wantStderr string
		wantDenial error // nil: accepted
		wantScopes []string
	}{
		{name: "subject only", args: []string{"--sub", "u1"}},
		{name: "scopes", args: []string{"--sub", "u1", "--scope", "orders:read", "--scope", "admin"},
			wantScopes: []string{"orders:read", "admin"}},
		{name: "short lifetime", args: []string{"--sub", "u1", "--ttl", "1m"}},
		{name: "another audience", args: []string{"--sub", "u1", "--aud", "https://other.example.com"},
			wantStderr: "accepts only https://app.example.com; the gateway will refuse this token",
			wantDenial: jwtauth.ErrAudience},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"token", "--assembly", asm}, tt.args...)
			got := runBinary(t, dir, args...)
			if got.code != 0 || !jwtShape.MatchString(got.stdout) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and one token line",
					got.code, got.stdout, got.stderr)
			}
			if !strings.Contains(got.stderr, tt.wantStderr) || (tt.wantStderr == "" && got.stderr != "") {
				t.Errorf("stderr %q, want %q", got.stderr, tt.wantStderr)
			}

			// The key was made in the default folder of the working directory.
			dev, err := devissuer.LoadOrCreate(filepath.Join(dir, defaultKeyDir))
			if err != nil {
				t.Fatal(err)
			}
			authz, err := jwtauth.New(exampleIssuer, dev.KeysFor(exampleIssuer.Issuer))
			if err != nil {
				t.Fatal(err)
			}
			r, _ := http.NewRequest("GET", "http://127.0.0.1/whoami", nil)
			r.Header.Set("Authorization", "Bearer "+strings.TrimSpace(got.stdout))
			routeScopes := []string{"orders:read"}
			if tt.wantScopes == nil {
				routeScopes = nil
			}
			grant, denial := authz.Authorize(context.Background(), r, routeScopes)
			switch {
			case tt.wantDenial != nil:
				if denial == nil || !errors.Is(denial.Reason, tt.wantDenial) {
					t.Errorf("denial %v, want one for %v", denial, tt.wantDenial)
				}
			case denial != nil:
				t.Errorf("the authorizer refused the token: %v", denial.Reason)
			case grant.Claims["sub"] != "u1" || !slices.Equal(grant.Scopes, tt.wantScopes):
				t.Errorf("claims %v, scopes %v; want sub u1 and scopes %v", grant.Claims, grant.Scopes,
					tt.wantScopes)
			}
		})
	}
}

// TestServeFailures checks that serve fails with one line on stderr and
// exit code 1 when it cannot serve.
func TestServeFailures(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	asm := exampleAssembly(t)
	stale := staleAssembly(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "port in use", args: []string{"--assembly", asm, "--addr", busy.Addr().String()},
			want: "cannot listen on " + busy.Addr().String() + ": bind: address already in use"},
		{name: "missing assembly", args: []string{"--assembly", filepath.Join(t.TempDir(), "cdk.out")},
			want: "has no manifest.json (run `cdk synth` first)"},
		{name: "stale assembly", args: []string{"--assembly", stale, "--app-dir", repoRoot(t)},
			want: "cdk.out is stale: the sources of ProbeStack/Probe (" + localgwtest.ProbePackage + ")"},
		{name: "stack without an HTTP API", args: []string{"--assembly", asm, "--stack", "Empty"},
			want: "no HTTP API to serve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--dev-issuer",
				"--build-cache", t.TempDir()}, tt.args...)
			got := runBinary(t, t.TempDir(), args...)
			if got.code != 1 || !strings.HasPrefix(got.stderr, "passage-local serve: ") ||
				strings.Count(got.stderr, "\n") != 1 || !strings.Contains(got.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 1 and one line with %q", got.code, got.stderr, tt.want)
			}
		})
	}
}

// staleAssembly is the probe assembly with the function's asset hash
// changed, as if its sources had changed since the synth.
func staleAssembly(t *testing.T) string {
	return probeAssembly(t, func(resources map[string]any) {
		metadata := resources["Probe"].(map[string]any)["Metadata"].(map[string]any)
		metadata["aws:asset:path"] = "asset." + strings.Repeat("0", 64)
	})
}

// TestServeAndStop runs serve on a free port with the dev issuer, asks it for
// a public and a protected route with a token from `token`, and stops it
// with SIGINT.
func TestServeAndStop(t *testing.T) {
	dir := t.TempDir()
	asm := probeAssembly(t, nil)
	token := runBinary(t, dir, "token", "--assembly", asm, "--sub", "u1",
		"--scope", localgwtest.ProbeScope)
	if token.code != 0 {
		t.Fatalf("token: exit %d, %s", token.code, token.stderr)
	}

	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), "serve", "--assembly", asm, "--app-dir", repoRoot(t),
		"--build-cache", t.TempDir(), "--addr", "127.0.0.1:0", "--dev-issuer")
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	// Read the output until the address line; keep reading after, so the
	// gateway never blocks on a full pipe.
	var output bytes.Buffer
	var outputMu sync.Mutex
	address := make(chan string, 1)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			line := scanner.Text()
			outputMu.Lock()
			output.WriteString(line + "\n")
			outputMu.Unlock()
			if rest, ok := strings.CutPrefix(line, "listening on "); ok {
				address <- strings.Fields(rest)[0]
			}
		}
	}()
	var base string
	select {
	case base = <-address:
	case <-readDone:
		_ = cmd.Wait()
		t.Fatalf("serve ended before listening: %s\n%s", stderr.String(), output.String())
	}

	client := &http.Client{Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	for _, tc := range []struct {
		path, token string
		want        int
	}{
		{"/probe", "", 200},
		{"/scoped", "", 401},
		{"/scoped", strings.TrimSpace(token.stdout), 200},
	} {
		req, _ := http.NewRequest("GET", base+tc.path, nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s: %d, want %d", tc.path, resp.StatusCode, tc.want)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-readDone
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve after SIGINT: %v, stderr %q; want exit 0", err, stderr.String())
	}

	outputMu.Lock()
	defer outputMu.Unlock()
	for _, want := range []string{"GET /probe 200", "GET /scoped 401", "GET /scoped 200", "stopping"} {
		if !strings.Contains(output.String(), want) {
			t.Errorf("the output lacks %q:\n%s", want, output.String())
		}
	}
	if strings.Contains(output.String(), strings.TrimSpace(token.stdout)) {
		t.Errorf("the output holds the token:\n%s", output.String())
	}
}

package localgw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passage-cdk/passage-cdk-go/internal/assembly"
	"github.com/passage-cdk/passage-cdk-go/internal/localgw"
	"github.com/passage-cdk/passage-cdk-go/internal/localgw/localgwtest"
)

// repoRoot returns the repository's root, the CDK app's directory.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := localgwtest.RepoRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// The example app's cloud assembly, written once per test process.
var (
	synthOnce sync.Once
	synthDir  string
	synthErr  error
)

// exampleAssembly synthesizes the example app, once per test process, and
// returns the assembly's directory.
func exampleAssembly(t testing.TB) string {
	t.Helper()
	root := repoRoot(t)
	synthOnce.Do(func() {
		synthDir = filepath.Join(scratch, "cdk.out")
		synthErr = localgwtest.Synthesize(root, synthDir)
	})
	if synthErr != nil {
		t.Fatal(synthErr)
	}
	return synthDir
}

// loadStack loads the only stack of the assembly in dir.
func loadStack(t testing.TB, dir string) *assembly.Stack {
	t.Helper()
	a, err := assembly.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	stack, err := a.Stack("")
	if err != nil {
		t.Fatal(err)
	}
	return stack
}

// startGateway makes a gateway for cfg, with the test's build cache and the
// repository as the app, serves it on a free loopback port and returns its
// base URL. The gateway is closed when the test ends.
func startGateway(t testing.TB, cfg localgw.Config) (*localgw.Gateway, string) {
	t.Helper()
	cfg.AppDir = repoRoot(t)
	cfg.CacheRoot = filepath.Join(scratch, "handlers")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	g, err := localgw.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = g.Close()
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- g.Serve(ln) }()
	t.Cleanup(func() {
		_ = g.Close()
		if err := <-served; err != nil {
			t.Errorf("Serve returned %v after Close, want nil", err)
		}
	})
	return g, "http://" + ln.Addr().String()
}

// newClient returns a client whose idle connections are closed when the
// test ends, so that no goroutine outlives the tests.
func newClient(t testing.TB) *http.Client {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)
	return client
}

// response is what a client saw.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends one request and reads the whole answer.
func do(t testing.TB, client *http.Client, method, url string, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, values := range header {
		req.Header[name] = values
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// syncBuffer is a log the gateway writes to while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The probe fixture, from localgwtest.
const (
	probeAudience = localgwtest.ProbeAudience
	probeScope    = localgwtest.ProbeScope
	probeOrigin   = localgwtest.ProbeOrigin
)

// probeResources returns the resources of the probe template for issuer,
// for the test to change.
func probeResources(t testing.TB, issuer string) map[string]any {
	t.Helper()
	resources, err := localgwtest.ProbeResources(repoRoot(t), issuer)
	if err != nil {
		t.Fatal(err)
	}
	return resources
}

// writeAssembly writes a cloud assembly of one stack, ProbeStack, holding
// resources, and returns its stack.
func writeAssembly(t testing.TB, resources map[string]any) *assembly.Stack {
	t.Helper()
	dir := t.TempDir()
	if err := localgwtest.WriteAssembly(dir, resources); err != nil {
		t.Fatal(err)
	}
	return loadStack(t, dir)
}

// probeAnswer is the body testdata/probe answers with.
type probeAnswer struct {
	Greeting string `json:"greeting"`
	Event    struct {
		RouteKey       string            `json:"routeKey"`
		RawPath        string            `json:"rawPath"`
		PathParameters map[string]string `json:"pathParameters"`
		Headers        map[string]string `json:"headers"`
		RequestContext struct {
			Stage      string `json:"stage"`
			RequestID  string `json:"requestId"`
			Authorizer *struct {
				JWT struct {
					Claims map[string]string `json:"claims"`
					Scopes []string          `json:"scopes"`
				} `json:"jwt"`
			} `json:"authorizer"`
		} `json:"requestContext"`
	} `json:"event"`
}

func decodeProbe(t testing.TB, body string) probeAnswer {
	t.Helper()
	var answer probeAnswer
	if err := json.Unmarshal([]byte(body), &answer); err != nil {
		t.Fatalf("the probe's answer %q is not its JSON: %v", body, err)
	}
	return answer
}

// logged waits until log holds a line containing every part, and reports
// whether it came. The gateway writes a request's access line after the
// client has its answer, so the line may arrive a moment after the response.
func logged(log *syncBuffer, parts ...string) bool {
	deadline := time.Now().Add(10 * time.Second)
	for {
		for line := range strings.Lines(log.String()) {
			all := true
			for _, p := range parts {
				all = all && strings.Contains(line, p)
			}
			if all {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

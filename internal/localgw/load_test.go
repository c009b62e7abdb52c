package localgw_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passage-cdk/passage-cdk-go/internal/devissuer"
	"github.com/passage-cdk/passage-cdk-go/internal/localgw"
)

// The load test's size: the full count runs in every plain `go test`, as in
// `make test`; -short runs a tenth of it.
const (
	loadRequests = 20_000
	loadClients  = 64

	// loadDeadline bounds the whole run, so that a stalled gateway fails the
	// test rather than hang it. On two shared cores the full count takes
	// 10 to 15 s.
	loadDeadline = 3 * time.Minute

	// maxRSSGrowth is the memory the test process may gain over the run. It
	// grows by about 10 MiB; the bound is several times that, and still
	// catches a gateway that keeps each request's event and answer (a few
	// kilobytes apiece, 20,000 times over) or a buffer that runs away.
	maxRSSGrowth = 64 << 20
)

// TestLoad sends 20,000 authorized requests from 64 concurrent clients
// through the in-process gateway over loopback HTTP with keep-alive, each
// checked by the JWT authorizer (an RS256 verification) and answered by the
// probe function behind the Runtime API emulator (ten environments at
// most). Every request must succeed with its own answer, the function must
// run exactly once per request, and the test process must not grow without
// bound.
//
// The memory is the resident set of the test process: the gateway, its
// clients and whatever the tests running alongside hold; the function's own
// processes are not counted. The bound is loose enough for that company.
func TestLoad(t *testing.T) {
	t.Parallel()
	requests := loadRequests
	if testing.Short() {
		requests /= 10
	}
	dev, err := devissuer.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	invocations := &lineCounter{prefix: []byte(invokedPrefix)}
	_, base := startGateway(t, localgw.Config{
		Stack:          writeAssembly(t, probeResources(t, devIssuerURL)),
		DevIssuer:      dev,
		FunctionOutput: invocations,
	})
	token, err := dev.Mint(devissuer.MintOptions{Issuer: devIssuerURL,
		Audience: []string{probeAudience}, Subject: "load-user"})
	if err != nil {
		t.Fatal(err)
	}

	client := newClient(t)
	transport := client.Transport.(*http.Transport)
	transport.MaxIdleConnsPerHost = loadClients
	transport.MaxConnsPerHost = loadClients
	ctx, cancel := context.WithTimeout(context.Background(), loadDeadline)
	defer cancel()

	// get sends request n and checks that the answer is the function's
	// answer to that very request.
	get := func(n int) error {
		path := "/items/load/" + strconv.Itoa(n)
		req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("transport: %w", err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("transport: reading the body: %w", err)
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d %s", resp.StatusCode, body)
		}
		var answer probeAnswer
		if err := json.Unmarshal(body, &answer); err != nil {
			return fmt.Errorf("body %.200s: %w", body, err)
		}
		jwt := answer.Event.RequestContext.Authorizer
		if answer.Event.RawPath != path || jwt == nil || jwt.JWT.Claims["sub"] != "load-user" {
			return fmt.Errorf("answer for %s holds rawPath %q and authorizer %+v", path,
				answer.Event.RawPath, jwt)
		}
		return nil
	}

	// Warm up: one request per client at once, so that the environments are
	// running and the connections open before the memory is first read.
	var wg sync.WaitGroup
	for n := range loadClients {
		wg.Go(func() {
			if err := get(-1 - n); err != nil {
				t.Errorf("warm-up: %v", err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	before, beforeOK := residentBytes()

	// The load: each client takes the next request number until all are sent.
	start := time.Now()
	var next, failures atomic.Int64
	var mu sync.Mutex
	var firstErrors []string
	for range loadClients {
		wg.Go(func() {
			for {
				n := int(next.Add(1))
				if n > requests {
					return
				}
				if err := get(n); err != nil {
					failures.Add(1)
					mu.Lock()
					if len(firstErrors) < 5 {
						firstErrors = append(firstErrors, err.Error())
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	after, afterOK := residentBytes()

	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d requests failed; the first:\n%s", n, requests,
			strings.Join(firstErrors, "\n"))
	}

	// Each request ran the function exactly once: no retried invocation, no
	// request answered without one. The lines may trail the answers.
	want := int64(requests + loadClients)
	deadline := time.Now().Add(10 * time.Second)
	for invocations.count() < want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := invocations.count(); got != want {
		t.Errorf("the function ran %d times for %d requests", got, want)
	}

	// The memory, read after the load and again once the heap is collected
	// and returned to the system.
	runtime.GC()
	debug.FreeOSMemory()
	settled, _ := residentBytes()
	t.Logf("%d requests from %d clients in %s (%.0f/s), %d failed", requests, loadClients,
		elapsed.Round(time.Millisecond), float64(requests)/elapsed.Seconds(), failures.Load())
	if !beforeOK || !afterOK {
		t.Logf("resident memory not measured: no /proc/self/status on %s", runtime.GOOS)
		return
	}
	t.Logf("VmRSS of the test process (gateway and clients): %d MiB before, %d MiB after, "+
		"%d MiB once collected", before>>20, after>>20, settled>>20)
	if raceDetector() {
		t.Logf("memory bound not checked: the race detector's shadow memory grows with " +
			"every goroutine")
		return
	}
	if after-before > maxRSSGrowth {
		t.Errorf("the test process grew by %d MiB under load, want at most %d MiB",
			(after-before)>>20, maxRSSGrowth>>20)
	}
}

// residentBytes returns the resident set size of this process, VmRSS in
// /proc/self/status, where Linux publishes it.
func residentBytes() (int64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		value, ok := strings.CutPrefix(scanner.Text(), "VmRSS:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		return kb << 10, err == nil
	}
	return 0, false
}

// raceDetector reports whether the test binary was built with -race, as its
// build settings record.
func raceDetector() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// lineCounter counts the lines written to it that hold prefix. The gateway
// hands its FunctionOutput one whole line per Write.
type lineCounter struct {
	prefix []byte
	n      atomic.Int64
}

func (c *lineCounter) Write(p []byte) (int, error) {
	if bytes.Contains(p, c.prefix) {
		c.n.Add(1)
	}
	return len(p), nil
}

func (c *lineCounter) count() int64 {
	return c.n.Load()
}

package localgw_test

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/passage-cdk/passage-cdk-go/internal/devissuer"
	"github.com/passage-cdk/passage-cdk-go/internal/localgw"
)

// BenchmarkAuthorizedWhoami sends authorized GET /whoami requests through the
// in-process gateway serving the synthesized example app, over loopback HTTP
// with keep-alive, from 1 and from 64 concurrent clients. Each request goes
// through the JWT authorizer (an RS256 verification) and the real whoami
// handler behind the Lambda Runtime API emulator (10 environments at most).
// Besides ns/op it reports requests per second and the p50 and p99 latency
// one client sees:
//
//	go test ./internal/localgw -run '^$' -bench AuthorizedWhoami -benchtime 3s
func BenchmarkAuthorizedWhoami(b *testing.B) {
	stack := loadStack(b, exampleAssembly(b))
	dev, err := devissuer.LoadOrCreate(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	g, base := startGateway(b, localgw.Config{Stack: stack, DevIssuer: dev})
	var issuer, audience string
	for _, r := range g.API().Routes {
		if r.Authorizer != nil {
			issuer, audience = r.Authorizer.Issuer, r.Authorizer.Audiences[0]
		}
	}
	token, err := dev.Mint(devissuer.MintOptions{Issuer: issuer, Audience: []string{audience},
		Subject: "bench-user"})
	if err != nil {
		b.Fatal(err)
	}

	for _, clients := range []int{1, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			client := newClient(b)
			client.Transport.(*http.Transport).MaxIdleConnsPerHost = clients
			get := func() (time.Duration, error) {
				req, err := http.NewRequest("GET", base+"/whoami", nil)
				if err != nil {
					return 0, err
				}
				req.Header.Set("Authorization", "Bearer "+token)
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					return 0, err
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err == nil && resp.StatusCode != 200 {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
				return time.Since(start), err
			}

			// Warm up: as many requests at once as there are clients, so
			// the environments are started before the clock runs.
			var wg sync.WaitGroup
			for range clients {
				wg.Go(func() {
					if _, err := get(); err != nil {
						b.Error(err)
					}
				})
			}
			wg.Wait()

			var mu sync.Mutex
			var latencies []time.Duration
			record := func(local []time.Duration) {
				mu.Lock()
				latencies = append(latencies, local...)
				mu.Unlock()
			}
			b.ResetTimer()
			if clients == 1 {
				local := make([]time.Duration, 0, b.N)
				for range b.N {
					d, err := get()
					if err != nil {
						b.Fatal(err)
					}
					local = append(local, d)
				}
				record(local)
			} else {
				// RunParallel starts parallelism × GOMAXPROCS goroutines.
				b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
				b.RunParallel(func(pb *testing.PB) {
					var local []time.Duration
					for pb.Next() {
						d, err := get()
						if err != nil {
							b.Error(err)
							return
						}
						local = append(local, d)
					}
					record(local)
				})
			}
			b.StopTimer()

			slices.Sort(latencies)
			if len(latencies) == 0 {
				return
			}
			percentile := func(p float64) float64 {
				i := min(len(latencies)-1, int(p*float64(len(latencies))))
				return float64(latencies[i].Microseconds()) / 1000
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			b.ReportMetric(percentile(0.50), "p50-ms")
			b.ReportMetric(percentile(0.99), "p99-ms")
		})
	}
}

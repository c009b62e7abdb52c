package lambdart_test

import (
	"context"
	"testing"

	"github.com/passage-cdk/passage-cdk-go/internal/lambdart"
)

// BenchmarkInvokeWarm measures one round trip through a warm environment:
// Invoke, /next, the handler, /response.
func BenchmarkInvokeWarm(b *testing.B) {
	pool, _ := newPool(b, "echo", lambdart.FunctionConfig{MaxEnvironments: 1})
	payload := []byte(`{"hello":"world"}`)
	if _, err := pool.Invoke(context.Background(), payload); err != nil {
		b.Fatalf("starting the environment: %v", err)
	}

	for b.Loop() {
		if _, err := pool.Invoke(context.Background(), payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInvokeWarmParallel measures throughput with four warm
// environments shared by concurrent callers.
func BenchmarkInvokeWarmParallel(b *testing.B) {
	pool, _ := newPool(b, "echo", lambdart.FunctionConfig{MaxEnvironments: 4})
	payload := []byte(`{"hello":"world"}`)

	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := pool.Invoke(context.Background(), payload); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

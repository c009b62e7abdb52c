package golambda

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkResolve is what resolving a handler cost every synth before the resolve cache: one
// go list of the handler and its dependencies.
//
//	go test ./constructs/golambda -run '^$' -bench Resolve
func BenchmarkResolve(b *testing.B) {
	dir := filepath.Join(handlerModule(b), "a")
	for b.Loop() {
		if _, err := Resolve(context.Background(), dir, testTarget); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveCached is what it costs on a synth where nothing changed: reading the
// record, checking the fingerprint and hashing the local source again.
func BenchmarkResolveCached(b *testing.B) {
	dir := filepath.Join(handlerModule(b), "a")
	cache := b.TempDir()
	if _, err := resolveCached(context.Background(), dir, testTarget, cache); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if p := loadResolveRecord(resolveRecordPath(dir, testTarget, cache), testTarget); p == nil {
			b.Fatal("the record of an unchanged handler does not hold")
		}
	}
}

//go:build unix

package lambdart

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestInitTimeoutKillsEnvironment(t *testing.T) {
	t.Parallel()

	// A runtime that never asks for work; the shell stands in for a Go
	// function stuck in its init code.
	script := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho started\nexec sleep 30\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := &FunctionConfig{Name: "fn", Executable: script, Timeout: time.Minute}
	gone := make(chan struct{})
	hooks := envHooks{
		idle:     func(*environment) { t.Error("a runtime that never asked for work was offered") },
		answered: func(*environment) {},
		gone:     func(*environment) { close(gone) },
	}
	var out strings.Builder
	first := newInvocation("a1b2c3d4-0000-4000-8000-000000000001", "Root=1", []byte(`{}`))
	e := newEnvironment(cfg, testARN, &lineSink{w: &out}, hooks, first)
	e.initLimit = 200 * time.Millisecond

	if err := e.start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	<-first.done
	<-gone

	var ie *InvokeError
	if !errors.As(first.err, &ie) || ie.Err != ErrInit || ie.Type != "Sandbox.Timedout" ||
		ie.Message != "Init timed out after 0.20 seconds" {
		t.Errorf("invocation ended with %v, want an init timeout", first.err)
	}
	if pid := e.cmd.Process.Pid; syscall.Kill(pid, 0) == nil {
		t.Errorf("process %d still runs after its init timed out", pid)
	}
	if out.String() != "started\n" {
		t.Errorf("output %q, want the runtime's line", out.String())
	}
}

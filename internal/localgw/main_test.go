package localgw_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// scratch holds what the tests of this package share: the synthesized
// example app and the built handlers. TestMain removes it.
var scratch string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "localgw-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "creating the scratch directory:", err)
		os.Exit(1)
	}
	scratch = dir

	code := m.Run()

	// Every gateway is closed by now: no request, pool or server of ours may
	// still run.
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines left after the tests:", err)
			code = 1
		}
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

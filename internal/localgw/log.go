package localgw

import (
	"fmt"
	"io"
	"sync"
)

// lineWriter writes whole lines to w, one writer at a time, so lines from
// concurrent requests and functions never interleave.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write writes p at once. Callers give it whole lines.
func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// prefixed returns a writer that puts prefix before each line it is given.
// lambdart hands a function's output over one whole line per Write call.
func (l *lineWriter) prefixed(prefix string) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		line := make([]byte, 0, len(prefix)+len(p))
		line = append(append(line, prefix...), p...)
		if _, err := l.Write(line); err != nil {
			return 0, err
		}
		return len(p), nil
	})
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// logf writes one line to the gateway's log. A failing log must not fail a
// request, so write errors are dropped.
func (g *Gateway) logf(format string, args ...any) {
	_, _ = fmt.Fprintf(g.log, format+"\n", args...)
}

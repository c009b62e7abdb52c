package lambdart

import (
	"bytes"
	"io"
	"sync"
)

// maxLineLength bounds how much of an unfinished line is held: a function
// that writes megabytes without a newline gets them passed on in pieces
// rather than held in memory.
const maxLineLength = 64 << 10

// lineSink is the pool's Output, shared by all its environments: one line
// per Write, one Write at a time.
type lineSink struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *lineSink) writeLine(line []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()

	// The error is dropped on purpose: see FunctionConfig.Output.
	_, _ = s.w.Write(line)
}

// lineWriter takes one process's stdout and stderr and hands complete lines
// to the sink. os/exec calls Write from one goroutine at a time when stdout
// and stderr are the same writer, so it needs no lock of its own.
type lineWriter struct {
	sink    *lineSink
	partial []byte
}

// Write always reports success: an error would make os/exec stop reading
// the pipe, and the function would then block on its next log line.
func (l *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = append(l.partial, p...)
			if len(l.partial) >= maxLineLength {
				l.flush()
			}
			break
		}

		l.partial = append(l.partial, p[:i+1]...)
		l.sink.writeLine(l.partial)
		l.partial = l.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

// flush passes on an unfinished line, ended with a newline so the sink's
// promise of whole lines holds. It is called once the process has exited.
func (l *lineWriter) flush() {
	if len(l.partial) == 0 {
		return
	}
	l.partial = append(l.partial, '\n')
	l.sink.writeLine(l.partial)
	l.partial = l.partial[:0]
}

package lambdart

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// The identifiers below are written by hand: each is a few random bytes in
// a fixed layout, not worth a dependency. crypto/rand.Read cannot fail.

// newRequestID returns a random version 4 UUID, the form of Lambda's request
// IDs.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant

	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newTraceID returns an X-Ray trace header as Lambda passes it in
// Lambda-Runtime-Trace-Id: a root ID made of the epoch seconds and 96
// random bits, a parent segment ID, and a decision not to sample (there is
// no X-Ray daemon to send segments to).
func newTraceID(now time.Time) string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0",
		now.Unix(), hex.EncodeToString(b[:12]), hex.EncodeToString(b[12:]))
}

// newLogStreamName returns a name in the form Lambda gives each execution
// environment's log stream: the date, the version, and 128 random bits.
func newLogStreamName(now time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("2006/01/02") + "/[$LATEST]" + hex.EncodeToString(b[:])
}

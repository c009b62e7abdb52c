package httpapi_test

import (
	"errors"
	"testing"

	"github.com/passage-cdk/passage-cdk-go/internal/httpapi"
)

// TestRequestPath replays live HTTP API captures (hotsock/voker,
// vokerhttp/testdata/ingress-paths.json): the path sent, and the rawPath
// the function received or the 400 it was refused with.
func TestRequestPath(t *testing.T) {
	tests := []struct {
		sent    string
		want    string
		refused bool
	}{
		// The captures.
		{sent: "/capture/plain", want: "/capture/plain"},
		{sent: "/capture/space%20value", want: "/capture/space value"},
		{sent: "/capture/question%3Fvalue", want: "/capture/question"},
		{sent: "/capture/percent%25done", refused: true},
		{sent: "/capture/hash%23value", want: "/capture/hash#value"},
		{sent: "/capture/slash%2Fvalue", want: "/capture/slash/value"},
		{sent: "/capture/unicode-%CE%BB-%E4%B8%96%E7%95%8C", want: "/capture/unicode-λ-世界"},
		{sent: "/capture/literal%252Fvalue", want: "/capture/literal/value"},
		{sent: "/capture/literal%253Fvalue", want: "/capture/literal?value"},
		{sent: "/capture/literal%2525value", want: "/capture/literal%value"},

		// Beyond the captures.
		{sent: "/", want: "/"},
		{sent: "/a+b", want: "/a+b"},
		{sent: "/items/", want: "/items/"},
		{sent: "/%3F", want: "/"},
	}
	for _, tt := range tests {
		t.Run(tt.sent, func(t *testing.T) {
			r := parseRequest(t, "GET "+tt.sent+"?x=1 HTTP/1.1\r\nHost: h\r\n\r\n")
			got, err := httpapi.RequestPath(r)
			if tt.refused {
				if !errors.Is(err, httpapi.ErrBadPath) {
					t.Fatalf("RequestPath(%q) = %q, %v; want ErrBadPath", tt.sent, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("RequestPath(%q) = %q, %v; want %q", tt.sent, got, err, tt.want)
			}
		})
	}
}

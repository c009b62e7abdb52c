package httpapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/passage-cdk/passage-cdk-go/internal/httpapi"
)

// TestParseResponseGolden checks the HTTP response made of each function
// result against a reviewed golden file in testdata/response_*.golden. A
// malformed result must give ErrMalformedResponse, and the golden file then
// shows the 500 the gateway answers instead.
func TestParseResponseGolden(t *testing.T) {
	tests := []struct {
		name      string
		payload   string
		method    string // Default: GET
		malformed bool
	}{
		{
			name: "structured",
			payload: `{"statusCode":201,"headers":{"content-type":"application/json",` +
				`"x-custom":"a, b","Location":"/items/42"},"body":"{\"id\":42}"}`,
		},
		{
			name:    "structured_without_content_type",
			payload: `{"statusCode":200,"body":"plain words"}`,
		},
		{
			name:    "structured_without_body",
			payload: `{"statusCode":202}`,
		},
		{
			name:    "inferred_object",
			payload: `{ "message": "Hello from Lambda!" }`,
		},
		{
			name:    "inferred_json_string",
			payload: `"Hello from Lambda!"`,
		},
		{
			name:    "inferred_array",
			payload: `[1,2,3]`,
		},
		{
			name:    "inferred_null",
			payload: `null`,
		},
		{
			name:    "inferred_object_with_other_case_status",
			payload: `{"StatusCode":404,"body":"x"}`,
		},
		{
			name: "base64_body",
			payload: `{"statusCode":200,"headers":{"content-type":"image/png"},` +
				`"body":"iVBORw0KGgo=","isBase64Encoded":true}`,
		},
		{
			name: "cookies",
			payload: `{"statusCode":200,"cookies":["session=abc; HttpOnly; Secure",` +
				`"theme=dark; Path=/"],"headers":{"set-cookie":"legacy=1"},"body":"ok"}`,
		},
		{
			name: "multi_value_headers",
			payload: `{"statusCode":200,"headers":{"x-both":"one","x-single":"s"},` +
				`"multiValueHeaders":{"x-both":["one","two"],"x-multi":["m1","m2"]},"body":""}`,
		},
		{
			name: "hop_by_hop_and_length_dropped",
			payload: `{"statusCode":200,"headers":{"connection":"close","content-length":"999",` +
				`"transfer-encoding":"chunked","content-type":"text/plain"},"body":"four"}`,
		},
		{
			name:    "no_content_has_no_body",
			payload: `{"statusCode":204,"body":"ignored"}`,
		},
		{
			name:    "head_request_has_no_body",
			payload: `{"statusCode":200,"body":"not sent"}`,
			method:  http.MethodHead,
		},
		{
			name:    "error_status",
			payload: `{"statusCode":503,"body":"{\"error\":\"busy\"}","headers":{"retry-after":"5"}}`,
		},
		{name: "malformed_not_json", payload: `Hello`, malformed: true},
		{name: "malformed_empty", payload: ``, malformed: true},
		{name: "malformed_truncated", payload: `{"statusCode":200,"body":"x"`, malformed: true},
		{name: "malformed_status_string", payload: `{"statusCode":"200"}`, malformed: true},
		{name: "malformed_status_out_of_range", payload: `{"statusCode":700}`, malformed: true},
		{name: "malformed_status_informational", payload: `{"statusCode":100}`, malformed: true},
		{name: "malformed_status_null", payload: `{"statusCode":null}`, malformed: true},
		{name: "malformed_status_fraction", payload: `{"statusCode":200.5}`, malformed: true},
		{
			name:      "malformed_body_object",
			payload:   `{"statusCode":200,"body":{"id":1}}`,
			malformed: true,
		},
		{
			name:      "malformed_header_number",
			payload:   `{"statusCode":200,"headers":{"x-count":5}}`,
			malformed: true,
		},
		{
			name:      "malformed_header_newline",
			payload:   `{"statusCode":200,"headers":{"x-evil":"a\r\nSet-Cookie: b=1"}}`,
			malformed: true,
		},
		{
			name:      "malformed_header_name",
			payload:   `{"statusCode":200,"headers":{"bad name":"v"}}`,
			malformed: true,
		},
		{
			name:      "malformed_base64",
			payload:   `{"statusCode":200,"body":"not base64!","isBase64Encoded":true}`,
			malformed: true,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			r := httptest.NewRequest(method, "/items", nil)
			rec := httptest.NewRecorder()

			var out strings.Builder
			out.WriteString("payload:\n")
			out.WriteString(renderBody([]byte(tt.payload)))

			resp, err := httpapi.ParseResponse([]byte(tt.payload))
			switch {
			case tt.malformed && !errors.Is(err, httpapi.ErrMalformedResponse):
				t.Fatalf("err = %v, want ErrMalformedResponse", err)
			case !tt.malformed && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case err != nil:
				out.WriteString("\nerror:\n" + err.Error() + "\n")
				rec.Header().Set("Apigw-Requestid", "JKJaXmPLvHcESHA=")
				httpapi.WriteStatus(rec, http.StatusInternalServerError)
			default:
				httpapi.WriteResponse(rec, r, resp, "JKJaXmPLvHcESHA=")
			}

			out.WriteString("\n" + method + " response:\n")
			out.WriteString(renderResponse(rec))
			newGoldie(t).Assert(t, "response_"+tt.name, []byte(out.String()))
		})
	}
}

// TestWriteResponseReplacesHeaders checks that headers set on the writer
// before WriteResponse do not leak into the function's response.
func TestWriteResponseReplacesHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	rec.Header().Set("X-Stale", "from an earlier step")

	resp, err := httpapi.ParseResponse([]byte(`{"statusCode":200,"body":"ok"}`))
	if err != nil {
		t.Fatal(err)
	}
	httpapi.WriteResponse(rec, httptest.NewRequest(http.MethodGet, "/", nil), resp, "")

	if got := rec.Header().Get("X-Stale"); got != "" {
		t.Errorf("X-Stale = %q, want it removed", got)
	}
	if got := rec.Header().Get("Apigw-Requestid"); got != "" {
		t.Errorf("Apigw-Requestid = %q for an empty request ID", got)
	}
	if rec.Body.String() != "ok" {
		t.Errorf("body = %q, want ok", rec.Body.String())
	}
}

func ExampleParseResponse() {
	payload := []byte(`{"statusCode":201,"cookies":["session=abc; HttpOnly"],` +
		`"headers":{"content-type":"application/json"},"body":"{\"id\":42}"}`)

	resp, err := httpapi.ParseResponse(payload)
	if err != nil {
		// The gateway answers 500 {"message":"Internal Server Error"}.
		panic(err)
	}
	rec := httptest.NewRecorder()
	httpapi.WriteResponse(rec, httptest.NewRequest(http.MethodPost, "/items", nil), resp,
		"JKJaXmPLvHcESHA=")

	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Set-Cookie"))
	fmt.Println(rec.Body.String())
	// Output:
	// 201 application/json session=abc; HttpOnly
	// {"id":42}
}

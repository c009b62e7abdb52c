package assembly_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/passage-cdk/passage-cdk-go/internal/assembly"
)

// exampleStack loads the example app's snapshot, after edit has changed the
// template's text, and returns its stack and its one HTTP API.
func exampleStack(t *testing.T, edit func(template string) string) (*assembly.Stack,
	*assembly.HTTPAPI) {
	t.Helper()
	dir := exampleAssembly(t)
	path := filepath.Join(dir, "PassageExample.template.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	write(t, path, edit(string(data)))

	a, err := assembly.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	stack, err := a.Stack("")
	if err != nil {
		t.Fatal(err)
	}
	apis, err := stack.HTTPAPIs()
	if err != nil || len(apis) != 1 {
		t.Fatalf("HTTPAPIs() = %d APIs, %v; want 1", len(apis), err)
	}
	return stack, apis[0]
}

func unchanged(template string) string { return template }

func TestStages(t *testing.T) {
	stack, api := exampleStack(t, unchanged)
	stages, err := stack.Stages(api)
	if err != nil {
		t.Fatal(err)
	}
	type summary struct {
		Name, Type string
		AutoDeploy bool
	}
	var got []summary
	for _, s := range stages {
		got = append(got, summary{s.Name, stack.Template.Resources[s.LogicalID].Type, s.AutoDeploy})
	}
	want := []summary{{Name: "$default", Type: "AWS::ApiGatewayV2::Stage", AutoDeploy: true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
}

func TestIntegrationTimeout(t *testing.T) {
	// The whoami integration is the first one with PayloadFormatVersion in
	// the template; the edit gives it a timeout.
	const anchor = `"PayloadFormatVersion": "2.0"`
	withTimeout := func(millis string) func(string) string {
		return func(template string) string {
			return strings.Replace(template, anchor, anchor+`, "TimeoutInMillis": `+millis, 1)
		}
	}
	cases := []struct {
		name    string
		edit    func(string) string
		want    time.Duration
		wantErr string
	}{
		{name: "left out", edit: unchanged, want: assembly.DefaultIntegrationTimeout},
		{name: "set", edit: withTimeout("1500"), want: 1500 * time.Millisecond},
		{name: "over the quota", edit: withTimeout("30001"), wantErr: "want 50 to 30000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stack, api := exampleStack(t, tc.edit)
			var whoami *assembly.Route
			for _, r := range api.Routes {
				if r.Key == "GET /whoami" {
					whoami = r
				}
			}
			got, err := stack.IntegrationTimeout(whoami)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("IntegrationTimeout = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestAssetHash reads each function's hash twice, from the asset metadata and
// from the S3 key CDK derives from the same hash, which must agree.
func TestAssetHash(t *testing.T) {
	withoutMetadata := func(template string) string {
		return strings.ReplaceAll(template, `"aws:asset:path"`, `"x-removed"`)
	}
	hashes := func(edit func(string) string) map[string]string {
		stack, api := exampleStack(t, edit)
		got := map[string]string{}
		for _, r := range api.Routes {
			hash, err := stack.AssetHash(r.Function)
			if err != nil {
				t.Fatal(err)
			}
			got[r.Key] = hash
		}
		return got
	}

	fromMetadata, fromKey := hashes(unchanged), hashes(withoutMetadata)
	if diff := cmp.Diff(fromMetadata, fromKey); diff != "" {
		t.Errorf("hashes from the metadata (-) and from the S3 keys (+) differ:\n%s", diff)
	}
	for key, hash := range fromMetadata {
		if !hexHash.MatchString(hash) {
			t.Errorf("%s: AssetHash = %q, want 64 hex digits", key, hash)
		}
	}
	if fromMetadata["GET /whoami"] == fromMetadata["GET /health"] {
		t.Errorf("both functions have asset hash %s", fromMetadata["GET /whoami"])
	}
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

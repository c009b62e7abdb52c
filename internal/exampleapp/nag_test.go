package exampleapp_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/passage-cdk/passage-cdk-go/internal/exampleapp"
)

// nagFindings runs cdk-nag's AwsSolutions pack over the stack's app and returns its findings
// by level ("error", "warning", and "info" for suppressed ones), each as "path: message".
func nagFindings(t *testing.T, app awscdk.App, stack awscdk.Stack) map[string][]string {
	t.Helper()
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{
		Reports:    jsii.Bool(false),
		LogIgnores: jsii.Bool(true),
	}), nil)

	annotations := assertions.Annotations_FromStack(stack)
	nagRule := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-"))
	findings := map[string][]string{}
	// Annotations still answers with the deprecated cxapi type in aws-cdk-go v2.277.0.
	for level, found := range map[string]*[]*cxapi.SynthesisMessage{ //nolint:staticcheck
		"error":   annotations.FindError(jsii.String("*"), nagRule),
		"warning": annotations.FindWarning(jsii.String("*"), nagRule),
		"info":    annotations.FindInfo(jsii.String("*"), nagRule),
	} {
		for _, message := range *found {
			text := fmt.Sprintf("%s: %v", *message.Id, message.Entry.Data) //nolint:staticcheck
			findings[level] = append(findings[level], text)
		}
		sort.Strings(findings[level])
	}
	return findings
}

// TestCdkNagAwsSolutions holds the example stack to cdk-nag's AwsSolutions pack: no error, no
// warning, and exactly the one suppression the construct makes for a route declared public.
func TestCdkNagAwsSolutions(t *testing.T) {
	context := cliContext(t, nil)
	app := awscdk.NewApp(&awscdk.AppProps{
		AnalyticsReporting: jsii.Bool(false),
		Context:            &context,
		Outdir:             jsii.String(t.TempDir()),
	})
	props, err := exampleapp.PropsFromContext(app)
	if err != nil {
		t.Fatal(err)
	}
	stack := exampleapp.NewStack(app, exampleapp.StackName, props)

	findings := nagFindings(t, app, stack)
	if len(findings["error"]) > 0 || len(findings["warning"]) > 0 {
		t.Errorf("cdk-nag reports:\n%s", strings.Join(append(findings["error"], findings["warning"]...), "\n"))
	}
	// The reason of the suppression is pinned by passageapi's TestPublicRoutesCarryTheirReason
	// and by the template snapshot.
	wantSuppressed := []string{
		"/PassageExample/Api/HttpApi/GET--health/Resource: " +
			"CdkNagSuppression: AwsSolutions-APIG4 was triggered but suppressed.\n",
	}
	if diff := cmp.Diff(wantSuppressed, findings["info"]); diff != "" {
		t.Errorf("suppressed findings (-want +got):\n%s", diff)
	}
}

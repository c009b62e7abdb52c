// Command passage-cdk-go is the example CDK app: `npx cdk synth` (or `make synth`) runs it.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/passage-cdk/passage-cdk-go/internal/exampleapp"
)

func main() {
	defer jsii.Close()
	defer reportPanic()

	// Analytics reporting would put the Go version into the template; it must not change
	// between machines.
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})

	props, err := exampleapp.PropsFromContext(app)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	exampleapp.NewStack(app, exampleapp.StackName, props)
	app.Synth(nil)
}

// reportPanic turns a construct's refusal of its props into one readable line and exit code 1,
// instead of a goroutine dump.
func reportPanic() {
	if r := recover(); r != nil {
		fmt.Fprintln(os.Stderr, "error:", r)
		os.Exit(1)
	}
}

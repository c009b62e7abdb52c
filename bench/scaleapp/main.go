// Command scaleapp is the Go app whose synth time make bench measures against the number of
// routes: a PassageProtectedApi with N protected routes GET /r01 ... /rNN, each with a Go handler
// of its own or all behind one shared function. bench/app.js builds the same stack in plain CDK.
//
// Context (cdk synth -c key=value):
//
//	routes       the number of routes, 1 to 99. Required.
//	handlers     "each" (one function per route, the default) or "shared" (one for all).
//	handlerRoot  a directory whose subdirectories h01 ... hNN are Go main packages: route N is
//	             handled by hNN, or every route by h01 when shared. Required.
//	cacheRoot    golambda's cache of built handlers. Default: golambda.DefaultCacheRoot().
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
	"github.com/passage-cdk/passage-cdk-go/constructs/passageapi"
	"github.com/passage-cdk/passage-cdk-go/internal/exampleapp"
)

func main() {
	defer jsii.Close()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run() error {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	context := func(key string) string {
		value, _ := app.Node().TryGetContext(jsii.String(key)).(string)
		return value
	}

	count, err := strconv.Atoi(context("routes"))
	if err != nil || count < 1 || count > 99 {
		return fmt.Errorf("context routes is %q, want a number from 1 to 99", context("routes"))
	}
	handlers := context("handlers")
	if handlers == "" {
		handlers = "each"
	}
	if handlers != "each" && handlers != "shared" {
		return fmt.Errorf("context handlers is %q, want each or shared", handlers)
	}
	root := context("handlerRoot")
	if root == "" {
		return fmt.Errorf("context handlerRoot is empty, want the directory of h01 ... h%02d", count)
	}
	cacheRoot := context("cacheRoot")
	props, err := exampleapp.PropsFromContext(app)
	if err != nil {
		return err
	}

	stack := awscdk.NewStack(app, jsii.String("PassageScale"), nil)
	var shared *golambda.GoFunction
	if handlers == "shared" {
		shared = golambda.NewGoFunction(stack, "Shared", &golambda.GoFunctionProps{
			Entry:     filepath.Join(root, "h01"),
			CacheRoot: cacheRoot,
		})
	}

	routes := make([]passageapi.Route, count)
	for i := range routes {
		n := fmt.Sprintf("%02d", i+1)
		routes[i] = passageapi.Route{ID: "R" + n, Method: awsapigatewayv2.HttpMethod_GET, Path: "/r" + n}
		if shared != nil {
			routes[i].Function = shared
		} else {
			routes[i].GoHandler = &golambda.GoFunctionProps{
				Entry:     filepath.Join(root, "h"+n),
				CacheRoot: cacheRoot,
			}
		}
	}
	passageapi.NewPassageProtectedApi(stack, "Api", &passageapi.PassageProtectedApiProps{
		AppID:      props.AppID,
		AuthOrigin: props.AuthOrigin,
		ApiName:    "passage-scale",
		Routes:     routes,
	})
	app.Synth(nil)
	return nil
}

// Command passage-local works with the API that `cdk synth` wrote to cdk.out: it lists its
// routes and, in later commands, serves it on localhost with API Gateway's JWT checks.
//
// Usage:
//
//	passage-local routes [--assembly cdk.out] [--stack NAME]
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Command passage-local works with the API that `cdk synth` wrote to cdk.out: it lists its
// routes, serves it on localhost with API Gateway's JWT checks in front of the real Go
// handlers, and mints development tokens for it.
//
// Usage:
//
//	passage-local routes [--assembly cdk.out] [--stack NAME]
//	passage-local serve [--assembly cdk.out] [--stack NAME] [--addr 127.0.0.1:3000] [--dev-issuer]
//	passage-local token --sub USER [--scope S]... [--ttl 1h] [--aud A] [--assembly cdk.out]
//
// Run a command with -h for all of its flags.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

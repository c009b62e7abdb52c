package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/passage-cdk/passage-cdk-go/internal/assembly"
	"github.com/passage-cdk/passage-cdk-go/internal/devissuer"
	"github.com/passage-cdk/passage-cdk-go/internal/localgw"
)

// tokenCommand prints a token of the dev key for the API's authorizer, and
// nothing else on stdout, so that TOKEN=$(passage-local token --sub u1)
// works.
func tokenCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	subject := fs.String("sub", "", "the token's sub claim, the user ID (required)")
	var scopes stringList
	fs.Var(&scopes, "scope", "a scope the token holds; repeat for more")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid")
	audience := fs.String("aud", "",
		"the token's audience (default: the authorizer's first audience)")
	assemblyDir := fs.String("assembly", "cdk.out", "directory of the cloud assembly that cdk synth wrote")
	stackName := fs.String("stack", "", "stack to read (default: the one stack with an HTTP API)")
	apiName := fs.String("api", "", "HTTP API to read (default: the stack's only one)")
	authorizerName := fs.String("authorizer", "",
		"JWT authorizer to mint for (default: the API's only one)")
	keyDir := fs.String("key-dir", defaultKeyDir, "folder of the dev signing key")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *subject == "" {
		return &usageError{fmt.Errorf("--sub: expected the user ID the token is for, found none")}
	}
	if *ttl <= 0 {
		return &usageError{fmt.Errorf("--ttl %s: expected a positive duration, such as 1h", *ttl)}
	}

	stack, err := loadStack(*assemblyDir, *stackName)
	if err != nil {
		return err
	}
	api, err := localgw.ChooseAPI(stack, *apiName)
	if err != nil {
		return err
	}
	authorizer, err := chooseAuthorizer(api, *authorizerName)
	if err != nil {
		return err
	}

	if len(authorizer.Audiences) == 0 {
		return fmt.Errorf("authorizer %s lists no audience", authorizer.Name)
	}

	// Any audience may be minted, so that a developer can watch the gateway
	// refuse a token for another app; the warning says it will.
	aud := authorizer.Audiences[0]
	if *audience != "" {
		aud = *audience
		if !slices.Contains(authorizer.Audiences, aud) {
			fmt.Fprintf(stderr, "passage-local token: warning: authorizer %s accepts only %s; "+
				"the gateway will refuse this token\n", authorizer.Name,
				strings.Join(authorizer.Audiences, ", "))
		}
	}

	dev, err := devissuer.LoadOrCreate(*keyDir)
	if err != nil {
		return err
	}
	token, err := dev.Mint(devissuer.MintOptions{
		Issuer:   authorizer.Issuer,
		Audience: []string{aud},
		Subject:  *subject,
		Scopes:   scopes,
		TTL:      *ttl,
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, token)
	return err
}

// chooseAuthorizer returns the API's JWT authorizer of the given name (or
// logical ID), or its only one.
func chooseAuthorizer(api *assembly.HTTPAPI, name string) (*assembly.Authorizer, error) {
	var found []*assembly.Authorizer
	var names []string
	for _, r := range api.Routes {
		a := r.Authorizer
		if a == nil || slices.ContainsFunc(found, func(f *assembly.Authorizer) bool {
			return f.LogicalID == a.LogicalID
		}) {
			continue
		}
		if name != "" && (a.Name == name || a.LogicalID == name) {
			return a, nil
		}
		found = append(found, a)
		names = append(names, a.Name)
	}
	switch {
	case len(found) == 0:
		return nil, fmt.Errorf("HTTP API %s has no JWT authorizer: its routes need no token",
			api.Name)
	case name != "":
		return nil, fmt.Errorf("HTTP API %s has no JWT authorizer %q (it has %s)", api.Name, name,
			strings.Join(names, ", "))
	case len(found) > 1:
		return nil, fmt.Errorf("HTTP API %s has %d JWT authorizers (%s): choose one with "+
			"--authorizer", api.Name, len(found), strings.Join(names, ", "))
	}
	return found[0], nil
}

// stringList is a flag that may be repeated.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, " ") }

func (l *stringList) Set(value string) error {
	*l = append(*l, value)
	return nil
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/passage-cdk/passage-cdk-go/internal/assembly"
)

const usage = `usage: passage-local <command> [flags]

commands:
  routes   list the routes of the synthesized HTTP API with their protection
  serve    serve the synthesized HTTP API on localhost with API Gateway's JWT checks
  token    print a development token that 'serve --dev-issuer' accepts

Run 'passage-local <command> -h' for the flags of a command.
`

// run executes one command line and returns the process exit code: 0 on success, 1 when the
// command failed, 2 when the command line itself is wrong.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "routes":
		err = routesCommand(args[1:], stdout, stderr)
	case "serve":
		err = serveCommand(args[1:], stdout, stderr)
	case "token":
		err = tokenCommand(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "passage-local: unknown command %q\n\n%s", args[0], usage)
		return 2
	}

	var usageErr *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usageErr):
		fmt.Fprintf(stderr, "passage-local %s: %v\n", args[0], usageErr.err)
		return 2
	default:
		fmt.Fprintf(stderr, "passage-local %s: %v\n", args[0], err)
		return 1
	}
}

// usageError is a wrong command line, as opposed to a command that failed.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }

// parseFlags parses a command's flags and refuses stray arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// routesCommand prints the route table of the stack's HTTP APIs.
func routesCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("routes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	assemblyDir := fs.String("assembly", "cdk.out", "directory of the cloud assembly that cdk synth wrote")
	stackName := fs.String("stack", "", "stack to read (default: the one stack with an HTTP API)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}

	a, err := assembly.Load(*assemblyDir)
	if err != nil {
		return err
	}
	stack, err := a.Stack(*stackName)
	if err != nil {
		return err
	}
	apis, err := stack.HTTPAPIs()
	if err != nil {
		return err
	}
	for _, api := range apis {
		printRoutes(stdout, stack, api)
	}
	return nil
}

// printRoutes writes one API's route table: method, path, protection and handler.
func printRoutes(w io.Writer, stack *assembly.Stack, api *assembly.HTTPAPI) {
	fmt.Fprintf(w, "%s: HTTP API %s\n", stack.Name, api.Name)
	table := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(table, "  METHOD\tPATH\tPROTECTION\tHANDLER")
	for _, route := range api.Routes {
		path := route.Path()
		if route.Key == "$default" {
			path = "$default"
		}
		fmt.Fprintf(table, "  %s\t%s\t%s\t%s\n", route.Method(), path, protection(route), handler(route))
	}
	table.Flush()
}

func protection(route *assembly.Route) string {
	switch {
	case route.AuthorizationType == "NONE":
		return "public"
	case route.Authorizer == nil:
		return strings.ToLower(route.AuthorizationType)
	}
	text := "JWT " + route.Authorizer.Issuer
	if len(route.Scopes) > 0 {
		text += " scopes " + strings.Join(route.Scopes, ",")
	}
	return text
}

func handler(route *assembly.Route) string {
	if route.Function == nil {
		return "(not a Lambda function of this stack)"
	}
	name := route.Function.Name()
	if route.Function.GoPackage != "" {
		name += " (" + route.Function.GoPackage + ")"
	}
	return name
}

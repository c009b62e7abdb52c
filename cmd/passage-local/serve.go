package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
	"github.com/passage-cdk/passage-cdk-go/internal/assembly"
	"github.com/passage-cdk/passage-cdk-go/internal/devissuer"
	"github.com/passage-cdk/passage-cdk-go/internal/lambdart"
	"github.com/passage-cdk/passage-cdk-go/internal/localgw"
)

// defaultKeyDir is where the development signing key is kept: a folder the
// repository ignores.
const defaultKeyDir = ".passage-local"

// serveCommand serves the stack's HTTP API until SIGINT or SIGTERM.
func serveCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	assemblyDir := fs.String("assembly", "cdk.out", "directory of the cloud assembly that cdk synth wrote")
	stackName := fs.String("stack", "", "stack to serve (default: the one stack with an HTTP API)")
	apiName := fs.String("api", "", "HTTP API to serve (default: the stack's only one)")
	addr := fs.String("addr", "127.0.0.1:3000", "address to listen on; keep it on loopback")
	devIssuer := fs.Bool("dev-issuer", false,
		"accept tokens of the local dev key (see 'token') instead of fetching the issuer's keys")
	keyDir := fs.String("key-dir", defaultKeyDir, "folder of the dev signing key")
	appDir := fs.String("app-dir", ".", "directory of the CDK app, in the Go module of the handlers")
	cacheDir := fs.String("build-cache", golambda.DefaultCacheRoot(), "where built handlers are kept")
	maxEnvironments := fs.Int("max-environments", lambdart.DefaultMaxEnvironments,
		"most execution environments (processes) per function")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		return &usageError{fmt.Errorf("--addr %q: want host:port, such as 127.0.0.1:3000", *addr)}
	}
	if *maxEnvironments < 1 {
		return &usageError{fmt.Errorf("--max-environments %d: want at least 1", *maxEnvironments)}
	}

	// Ctrl-C during the build stops the build too.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	stack, err := loadStack(*assemblyDir, *stackName)
	if err != nil {
		return err
	}
	if _, err := localgw.ChooseAPI(stack, *apiName); err != nil {
		return err
	}

	// Listen before the builds, so a busy port is reported at once.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (choose another with --addr)", *addr,
			errors.Unwrap(err))
	}
	defer ln.Close()

	cfg := localgw.Config{
		Stack:           stack,
		API:             *apiName,
		AppDir:          *appDir,
		CacheRoot:       *cacheDir,
		MaxEnvironments: *maxEnvironments,
		Log:             stdout,
		FunctionOutput:  stdout,
	}
	if *devIssuer {
		dev, err := devissuer.LoadOrCreate(*keyDir)
		if err != nil {
			return err
		}
		cfg.DevIssuer = dev
		fmt.Fprintf(stdout, "dev issuer: tokens signed by %s are accepted for every authorizer; "+
			"mint one with `passage-local token --sub USER`\n", dev.KeyPath())
	}
	gateway, err := localgw.New(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped by the user while building
		}
		return err
	}

	printRoutes(stdout, stack, gateway.API())
	if !isLoopback(ln.Addr()) {
		fmt.Fprintf(stdout, "warning: %s is reachable from other machines\n", ln.Addr())
	}
	fmt.Fprintf(stdout, "listening on http://%s (Ctrl-C stops)\n", ln.Addr())

	served := make(chan error, 1)
	go func() { served <- gateway.Serve(ln) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		// A second Ctrl-C ends the process at once.
		stop()
		fmt.Fprintln(stdout, "stopping")
	}
	_ = gateway.Close()
	return err
}

// loadStack reads the assembly and picks the stack.
func loadStack(dir, name string) (*assembly.Stack, error) {
	a, err := assembly.Load(dir)
	if err != nil {
		return nil, err
	}
	return a.Stack(name)
}

func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// Package localgw serves one HTTP API of a synthesized CDK stack on this
// machine as API Gateway would serve it: the routes, JWT authorizers, scopes,
// CORS configuration and Lambda integrations of the template, not of the Go
// props that produced it.
//
// New reads the stack, checks that every Go handler's sources still hash to
// the asset the template names (so what runs here is what would be
// deployed), builds each handler for this machine, and starts one Lambda
// Runtime API emulator pool per function. The Gateway is then an
// http.Handler that answers each request in API Gateway's order: route,
// CORS preflight, size quotas, authorizer, payload 2.0 event, invocation,
// response mapping, and API Gateway's own answers for everything that fails
// on the way.
package localgw

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
	"github.com/passage-cdk/passage-cdk-go/internal/assembly"
	"github.com/passage-cdk/passage-cdk-go/internal/devissuer"
	"github.com/passage-cdk/passage-cdk-go/internal/httpapi"
	"github.com/passage-cdk/passage-cdk-go/internal/jwtauth"
	"github.com/passage-cdk/passage-cdk-go/internal/lambdart"
)

var (
	// ErrStale means a handler's sources have changed since the assembly was
	// synthesized: the template no longer names what would be deployed.
	ErrStale = errors.New("cdk.out is stale")

	// ErrUnsupported means the API holds something this gateway cannot serve
	// faithfully, such as an IAM-authorized route or a function that is not
	// a Go handler.
	ErrUnsupported = errors.New("not supported by passage-local")

	// ErrNoAPI means the stack has no HTTP API to serve, or none of the
	// requested name.
	ErrNoAPI = errors.New("no HTTP API to serve")
)

// shutdownGrace bounds how long Close waits for requests in flight once the
// functions have stopped; they are answered at once by then.
const shutdownGrace = 5 * time.Second

// Config says what a Gateway serves and how.
type Config struct {
	// Stack is the stack to serve, from assembly.Load and Assembly.Stack.
	// Required.
	Stack *assembly.Stack

	// API is the name (or logical ID) of the HTTP API to serve.
	// Default: the stack's only HTTP API; New fails when there are several.
	API string

	// AppDir is a directory of the Go module that holds the handlers, such
	// as the CDK app's directory (where cdk.json is); the handlers' import
	// paths are looked up from there.
	// Default: the current directory.
	AppDir string

	// CacheRoot is where built handlers are kept between runs.
	// Default: golambda.DefaultCacheRoot(), shared with synth.
	CacheRoot string

	// DevIssuer, when set, stands in for the issuer of every JWT authorizer:
	// its key is used as that issuer's keys, so its tokens are accepted and
	// no discovery or JWKS fetch is made.
	// Default: nil, and each issuer's keys are fetched over HTTPS.
	DevIssuer *devissuer.Issuer

	// Clock is the time the authorizers check exp, nbf and iat against, and space their
	// key fetches by. Tests advance it instead of waiting.
	//
	// Default: time.Now.
	Clock func() time.Time

	// HTTPClient fetches the issuers' discovery documents and key sets.
	// Default: a client that trusts the system's roots.
	HTTPClient *http.Client

	// MaxEnvironments is how many execution environments (processes) each
	// function may run at once; more requests wait for a free one.
	// Default: lambdart.DefaultMaxEnvironments.
	MaxEnvironments int

	// Log receives one line per start-up step and one access-log line per
	// request (time, method, path, status, latency and, for a refused or
	// failed request, why). Tokens and query strings are never written.
	// Default: discarded.
	Log io.Writer

	// FunctionOutput receives the functions' own output, one line at a
	// time, each prefixed with the function's name.
	// Default: discarded.
	FunctionOutput io.Writer
}

// Gateway serves one HTTP API. It is safe for concurrent use.
type Gateway struct {
	api    *assembly.HTTPAPI
	stage  string
	prefix string // "/name" for a named stage, "" for $default
	apiID  string
	router *httpapi.Router
	cors   *httpapi.CORS
	routes map[string]*route // by route key
	pools  []*lambdart.Pool
	log    *lineWriter

	mu      sync.Mutex
	closed  bool
	servers map[*http.Server]struct{}
}

// route is what the gateway knows about one route key.
type route struct {
	authorizer *jwtauth.Authorizer // nil for a public route
	scopes     []string
	pool       *lambdart.Pool
	timeout    time.Duration // the integration timeout
	function   string
}

// New checks the API in cfg.Stack, builds its handlers and starts their
// pools (no process runs before the first request). It fails with an error
// wrapping ErrNoAPI, ErrUnsupported or ErrStale when the API cannot be
// served as it would be deployed. Building takes seconds the first time;
// ctx cancels it.
func New(ctx context.Context, cfg Config) (*Gateway, error) {
	if cfg.Stack == nil {
		return nil, errors.New("localgw: Config.Stack: expected a stack, found nil")
	}
	if cfg.AppDir == "" {
		cfg.AppDir = "."
	}
	if cfg.CacheRoot == "" {
		cfg.CacheRoot = golambda.DefaultCacheRoot()
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.FunctionOutput == nil {
		cfg.FunctionOutput = io.Discard
	}

	// Read the API and refuse what cannot be served, before any build.
	api, err := ChooseAPI(cfg.Stack, cfg.API)
	if err != nil {
		return nil, err
	}
	g := &Gateway{
		api:     api,
		apiID:   apiID(cfg.Stack.Name, api.LogicalID),
		routes:  map[string]*route{},
		log:     &lineWriter{w: cfg.Log},
		servers: map[*http.Server]struct{}{},
	}
	if err := g.readStage(cfg.Stack); err != nil {
		return nil, err
	}
	if err := g.readCORS(); err != nil {
		return nil, err
	}
	authorizers, err := newAuthorizers(api, cfg)
	if err != nil {
		return nil, err
	}

	// The routes, and the router that picks among them.
	var keys []string
	for _, r := range api.Routes {
		timeout, err := cfg.Stack.IntegrationTimeout(r)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", r.Key, err)
		}
		rt := &route{scopes: r.Scopes, timeout: timeout, function: r.Function.Name()}
		if r.Authorizer != nil {
			rt.authorizer = authorizers[r.Authorizer.LogicalID]
		}
		g.routes[r.Key] = rt
		keys = append(keys, r.Key)
	}
	if g.router, err = httpapi.NewRouter(keys); err != nil {
		return nil, fmt.Errorf("HTTP API %s: %w", api.Name, err)
	}

	where := "stage " + g.stage
	if g.prefix != "" {
		where += ", served under " + g.prefix + "/ as API Gateway serves a named stage"
	}
	g.logf("serving HTTP API %s of stack %s (%s)", api.Name, cfg.Stack.Name, where)

	// Build every handler, after checking that its sources are the ones the
	// template was synthesized from.
	handlers, err := buildHandlers(ctx, cfg, api, g.logf)
	if err != nil {
		return nil, err
	}

	// One pool per function, shared by the routes that invoke it.
	pools := map[string]*lambdart.Pool{}
	output := &lineWriter{w: cfg.FunctionOutput}
	for _, h := range handlers {
		pool, err := lambdart.NewPool(lambdart.FunctionConfig{
			Name:            functionName(h.function),
			Executable:      h.executable,
			Handler:         h.function.Handler,
			Environment:     h.function.Environment,
			MemorySize:      h.function.MemoryMB,
			Timeout:         time.Duration(h.function.TimeoutSeconds) * time.Second,
			MaxEnvironments: cfg.MaxEnvironments,
			Output:          output.prefixed("[" + h.function.Name() + "] "),
		})
		if err != nil {
			g.closePools()
			return nil, fmt.Errorf("function %s: %w", h.function.Name(), err)
		}
		pools[h.function.LogicalID] = pool
		g.pools = append(g.pools, pool)
	}

	// Each route gets its function's pool.
	for _, r := range api.Routes {
		g.routes[r.Key].pool = pools[r.Function.LogicalID]
	}
	return g, nil
}

// API returns the HTTP API the gateway serves, as read from the template.
func (g *Gateway) API() *assembly.HTTPAPI {
	return g.api
}

// Stage returns the name of the stage the gateway serves: "$default", or a
// named stage whose routes are served under /NAME as API Gateway serves them.
func (g *Gateway) Stage() string {
	return g.stage
}

// Serve answers the requests that arrive on ln until Close is called, and
// then returns nil. Any other error is the listener's.
func (g *Gateway) Serve(ln net.Listener) error {
	srv := &http.Server{
		Handler: g,
		// API Gateway's own limit on the request head applies inside the
		// handler; this only keeps a stalled client from holding a
		// connection forever.
		ReadHeaderTimeout: 10 * time.Second,
		// What net/http would print on the process's stderr goes to Log.
		ErrorLog: log.New(g.log, "", 0),
	}

	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		_ = ln.Close()
		return nil
	}
	g.servers[srv] = struct{}{}
	g.mu.Unlock()

	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the gateway: it closes the listeners given to Serve, stops
// every function's environments (requests still waiting on a function are
// answered 503, as API Gateway answers when it cannot reach one), waits
// briefly for those answers to go out, and returns. It may be called more
// than once.
func (g *Gateway) Close() error {
	g.mu.Lock()
	already := g.closed
	g.closed = true
	servers := make([]*http.Server, 0, len(g.servers))
	for srv := range g.servers {
		servers = append(servers, srv)
	}
	g.mu.Unlock()
	if already {
		return nil
	}

	// Shutdown closes the listeners at once and then waits for the requests
	// in flight, which the closing pools end.
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Go(func() {
			if err := srv.Shutdown(ctx); err != nil {
				_ = srv.Close()
			}
		})
	}
	g.closePools()
	wg.Wait()
	return nil
}

func (g *Gateway) closePools() {
	for _, p := range g.pools {
		_ = p.Close()
	}
}

// ChooseAPI returns the HTTP API of stack whose name or logical ID is name
// or, for an empty name, the stack's only HTTP API. It fails with an error
// wrapping ErrNoAPI when there is no such API, or several to choose from.
func ChooseAPI(stack *assembly.Stack, name string) (*assembly.HTTPAPI, error) {
	apis, err := stack.HTTPAPIs()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, api := range apis {
		if name != "" && (api.Name == name || api.LogicalID == name) {
			return api, nil
		}
		names = append(names, api.Name)
	}
	switch {
	case len(apis) == 0:
		return nil, fmt.Errorf("%w: stack %s has none", ErrNoAPI, stack.Name)
	case name != "":
		return nil, fmt.Errorf("%w: stack %s has no HTTP API %q (it has %s)",
			ErrNoAPI, stack.Name, name, strings.Join(names, ", "))
	case len(apis) > 1:
		return nil, fmt.Errorf("%w: stack %s has %d HTTP APIs (%s): choose one with --api",
			ErrNoAPI, stack.Name, len(apis), strings.Join(names, ", "))
	}
	return apis[0], nil
}

// readStage picks the stage to serve: $default when the API has it (the
// construct deploys only that one), else its first named stage, served
// under /NAME as API Gateway serves a named stage.
func (g *Gateway) readStage(stack *assembly.Stack) error {
	stages, err := stack.Stages(g.api)
	if err != nil {
		return err
	}
	g.stage = httpapi.DefaultStage
	if len(stages) > 0 && !slices.ContainsFunc(stages, func(s assembly.Stage) bool {
		return s.Name == httpapi.DefaultStage
	}) {
		g.stage = stages[0].Name
		g.prefix = "/" + g.stage
	}
	return nil
}

// readCORS turns the API's CorsConfiguration into the preflight and header
// rules, refusing one API Gateway would refuse.
func (g *Gateway) readCORS() error {
	c := g.api.Cors
	if c == nil {
		return nil
	}
	cfg := httpapi.CORSConfig{
		AllowOrigins:     c.AllowOrigins,
		AllowMethods:     c.AllowMethods,
		AllowHeaders:     c.AllowHeaders,
		ExposeHeaders:    c.ExposeHeaders,
		AllowCredentials: c.AllowCredentials,
	}
	if c.MaxAge != nil {
		cfg.MaxAge = *c.MaxAge
	}
	cors, err := httpapi.NewCORS(cfg)
	if err != nil {
		return fmt.Errorf("HTTP API %s: %w", g.api.Name, err)
	}
	g.cors = cors
	return nil
}

// newAuthorizers makes one authorizer per JWT authorizer of the API and
// refuses routes this gateway cannot protect as API Gateway would.
func newAuthorizers(api *assembly.HTTPAPI, cfg Config) (map[string]*jwtauth.Authorizer, error) {
	authorizers := map[string]*jwtauth.Authorizer{}
	for _, r := range api.Routes {
		switch {
		case r.AuthorizationType != "NONE" && r.AuthorizationType != "JWT":
			// Serving it unprotected would be the very mistake this tool exists
			// to avoid.
			return nil, fmt.Errorf("%w: route %s uses %s authorization; only JWT and NONE can "+
				"be checked locally", ErrUnsupported, r.Key, r.AuthorizationType)
		case r.AuthorizationType == "JWT" && r.Authorizer == nil:
			return nil, fmt.Errorf("%w: route %s is JWT-authorized but names no JWT "+
				"authorizer of the template", ErrUnsupported, r.Key)
		case r.Function == nil:
			return nil, fmt.Errorf("%w: route %s does not invoke a Lambda function of stack "+
				"%s", ErrUnsupported, r.Key, cfg.Stack.Name)
		}
		if r.Authorizer == nil || authorizers[r.Authorizer.LogicalID] != nil {
			continue
		}

		var opts []jwtauth.Option
		if cfg.Clock != nil {
			opts = append(opts, jwtauth.WithClock(cfg.Clock))
		}
		if cfg.HTTPClient != nil {
			opts = append(opts, jwtauth.WithHTTPClient(cfg.HTTPClient))
		}
		if cfg.DevIssuer != nil {
			opts = append(opts, cfg.DevIssuer.KeysFor(r.Authorizer.Issuer))
		}
		a, err := jwtauth.New(jwtauth.Config{
			Issuer:         r.Authorizer.Issuer,
			Audience:       r.Authorizer.Audiences,
			IdentitySource: r.Authorizer.IdentitySource,
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("authorizer %s: %w", r.Authorizer.Name, err)
		}
		authorizers[r.Authorizer.LogicalID] = a
	}
	return authorizers, nil
}

// apiID makes the requestContext.apiId of the API: ten lower-case letters
// and digits like a real one, the same on every run for the same API.
func apiID(stack, logicalID string) string {
	sum := sha256.Sum256([]byte(stack + "/" + logicalID))
	return hex.EncodeToString(sum[:5])
}

// functionName turns a function's construct path into a Lambda function
// name: "PassageExample/Api/Whoami" becomes "PassageExample-Api-Whoami".
func functionName(f *assembly.Function) string {
	name := strings.Map(func(c rune) rune {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
			return c
		}
		return '-'
	}, f.Name())
	if name == "" {
		name = f.LogicalID
	}
	return name[:min(len(name), 64)]
}

// hostTarget is the platform the handlers are built for: this machine.
var hostTarget = golambda.Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}

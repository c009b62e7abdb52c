package localgw

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/passage-cdk/passage-cdk-go/internal/httpapi"
	"github.com/passage-cdk/passage-cdk-go/internal/lambdart"
)

// ServeHTTP answers one request as the deployed API would, and writes its
// access-log line.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestID := newRequestID()
	rec := &recorder{ResponseWriter: w}
	rec.Header().Set("Apigw-Requestid", requestID)

	why := g.answer(rec, r, requestID, start)

	status := "-" // no answer was written: the client went away
	if rec.status != 0 {
		status = strconv.Itoa(rec.status)
	}
	line := fmt.Sprintf("%s %s %s %s %s", start.Format("15:04:05.000"), r.Method,
		r.URL.EscapedPath(), status, time.Since(start).Round(10*time.Microsecond))
	if why != "" {
		line += " (" + why + ")"
	}
	g.logf("%s", line)
}

// answer writes the response, in the order API Gateway handles a request
// (httpapi's package documentation), and returns why the request was
// refused or failed, or "" when the function answered.
func (g *Gateway) answer(w http.ResponseWriter, r *http.Request, requestID string,
	received time.Time) string {

	// The request as API Gateway reads it.
	fullPath, err := httpapi.RequestPath(r)
	if err != nil {
		httpapi.WriteStatus(w, http.StatusBadRequest)
		return err.Error()
	}
	if err := httpapi.CheckRequestHead(r); err != nil {
		httpapi.WriteStatus(w, http.StatusRequestEntityTooLarge)
		return err.Error()
	}

	// The route; a preflight no route catches is API Gateway's to answer.
	path, inStage := g.stagePath(fullPath)
	var m httpapi.Match
	ok := false
	if inStage {
		m, ok = g.router.Match(r.Method, path)
	}
	if !ok && inStage && g.cors != nil && g.cors.IsPreflight(r) {
		g.cors.WritePreflight(w, r)
		return ""
	}
	if !ok {
		httpapi.WriteStatus(w, http.StatusNotFound)
		return "no route"
	}
	rt := g.routes[m.RouteKey]

	body, err := httpapi.ReadBody(r)
	if errors.Is(err, httpapi.ErrRequestTooLarge) {
		httpapi.WriteStatus(w, http.StatusRequestEntityTooLarge)
		return err.Error()
	}
	if err != nil {
		return "reading the body: " + err.Error()
	}

	// The authorizer, when the route has one.
	var jwt *events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription
	if rt.authorizer != nil {
		grant, denial := rt.authorizer.Authorize(r.Context(), r, rt.scopes)
		if denial != nil {
			denial.Respond(w)
			return denial.Reason.Error()
		}
		jwt = &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: grant.Claims,
			Scopes: grant.Scopes,
		}
	}

	// The event, and the function's answer to it.
	ev, err := httpapi.NewEvent(r, body, m, g.eventInput(r, requestID, received, jwt))
	if err != nil {
		httpapi.WriteStatus(w, http.StatusBadRequest)
		return err.Error()
	}
	payload, err := httpapi.MarshalEvent(ev)
	if err != nil {
		httpapi.WriteStatus(w, http.StatusInternalServerError)
		return "encoding the event: " + err.Error()
	}
	result, status, why := invoke(r.Context(), rt, payload)
	if status != 0 {
		httpapi.WriteStatus(w, status)
		return why
	}
	if why != "" {
		// The client went away; no one reads an answer.
		return why
	}

	resp, err := httpapi.ParseResponse(result.Payload)
	if err != nil {
		httpapi.WriteStatus(w, http.StatusInternalServerError)
		return rt.function + ": " + err.Error()
	}
	if g.cors != nil {
		g.cors.Apply(resp.Header, r)
	}
	httpapi.WriteResponse(w, r, resp, requestID)
	return ""
}

// invoke runs the route's function within the integration timeout. It
// returns the result, or the status API Gateway answers instead and why.
func invoke(ctx context.Context, rt *route, payload []byte) (lambdart.Result, int, string) {
	ctx, cancel := context.WithTimeout(ctx, rt.timeout)
	defer cancel()
	result, err := rt.pool.Invoke(ctx, payload)

	var failed *lambdart.InvokeError
	switch {
	case err == nil:
		return result, 0, ""
	case errors.As(err, &failed):
		// An error the function reported, a crash, a failed init or the
		// function's own timeout: API Gateway answers all of them alike.
		return result, http.StatusInternalServerError,
			fmt.Sprintf("%s: %s: %s", rt.function, failed.Type, failed.Message)
	case errors.Is(err, context.DeadlineExceeded):
		return result, http.StatusServiceUnavailable,
			fmt.Sprintf("%s: no answer within the integration timeout of %s", rt.function,
				rt.timeout)
	case errors.Is(err, context.Canceled):
		return result, 0, "the client closed the connection"
	case errors.Is(err, lambdart.ErrRequestTooLarge):
		// Lambda refuses an invocation over its 6 MB payload limit. What
		// API Gateway then answers is not documented; 413 names the cause.
		return result, http.StatusRequestEntityTooLarge, err.Error()
	case errors.Is(err, lambdart.ErrClosed):
		return result, http.StatusServiceUnavailable, "the gateway is stopping"
	default:
		return result, http.StatusInternalServerError, fmt.Sprintf("%s: %v", rt.function, err)
	}
}

// stagePath returns the path the router sees: for a named stage, the path
// after its /NAME prefix, and false when the path is outside the stage.
func (g *Gateway) stagePath(path string) (string, bool) {
	if g.prefix == "" {
		return path, true
	}
	rest, ok := strings.CutPrefix(path, g.prefix)
	switch {
	case !ok:
		return "", false
	case rest == "":
		return "/", true
	case rest[0] == '/':
		return rest, true
	}
	return "", false
}

// eventInput is what API Gateway knows about the request beyond the request
// itself. The forwarded headers tell the truth about the local connection
// (plain HTTP on the gateway's port) rather than claim https and 443.
func (g *Gateway) eventInput(r *http.Request, requestID string, received time.Time,
	jwt *events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription) httpapi.EventInput {

	in := httpapi.EventInput{
		RequestID:      requestID,
		AccountID:      lambdart.DefaultAccountID,
		APIID:          g.apiID,
		Stage:          g.stage,
		Time:           received,
		JWT:            jwt,
		ForwardedProto: "http",
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		in.SourceIP = host
	}
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, port, err := net.SplitHostPort(addr.String()); err == nil {
			in.ForwardedPort = port
		}
	}
	return in
}

// newRequestID makes an ID shaped like API Gateway's (16 characters of
// base64, such as "JKJaXmPLvHcESHA=").
func newRequestID() string {
	var b [11]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.StdEncoding.EncodeToString(b[:])
}

// recorder keeps the status written, for the access log.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

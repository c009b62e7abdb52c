package passageapi_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/passage-cdk/passage-cdk-go/constructs/golambda"
	"github.com/passage-cdk/passage-cdk-go/constructs/passageapi"
	"github.com/passage-cdk/passage-cdk-go/internal/validation"
)

// validProps returns props that work, for each case to break in one place.
func validProps() passageapi.PassageProtectedApiProps {
	return passageapi.PassageProtectedApiProps{
		AppID:      "abc123",
		AuthOrigin: "https://app.example.com",
		Routes: []passageapi.Route{
			{ID: "Whoami", Method: awsapigatewayv2.HttpMethod_GET, Path: "/whoami",
				GoHandler: &golambda.GoFunctionProps{Entry: "testdata/hello"}},
		},
	}
}

// withRoute returns valid props with one more route: the one under test.
func withRoute(route passageapi.Route) passageapi.PassageProtectedApiProps {
	props := validProps()
	if route.GoHandler == nil && route.Function == nil {
		route.GoHandler = &golambda.GoFunctionProps{Entry: "testdata/hello"}
	}
	props.Routes = append(props.Routes, route)
	return props
}

func get(id, path string) passageapi.Route {
	return passageapi.Route{ID: id, Method: awsapigatewayv2.HttpMethod_GET, Path: path}
}

func manyStrings(prefix string, n int) []string {
	values := make([]string, n)
	for i := range values {
		values[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return values
}

func TestBadPropsAreRefusedAtSynth(t *testing.T) {
	cases := []struct {
		name  string
		props func() passageapi.PassageProtectedApiProps
		field string
		value string // as the message quotes it
	}{
		{"no app ID and no issuer", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AppID = ""
			return p
		}, "AppID", `""`},
		{"app ID with a dash", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AppID = "abc-123"
			return p
		}, "AppID", `"abc-123"`},
		{"app ID pasted as a URL", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AppID = "https://auth.passage.id/v1/apps/abc123"
			return p
		}, "AppID", `"https://auth.passage.id/v1/apps/abc123"`},
		{"app ID and issuer together", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.Issuer = "https://login.example.com"
			return p
		}, "Issuer", `"https://login.example.com"`},
		{"no origin", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AuthOrigin = ""
			return p
		}, "AuthOrigin", `""`},
		{"origin with a path", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AuthOrigin = "https://app.example.com/login"
			return p
		}, "AuthOrigin", `"https://app.example.com/login"`},
		{"origin with a trailing slash", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AuthOrigin = "https://app.example.com/"
			return p
		}, "AuthOrigin", `"https://app.example.com/"`},
		{"origin with a query", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AuthOrigin = "https://app.example.com?x=1"
			return p
		}, "AuthOrigin", `"https://app.example.com?x=1"`},
		{"origin with a fragment", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AuthOrigin = "https://app.example.com#top"
			return p
		}, "AuthOrigin", `"https://app.example.com#top"`},
		{"origin without a scheme", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AuthOrigin = "app.example.com"
			return p
		}, "AuthOrigin", `"app.example.com"`},
		{"origin with another scheme", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AuthOrigin = "ftp://app.example.com"
			return p
		}, "AuthOrigin", `"ftp://app.example.com"`},
		{"custom issuer over http", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AppID, p.Issuer = "", "http://login.example.com"
			return p
		}, "Issuer", `"http://login.example.com"`},
		{"custom issuer that is not a URL", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AppID, p.Issuer = "", "login.example.com"
			return p
		}, "Issuer", `"login.example.com"`},
		{"custom issuer without any audience", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AppID, p.AuthOrigin, p.Issuer = "", "", "https://login.example.com"
			return p
		}, "Audiences", `"[]"`},
		{"blank audience", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.Audiences = []string{"client", " "}
			return p
		}, "Audiences[1]", `" "`},
		{"more than 50 audiences", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.Audiences = manyStrings("client", 50)
			return p
		}, "Audiences", `"51 audiences"`},
		{"two identity sources", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.IdentitySource = []string{"$request.header.Authorization", "$request.querystring.token"}
			return p
		}, "IdentitySource", "Authorization"},
		{"identity source from a cookie", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.IdentitySource = []string{"$request.cookie.psg_auth_token"}
			return p
		}, "IdentitySource[0]", `"$request.cookie.psg_auth_token"`},
		{"route path without a slash", func() passageapi.PassageProtectedApiProps {
			return withRoute(get("Items", "items"))
		}, "Routes[1].Path", `"items"`},
		{"route path with a trailing slash", func() passageapi.PassageProtectedApiProps {
			return withRoute(get("Items", "/items/"))
		}, "Routes[1].Path", `"/items/"`},
		{"route path with a space", func() passageapi.PassageProtectedApiProps {
			return withRoute(get("Items", "/my items"))
		}, "Routes[1].Path", `"/my items"`},
		{"route path with a query", func() passageapi.PassageProtectedApiProps {
			return withRoute(get("Items", "/items?all"))
		}, "Routes[1].Path", `"/items?all"`},
		{"route path with an empty segment", func() passageapi.PassageProtectedApiProps {
			return withRoute(get("Items", "/items//all"))
		}, "Routes[1].Path", `"/items//all"`},
		{"greedy variable in the middle", func() passageapi.PassageProtectedApiProps {
			return withRoute(get("Items", "/items/{proxy+}/all"))
		}, "Routes[1].Path", `"/items/{proxy+}/all"`},
		{"unclosed path variable", func() passageapi.PassageProtectedApiProps {
			return withRoute(get("Items", "/items/{id"))
		}, "Routes[1].Path", `"/items/{id"`},
		{"the same method and path twice", func() passageapi.PassageProtectedApiProps {
			return withRoute(get("Again", "/whoami"))
		}, "Routes[1].Path", `"/whoami"`},
		{"the same route with another variable name", func() passageapi.PassageProtectedApiProps {
			props := withRoute(get("ItemByID", "/items/{id}"))
			props.Routes = append(props.Routes, passageapi.Route{
				ID: "ItemByKey", Method: awsapigatewayv2.HttpMethod_GET, Path: "/items/{key}",
				GoHandler: &golambda.GoFunctionProps{Entry: "testdata/hello"},
			})
			return props
		}, "Routes[2].Path", `"/items/{key}"`},
		{"unknown method", func() passageapi.PassageProtectedApiProps {
			route := get("Items", "/items")
			route.Method = "FETCH"
			return withRoute(route)
		}, "Routes[1].Method", `"FETCH"`},
		{"scopes on a public route", func() passageapi.PassageProtectedApiProps {
			route := get("Health", "/health")
			route.Public, route.Scopes = true, []string{"read"}
			return withRoute(route)
		}, "Routes[1].Scopes", "[read]"},
		{"more than 10 scopes", func() passageapi.PassageProtectedApiProps {
			route := get("Items", "/items")
			route.Scopes = manyStrings("scope", 11)
			return withRoute(route)
		}, "Routes[1].Scopes", "scope10"},
		{"a scope with a space", func() passageapi.PassageProtectedApiProps {
			route := get("Items", "/items")
			route.Scopes = []string{"read write"}
			return withRoute(route)
		}, "Routes[1].Scopes[0]", `"read write"`},
		{"no route ID", func() passageapi.PassageProtectedApiProps {
			return withRoute(get("", "/items"))
		}, "Routes[1].ID", `""`},
		{"route ID with a slash", func() passageapi.PassageProtectedApiProps {
			return withRoute(get("items/all", "/items"))
		}, "Routes[1].ID", `"items/all"`},
		{"the same route ID twice", func() passageapi.PassageProtectedApiProps {
			return withRoute(get("Whoami", "/me"))
		}, "Routes[1].ID", `"Whoami"`},
		{"no handler", func() passageapi.PassageProtectedApiProps {
			props := validProps()
			props.Routes = append(props.Routes, get("Items", "/items"))
			return props
		}, "Routes[1].GoHandler", "neither GoHandler nor Function"},
		{"two handlers", func() passageapi.PassageProtectedApiProps {
			route := get("Items", "/items")
			route.GoHandler = &golambda.GoFunctionProps{Entry: "testdata/hello"}
			route.Function = awslambda.Function_FromFunctionName(
				awscdk.NewStack(nil, jsii.String("Elsewhere"), nil), jsii.String("Fn"), jsii.String("fn"))
			return withRoute(route)
		}, "Routes[1].GoHandler", "both GoHandler and Function"},
		{"CORS wildcard origin with credentials", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.Cors = &passageapi.CorsOptions{AllowOrigins: []string{"*"}, AllowCredentials: true}
			return p
		}, "Cors.AllowOrigins[0]", `"*"`},
		{"CORS origin with a path", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.Cors = &passageapi.CorsOptions{AllowOrigins: []string{"https://app.example.com/app"}}
			return p
		}, "Cors.AllowOrigins[0]", `"https://app.example.com/app"`},
		{"CORS without any origin to allow", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AppID, p.AuthOrigin = "", ""
			p.Issuer, p.Audiences = "https://login.example.com", []string{"client"}
			p.Cors = &passageapi.CorsOptions{}
			return p
		}, "Cors.AllowOrigins", `"[]"`},
		{"CORS headers without the token's header", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.Cors = &passageapi.CorsOptions{AllowHeaders: []string{"Content-Type"}}
			return p
		}, "Cors.AllowHeaders", "Content-Type"},
		{"CORS method that is not one", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.Cors = &passageapi.CorsOptions{AllowMethods: []string{"get"}}
			return p
		}, "Cors.AllowMethods[0]", `"get"`},
		{"CORS preflight cached over a day", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.Cors = &passageapi.CorsOptions{MaxAge: awscdk.Duration_Days(jsii.Number(2))}
			return p
		}, "Cors.MaxAge", "172800 seconds"},
		{"protected OPTIONS route on a CORS API", func() passageapi.PassageProtectedApiProps {
			route := get("Preflight", "/items")
			route.Method = awsapigatewayv2.HttpMethod_OPTIONS
			props := withRoute(route)
			props.Cors = &passageapi.CorsOptions{}
			return props
		}, "Routes[1].Method", `"OPTIONS"`},
		{"throttle without a burst", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.Throttle = &passageapi.Throttle{RateLimit: 50}
			return p
		}, "Throttle", "BurstLimit: 0"},
		{"throttle and no throttle", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.Throttle, p.DisableThrottle = &passageapi.Throttle{RateLimit: 5, BurstLimit: 5}, true
			return p
		}, "Throttle", "RateLimit: 5"},
		{"route throttle of zero", func() passageapi.PassageProtectedApiProps {
			route := get("Items", "/items")
			route.Throttle = &passageapi.Throttle{}
			return withRoute(route)
		}, "Routes[1].Throttle", "RateLimit: 0"},
		{"access log and no access log", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AccessLog, p.DisableAccessLog = &passageapi.AccessLogOptions{}, true
			return p
		}, "AccessLog", `"set"`},
		{"access log without the request ID", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.AccessLog = &passageapi.AccessLogOptions{Format: map[string]string{"status": "$context.status"}}
			return p
		}, "AccessLog.Format", "$context.status"},
		{"domain name with a scheme", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.Domain = &passageapi.DomainOptions{Name: "https://api.example.com",
				CertificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc"}
			return p
		}, "Domain.Name", `"https://api.example.com"`},
		{"domain without certificate or zone", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.Domain = &passageapi.DomainOptions{Name: "api.example.com"}
			return p
		}, "Domain.CertificateArn", `""`},
		{"domain with a certificate ARN of another service", func() passageapi.PassageProtectedApiProps {
			p := validProps()
			p.Domain = &passageapi.DomainOptions{Name: "api.example.com",
				CertificateArn: "arn:aws:iam::123456789012:server-certificate/api"}
			return p
		}, "Domain.CertificateArn", `"arn:aws:iam::123456789012:server-certificate/api"`},
		{"Go handler directory that does not exist", func() passageapi.PassageProtectedApiProps {
			route := get("Items", "/items")
			route.GoHandler = &golambda.GoFunctionProps{Entry: "testdata/nothing"}
			return withRoute(route)
		}, "Entry", `"testdata/nothing"`},
		{"Go handler directory that is not a main package", func() passageapi.PassageProtectedApiProps {
			route := get("Items", "/items")
			route.GoHandler = &golambda.GoFunctionProps{Entry: "."}
			return withRoute(route)
		}, "Entry", `"."`},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := synthesizeError(tc.props())

			var propsErr *validation.Error
			if !errors.As(err, &propsErr) {
				t.Fatalf("synth ended with %v, want a *validation.Error", err)
			}
			if propsErr.Field != tc.field {
				t.Errorf("error names field %q, want %q: %s", propsErr.Field, tc.field, err)
			}
			message := err.Error()
			for _, want := range []string{"Test/Api", tc.field, tc.value} {
				if !strings.Contains(message, want) {
					t.Errorf("message %q does not contain %q", message, want)
				}
			}
			if propsErr.Fix == "" || propsErr.Problem == "" {
				t.Errorf("message %q lacks the problem or the fix", message)
			}
		})
	}
}

// synthesizeError builds the API with props and returns what the construct panicked with.
func synthesizeError(props passageapi.PassageProtectedApiProps) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if err, _ = r.(error); err == nil {
				err = fmt.Errorf("panic with a %T: %v", r, r)
			}
		}
	}()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Test"), nil)
	passageapi.NewPassageProtectedApi(stack, "Api", &props)
	return nil
}

func TestPropsAreNotChanged(t *testing.T) {
	props := validProps()
	props.Routes[0].Scopes = []string{"read"}
	before := fmt.Sprintf("%+v", props)
	if err := synthesizeError(props); err != nil {
		t.Fatal(err)
	}
	if after := fmt.Sprintf("%+v", props); after != before {
		t.Errorf("props changed by the construct:\nbefore %s\nafter  %s", before, after)
	}
}

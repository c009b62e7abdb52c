package claims_test

import (
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/passage-cdk/passage-cdk-go/claims"
)

// passageRequest is the part of a payload 2.0 event that matters here: the
// claims of a newer Passage token, as API Gateway's JWT authorizer passes them.
func passageRequest() events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		RouteKey: "GET /whoami",
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
					Claims: map[string]string{
						"sub":            "Yb9wGkzYcxw4aXjVFPvuSDWP",
						"iss":            "https://auth.passage.id/v1/apps/kTUQ5N0kpbd3qvLr0ovBQjHe",
						"aud":            "[https://app.example.com kTUQ5N0kpbd3qvLr0ovBQjHe]",
						"exp":            "1764781200",
						"iat":            "1764777600",
						"cognito:groups": "[admin billing]",
					},
				},
			},
		},
	}
}

func ExampleFromRequest() {
	c, err := claims.FromRequest(passageRequest())
	if err != nil {
		fmt.Println("error:", err)
		return
	}

	fmt.Println("user:", c.UserID)
	fmt.Println("audiences:", len(c.Audiences), c.Audiences[0], c.Audiences[1])
	fmt.Println("expires:", c.ExpiresAt.Format("2006-01-02T15:04:05Z07:00"))
	fmt.Println("valid for:", c.ExpiresAt.Sub(c.IssuedAt))
	// Output:
	// user: Yb9wGkzYcxw4aXjVFPvuSDWP
	// audiences: 2 https://app.example.com kTUQ5N0kpbd3qvLr0ovBQjHe
	// expires: 2025-12-03T17:00:00Z
	// valid for: 1h0m0s
}

// A handler tells an operator's mistake, a route deployed without its JWT
// authorizer, from a token that lacks a claim the handler needs.
func ExampleFromRequest_errors() {
	public := events.APIGatewayV2HTTPRequest{RouteKey: "GET /whoami"}
	_, err := claims.FromRequest(public)
	fmt.Println(errors.Is(err, claims.ErrNoAuthorizer))

	noSubject := passageRequest()
	delete(noSubject.RequestContext.Authorizer.JWT.Claims, "sub")
	_, err = claims.FromRequest(noSubject)
	var claimErr *claims.ClaimError
	fmt.Println(errors.Is(err, claims.ErrMissingClaim), errors.As(err, &claimErr), claimErr.Claim)

	badExpiry := passageRequest()
	badExpiry.RequestContext.Authorizer.JWT.Claims["exp"] = "soon"
	_, err = claims.FromRequest(badExpiry)
	fmt.Println(err)
	// Output:
	// true
	// true true sub
	// claim "exp" malformed: expected a NumericDate (decimal seconds since 1970, up to year 9999), found "soon"
}

func ExampleClaims_List() {
	c, err := claims.FromRequest(passageRequest())
	if err != nil {
		fmt.Println("error:", err)
		return
	}

	groups, err := c.List("cognito:groups")
	fmt.Println(groups, len(groups), err)
	// Output:
	// [admin billing] 2 <nil>
}

func ExampleClaims_HasScope() {
	req := passageRequest()
	req.RequestContext.Authorizer.JWT.Claims["scope"] = "openid orders:read"

	c, err := claims.FromRequest(req)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(c.Scopes, c.HasScope("orders:read"), c.HasScope("orders:write"))
	// Output:
	// [openid orders:read] true false
}

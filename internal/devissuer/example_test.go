package devissuer_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"

	"github.com/passage-cdk/passage-cdk-go/internal/devissuer"
	"github.com/passage-cdk/passage-cdk-go/internal/jwtauth"
)

// A development token, checked by the same authorizer the local gateway puts
// in front of a route.
func ExampleIssuer_Mint() {
	dir, err := os.MkdirTemp("", "passage-local-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	// The key is made on the first run and reused after.
	dev, err := devissuer.LoadOrCreate(dir)
	if err != nil {
		panic(err)
	}

	// The authorizer takes the issuer's keys from dev, not from the network.
	const issuer = "http://localhost:3000"
	authz, err := jwtauth.New(jwtauth.Config{
		Issuer:   issuer,
		Audience: []string{"http://localhost:5173"},
	}, dev.KeysFor(issuer))
	if err != nil {
		panic(err)
	}

	token, err := dev.Mint(devissuer.MintOptions{
		Issuer:   issuer,
		Audience: []string{"http://localhost:5173"},
		Subject:  "user-42",
		Scopes:   []string{"orders:read"},
	})
	if err != nil {
		panic(err)
	}

	r := httptest.NewRequest("GET", "http://localhost:8080/orders", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	grant, denial := authz.Authorize(context.Background(), r, []string{"orders:read"})
	fmt.Println(denial == nil, grant.Claims["sub"], grant.Scopes)
	// Output: true user-42 [orders:read]
}

package localgw_test

import (
	"context"
	"fmt"
	"net"
	"os"

	"github.com/passage-cdk/passage-cdk-go/internal/assembly"
	"github.com/passage-cdk/passage-cdk-go/internal/devissuer"
	"github.com/passage-cdk/passage-cdk-go/internal/localgw"
)

// Serving the API that `cdk synth` wrote to cdk.out, with the dev issuer
// standing in for the template's issuer, as `passage-local serve
// --dev-issuer` does.
func Example() {
	a, err := assembly.Load("cdk.out")
	if err != nil {
		fmt.Println(err)
		return
	}
	stack, err := a.Stack("")
	if err != nil {
		fmt.Println(err)
		return
	}
	dev, err := devissuer.LoadOrCreate(".passage-local")
	if err != nil {
		fmt.Println(err)
		return
	}

	// New checks the handlers against the template and builds them.
	gateway, err := localgw.New(context.Background(), localgw.Config{
		Stack:     stack,
		DevIssuer: dev,
		Log:       os.Stdout,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer gateway.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:3000")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Serve returns nil once Close has been called.
	if err := gateway.Serve(ln); err != nil {
		fmt.Println(err)
	}
}

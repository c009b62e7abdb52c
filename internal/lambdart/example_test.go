package lambdart_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/passage-cdk/passage-cdk-go/internal/lambdart"
)

func ExamplePool_Invoke() {
	pool, err := lambdart.NewPool(lambdart.FunctionConfig{
		Name:       "echo",
		Executable: executable("echo"), // a Go function's bootstrap, built for this machine
		Timeout:    10 * time.Second,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()

	result, err := pool.Invoke(context.Background(), []byte(`{"hello":"world"}`))
	var failed *lambdart.InvokeError
	switch {
	case errors.As(err, &failed):
		// The function failed: API Gateway answers 500.
		fmt.Println("function failed:", failed.Type, failed.Message)
	case err != nil:
		fmt.Println("not invoked:", err)
	default:
		fmt.Printf("%s\n", result.Payload)
	}
	// Output: {"hello":"world"}
}

// Command initfail is a test function that fails before it serves anything,
// the way a function fails whose configuration is missing. INIT_FAILURE
// says how: "exit" exits with status 3; "report" posts the failure to the
// Runtime API's init/error endpoint, as custom runtimes do, and then hangs
// until the environment is killed.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	fmt.Printf("initfail pid=%d\n", os.Getpid())

	switch os.Getenv("INIT_FAILURE") {
	case "exit":
		fmt.Fprintln(os.Stderr, "TABLE_NAME is not set")
		os.Exit(3)

	case "report":
		url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
		body := `{"errorMessage":"TABLE_NAME is not set","errorType":"ConfigError"}`
		resp, err := http.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			fmt.Fprintln(os.Stderr, "posting the init error:", err)
			os.Exit(1)
		}
		resp.Body.Close()
		fmt.Printf("init error posted: %d\n", resp.StatusCode)

		// Lambda kills an environment whose init failed; wait for that.
		time.Sleep(time.Minute)
		os.Exit(1)
	}

	lambda.Start(func(context.Context) (string, error) { return "ok", nil })
}

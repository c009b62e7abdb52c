// Package lambdart runs Lambda functions on this machine behind an emulated
// Lambda Runtime API, the way the provided.al2023 runtime runs a Go
// `bootstrap` executable.
//
// A Pool holds the execution environments of one function. Each environment
// is one process of the function's executable plus its own Runtime API
// server on 127.0.0.1, named to the process by AWS_LAMBDA_RUNTIME_API. An
// environment serves one invocation at a time and is kept warm for the next
// one; the pool starts environments on demand up to a limit and makes
// callers wait for a free one beyond it.
//
// Invoke tells apart the outcomes that Lambda tells apart: a response, an
// error the function reported, a failed init, a timeout, a runtime that
// exited mid-invocation and a response over the payload limit. Each failure
// is an *InvokeError wrapping one of the sentinel errors (ErrFunction,
// ErrInit, ErrTimeout, ErrRuntimeExited, ErrResponseTooLarge), so callers
// branch with errors.Is and read Lambda's errorType and errorMessage from
// the struct. An environment whose process ends, or is killed for a
// timeout, is discarded and replaced on demand, as Lambda does; one whose
// function merely reported an error stays warm.
//
// What this emulator does not do: it does not limit memory (the memory
// size is only reported to the function), it does not isolate the function
// from the machine (the process runs as the developer's user and can read
// what the user can read; only its environment variables are scrubbed),
// it runs no extensions, and it gives the function no AWS credentials.
package lambdart

// Package validation holds the error that the constructs of this module raise when their props
// cannot work, and the checks they share.
package validation

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Error says which prop of which construct is wrong, what it holds, and how to fix it.
//
// Constructs panic with an *Error at synth, the Go counterpart of the exception that aws-cdk's
// TypeScript constructs throw, so that a bad prop never reaches a template.
type Error struct {
	// Path is the construct path, such as "MyStack/Api".
	Path string

	// Field names the prop, such as "AppID" or "Routes[1].Path".
	Field string

	// Value is the offending value as the user gave it.
	Value any

	// Problem says what is wrong with the value.
	Problem string

	// Fix says what to do instead.
	Fix string
}

// Error formats the problem on one line: where, which field, which value, what, and the fix.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s %s: %s; %s", e.Path, e.Field, quote(e.Value), e.Problem, e.Fix)
}

// quote shows strings in Go syntax so that empty and blank values stay visible.
func quote(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%v", v)
}

// IsToken reports whether s is an unresolved CDK token (a parameter, an import, a reference).
// Its value is only known at deploy time, so checks let it through.
func IsToken(s string) bool {
	return *awscdk.Token_IsUnresolved(jsii.String(s))
}

// ChildPath is the construct path that a child id of scope will have, for messages raised
// before the child exists.
func ChildPath(scope constructs.Construct, id string) string {
	if scope == nil {
		return id
	}
	if parent := *scope.Node().Path(); parent != "" {
		return parent + "/" + id
	}
	return id
}

package lambdart_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/passage-cdk/passage-cdk-go/internal/lambdart"
)

type config = lambdart.FunctionConfig

func TestNewPoolRejectsBadConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notExecutable := filepath.Join(dir, "bootstrap")
	if err := os.WriteFile(notExecutable, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		edit func(*config)
		want string // a substring of the message, naming the field
	}{
		{"empty name", func(c *config) { c.Name = "" }, `Name ""`},
		{"name with a dot", func(c *config) { c.Name = "orders.api" }, `Name "orders.api"`},
		{"name of 65 characters", func(c *config) { c.Name = strings.Repeat("a", 65) }, "Name"},
		{"no executable", func(c *config) { c.Executable = "" }, "Executable is empty"},
		{"missing executable", func(c *config) { c.Executable = filepath.Join(dir, "nope") },
			"build the function first"},
		{"directory as executable", func(c *config) { c.Executable = dir }, "want a regular file"},
		{"file without execute bit", func(c *config) { c.Executable = notExecutable },
			"not executable"},
		{"reserved variable", func(c *config) {
			c.Environment = map[string]string{"AWS_REGION": "eu-west-1"}
		}, `"AWS_REGION" is reserved`},
		{"bad variable name", func(c *config) {
			c.Environment = map[string]string{"1TABLE": "orders"}
		}, `key "1TABLE"`},
		{"memory below 128 MB", func(c *config) { c.MemorySize = 64 }, "MemorySize 64"},
		{"memory above 10240 MB", func(c *config) { c.MemorySize = 10241 }, "MemorySize 10241"},
		{"timeout below 1 s", func(c *config) { c.Timeout = 500 * time.Millisecond }, "Timeout 500ms"},
		{"timeout above 900 s", func(c *config) { c.Timeout = 901 * time.Second }, "Timeout 15m1s"},
		{"negative environment limit", func(c *config) { c.MaxEnvironments = -1 },
			"MaxEnvironments -1"},
		{"bad region", func(c *config) { c.Region = "Europe" }, `Region "Europe"`},
		{"short account ID", func(c *config) { c.AccountID = "1234" }, `AccountID "1234"`},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config{Name: "orders-api", Executable: executable("echo")}
			tt.edit(&cfg)

			pool, err := lambdart.NewPool(cfg)
			if !errors.Is(err, lambdart.ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewPool: err = %v, want ErrInvalidConfig naming %q", err, tt.want)
			}
			if pool != nil {
				t.Errorf("NewPool returned a pool along with its error")
			}
		})
	}
}

func TestNewPoolAcceptsMinimalConfig(t *testing.T) {
	t.Parallel()
	pool, err := lambdart.NewPool(config{Name: "orders-api", Executable: executable("echo")})
	if err != nil {
		t.Fatalf("NewPool with a name and an executable only: %v", err)
	}
	if err := pool.Close(); err != nil {
		t.Errorf("Close of an unused pool: %v", err)
	}
}

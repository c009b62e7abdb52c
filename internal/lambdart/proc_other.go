//go:build !unix

package lambdart

import (
	"os"
	"os/exec"
)

// configureProcess does nothing where there are no process groups.
func configureProcess(cmd *exec.Cmd) {}

// killProcessGroup kills the process only: without process groups, what the
// function started itself survives it.
func killProcessGroup(p *os.Process) {
	_ = p.Kill()
}

// hostEnvironment returns the variables a program needs from this machine
// to start at all: on Windows, networking fails without SYSTEMROOT.
func hostEnvironment() map[string]string {
	vars := map[string]string{}
	for _, key := range []string{"SYSTEMROOT", "SystemRoot", "WINDIR"} {
		if value, ok := os.LookupEnv(key); ok {
			vars[key] = value
		}
	}
	return vars
}

//go:build unix

package lambdart

import (
	"os"
	"os/exec"
	"syscall"
)

// configureProcess puts the function in a process group of its own, so that
// killing the environment also kills whatever the function started.
func configureProcess(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup sends SIGKILL, which Lambda also uses, to the process and
// everything in its group. Errors mean the group is already gone.
func killProcessGroup(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
}

// hostEnvironment returns the variables a program needs from this machine
// to start at all. On Unix a Go executable needs none.
func hostEnvironment() map[string]string {
	return nil
}

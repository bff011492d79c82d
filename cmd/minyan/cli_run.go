package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"minyan/listserv"
	"strings"
	"time"
)

// cmdIO is everything an admin command touches outside the store. The
// same command code runs in two places: in this process (no daemon) and
// inside the daemon on behalf of a CLI connected to the admin socket. In
// the second case files named on the command line live on the *client's*
// side, so commands never open files themselves: they ask cmdIO.
type cmdIO struct {
	// Stdout receives the command's results.
	Stdout io.Writer
	// Stderr receives per-item failures and warnings.
	Stderr io.Writer
	// ReadFile returns the contents of an input file named on the command
	// line ("-" is standard input), read where the user typed the command.
	ReadFile func(name string) ([]byte, error)
	// CreateFile opens an output file named on the command line (such as
	// `archive export -o FILE`), written where the user typed the command.
	// keep refuses to replace an existing file. A file in use as a
	// database (the live store) is always refused.
	CreateFile func(name string, keep bool) (outputFile, error)
	// Progress shows how far a long command has got (only on a terminal).
	Progress progressReporter
	// Who names the person running the command, recorded as the decider of
	// held items.
	Who string
}

// outputFile is a file being written by a command. Nothing appears under
// its name until Commit, so a failed export leaves no half-written file.
type outputFile interface {
	io.Writer
	// Commit makes the file appear under its name.
	Commit() error
	// Abort throws the partial file away.
	Abort()
}

// maxInputFile bounds what a command reads from an input file (and what
// the admin socket accepts for one): 64 MiB is ~1 million CSV rows.
const maxInputFile = 64 << 20

// cmdEnv is what a running command has: the daemon's (or its own) App and
// the I/O of the person who typed it.
type cmdEnv struct {
	cmd *command
	app *App
	io  cmdIO
}

// actor is who the domain sees: the operator, through the command line,
// named by the user running the command (for the audit log).
func (e *cmdEnv) actor() listserv.Actor {
	a := listserv.Operator(listserv.DoorCLI)
	a.Via = e.io.Who
	return a
}

// usage is a usageError for the running command.
func (e *cmdEnv) usage(msg string) error { return &usageError{cmd: e.cmd, msg: msg} }

// errSomeFailed means the command already reported its per-item failures
// on stderr; only the exit status remains to be set.
var errSomeFailed = errors.New("some items failed")

// usageError is a command line that does not fit the command: the message
// says what is wrong and the usage line says what is expected.
type usageError struct {
	cmd *command // nil for an unknown command
	msg string
}

// Error is the message; reportError adds the usage line.
func (e *usageError) Error() string { return e.msg }

// runCommand runs one admin command (args start with its name, such as
// "member", "add", ...) against app and returns the exit status. Errors are
// written to cio.Stderr as "minyan: <message>".
func runCommand(ctx context.Context, app *App, args []string, cio cmdIO) int {
	if cio.Progress == nil {
		cio.Progress = noProgress{}
	}
	if cio.Who == "" {
		cio.Who = "command line"
	}
	if cio.ReadFile == nil {
		cio.ReadFile = func(name string) ([]byte, error) { return nil, fmt.Errorf("%s: cannot read files here", name) }
	}
	if cio.CreateFile == nil {
		cio.CreateFile = func(name string, _ bool) (outputFile, error) {
			return nil, fmt.Errorf("%s: cannot write files here", name)
		}
	}
	cmd, act, pos, err := parseCommand(args)
	var help helpRequest
	if errors.As(err, &help) {
		printHelp(cio.Stdout, help.topic)
		return 0
	}
	if err != nil {
		return reportError(cio.Stderr, err)
	}
	if act == nil {
		return reportError(cio.Stderr, fmt.Errorf("%s cannot be run through the admin socket", cmd.name))
	}
	start := time.Now()
	err = act(ctx, &cmdEnv{cmd: cmd, app: app, io: cio}, pos)
	app.Log.Debug("admin command", "command", cmd.name, "took", time.Since(start), "err", err)
	if err != nil {
		return reportError(cio.Stderr, err)
	}
	return 0
}

// reportError prints err the way every minyan error is printed and
// returns exit status 1.
func reportError(w io.Writer, err error) int {
	if errors.Is(err, errSomeFailed) {
		return 1
	}
	fmt.Fprintf(w, "minyan: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) {
		if ue.cmd != nil {
			fmt.Fprintf(w, "usage: %s\n", ue.cmd.usageLine())
		} else {
			fmt.Fprintln(w, "run 'minyan help' for the list of commands")
		}
	}
	return 1
}

// cell makes a value safe for one tab-separated field on one line: tabs
// and line breaks (a footer, a folded subject) are written as \t, \n, \r.
func cell(s string) string {
	if !strings.ContainsAny(s, "\t\n\r") {
		return s
	}
	return strings.NewReplacer("\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(s)
}

// row writes one tab-separated output line.
func row(w io.Writer, fields ...string) {
	for i := range fields {
		fields[i] = cell(fields[i])
	}
	fmt.Fprintln(w, strings.Join(fields, "\t"))
}

// timeText prints a time for scripts: RFC 3339 in UTC, "-" when unset.
func timeText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

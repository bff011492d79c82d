package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/listserv/testkit"
)

// cliClock is a clock that stands still, so created times are exact.
type cliClock struct{ t time.Time }

func (c cliClock) Now() time.Time { return c.t }

// cliTestTime is the fixed "now" of every test App.
func cliTestTime() time.Time { return time.Date(2026, 11, 2, 15, 4, 5, 0, time.UTC) }

// cliConfig is the built-in config with a fresh data dir.
func cliConfig(t *testing.T) *Config {
	t.Helper()
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Server.DataDir = t.TempDir()
	return cfg
}

// cliApp opens an App on cfg's data dir, as direct mode does, with a
// fixed clock and no DNS.
func cliApp(t *testing.T, cfg *Config) *App {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts := serviceOptions(cfg, log)
	opts.Clock = cliClock{cliTestTime()}
	opts.Resolver = testkit.NewDNS(nil)
	app, err := openApp(cfg, log, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	return app
}

// cliResult is what a command printed and its exit status.
type cliResult struct {
	code           int
	stdout, stderr string
}

// cliRun runs one admin command in direct mode.
func cliRun(t *testing.T, app *App, args ...string) cliResult {
	t.Helper()
	return cliRunIn(t, app, "", args...)
}

// cliRunIn runs one admin command in direct mode with stdin.
func cliRunIn(t *testing.T, app *App, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	cio := localIO(strings.NewReader(stdin), &out, &errb, noProgress{})
	cio.Who = "tester"
	code := runCommand(context.Background(), app, args, cio)
	return cliResult{code, out.String(), errb.String()}
}

// mustOK fails the test unless the command succeeded without complaint,
// and returns its stdout.
func (r cliResult) mustOK(t *testing.T) string {
	t.Helper()
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q, stdout %q", r.code, r.stderr, r.stdout)
	}
	return r.stdout
}

// expect checks the exit status and exact outputs.
func (r cliResult) expect(t *testing.T, code int, stdout, stderr string) {
	t.Helper()
	if r.code != code || r.stdout != stdout || r.stderr != stderr {
		t.Errorf("got exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit %d\nstdout:\n%s\nstderr:\n%s",
			r.code, r.stdout, r.stderr, code, stdout, stderr)
	}
}

// cliSetupList creates a list with members through the service.
func cliSetupList(t *testing.T, app *App, name, kind string, members ...string) {
	t.Helper()
	if _, err := app.Svc.CreateList(context.Background(), listserv.Operator(listserv.DoorCLI), name, kind, "", ""); err != nil {
		t.Fatal(err)
	}
	var specs []listserv.MemberSpec
	for _, m := range members {
		addr, role, _ := strings.Cut(m, ":")
		specs = append(specs, listserv.MemberSpec{Address: addr, Role: listserv.ListRole(role)})
	}
	if len(specs) == 0 {
		return
	}
	res, err := app.Svc.AddMembers(context.Background(), listserv.Operator(listserv.DoorCLI), name, specs, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
}

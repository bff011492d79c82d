// Command minyan is a mailing-list server and its admin command line.
//
// `minyan serve` runs the daemon: SMTP/LMTP in, delivery out, HTTP
// (confirm, one-click unsubscribe, metrics), IMAP archive access, and the
// admin socket. Every other command (`minyan list create ...`,
// `minyan member import ...`, see `minyan help`) is an admin command.
//
// On disk everything lives in server.data_dir: minyan.db (the single
// bbolt store; one process may open it at a time) and admin.sock (the
// running daemon's admin socket, mode 0600). An admin command first tries
// admin.sock and, when a daemon answers, runs inside it (files named on
// the command line are still read and written by the command line).
// When nothing answers it opens minyan.db itself. Both paths run the same
// code (runCommand), so output is identical.
//
// Output is plain text, one item per line, tab-separated where tabular;
// errors go to stderr as "minyan: <message>" with exit status 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"minyan/store"
)

// main wires run to the real process: arguments, standard streams,
// environment, and SIGINT/SIGTERM as cancellation.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, the next one gets the default action:
		// a second Ctrl-C always ends the process, even if a shutdown
		// hangs.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], processEnv{
		stdin:     os.Stdin,
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		stderrTTY: isTerminal(os.Stderr),
		getenv:    os.Getenv,
	})
	stop()
	os.Exit(code)
}

// processEnv is what run takes from the process, so tests can run the
// whole command line in-process.
type processEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// stderrTTY tells whether stderr is a terminal (progress bars).
	stderrTTY bool
	getenv    func(string) string
}

// run is main without os.Exit: it parses the command line, loads the
// config and runs the command, returning the exit status.
func run(ctx context.Context, args []string, pe processEnv) int {
	g, rest, err := splitGlobalArgs(args)
	if err != nil {
		return reportError(pe.stderr, &usageError{msg: err.Error()})
	}
	if len(rest) == 0 {
		printHelp(pe.stderr, "")
		return 1
	}
	if isHelpFlag(rest[0]) {
		printHelp(pe.stdout, "")
		return 0
	}
	cmd, act, pos, err := parseCommand(rest)
	var help helpRequest
	if errors.As(err, &help) {
		printHelp(pe.stdout, help.topic)
		return 0
	}
	if err != nil {
		return reportError(pe.stderr, err)
	}
	switch cmd.name {
	case "help":
		topic := strings.Join(pos, " ")
		if topic != "" && !helpTopicExists(topic) {
			return reportError(pe.stderr, &usageError{msg: fmt.Sprintf("no help for %q: there is no such command", topic)})
		}
		printHelp(pe.stdout, topic)
		return 0
	case "version":
		fmt.Fprintf(pe.stdout, "minyan %s\n", versionString())
		return 0
	}
	path, err := configPath(g, pe.getenv)
	if err != nil {
		return reportError(pe.stderr, err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		return reportError(pe.stderr, err)
	}
	if runsWithoutStore(cmd.name) {
		// Checks of the deployment run here, beside the daemon, and
		// never open the store the daemon holds.
		log := slog.New(slog.NewTextHandler(pe.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		env := &cmdEnv{cmd: cmd, app: &App{Cfg: cfg, Log: log}, io: localIO(pe.stdin, pe.stdout, pe.stderr, noProgress{})}
		if err := act(ctx, env, pos); err != nil {
			return reportError(pe.stderr, err)
		}
		return 0
	}
	if cmd.name == "serve" {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		skip := serveFlags(fs)
		if err := fs.Parse(rest[1:]); err != nil {
			return reportError(pe.stderr, &usageError{cmd: cmd, msg: err.Error()})
		}
		if *skip {
			cfg.Server.SkipStoreCheck = true
		}
		log := slog.New(slog.NewTextHandler(pe.stderr, nil))
		if err := runServe(ctx, cfg, log); err != nil {
			return reportError(pe.stderr, err)
		}
		return 0
	}
	return runAdmin(ctx, cfg, rest, pe)
}

// runAdmin runs an admin command in the daemon if one answers on the
// admin socket, else directly on the store.
func runAdmin(ctx context.Context, cfg *Config, args []string, pe processEnv) int {
	prog := newBarProgress(pe.stderr, pe.stderrTTY)
	sock := adminSocketPath(cfg)
	conn, dialErr := dialAdmin(sock)
	if dialErr == nil {
		defer conn.Close()
		return runRemote(ctx, conn, args, pe.stdin, pe.stdout, pe.stderr, prog)
	}
	if !errors.Is(dialErr, errNoDaemon) {
		return reportError(pe.stderr, dialErr)
	}
	// Library logs would only clutter a command's output: warnings only.
	log := slog.New(slog.NewTextHandler(pe.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	app, err := openApp(cfg, log, serviceOptions(cfg, log))
	if errors.Is(err, store.ErrLocked) {
		return reportError(pe.stderr, fmt.Errorf("the store in %s is in use by another minyan process, most likely the daemon, "+
			"but its admin socket %s does not answer (%v); if the daemon is starting, try again in a moment",
			cfg.Server.DataDir, sock, dialErr))
	}
	if err != nil {
		return reportError(pe.stderr, err)
	}
	defer app.Close()
	return runCommand(ctx, app, args, localIO(pe.stdin, pe.stdout, pe.stderr, prog))
}

// helpTopicExists tells whether `minyan help TOPIC` names a command or a
// group of commands.
func helpTopicExists(topic string) bool {
	for _, c := range commands() {
		if c.name == topic || strings.HasPrefix(c.name, topic+" ") {
			return true
		}
	}
	return false
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one `minyan` subcommand: its name, its synopsis exactly as
// the usage text and the README print it, and how to parse and run it. Each run gets a
// fresh flag.FlagSet, so commands keep their options in local variables.
type command struct {
	// name is the words after "minyan", such as "member add".
	name string
	// args is the synopsis after the name: flags, then arguments.
	args string
	// summary is one line for `minyan help`.
	summary string
	// minArgs and maxArgs bound the positional arguments (maxArgs < 0: no
	// upper bound).
	minArgs, maxArgs int
	// setup defines the command's flags on fs and returns the code to run
	// once they are parsed. It is nil for commands main runs itself
	// (serve, version, help), which never go through the admin socket.
	setup func(fs *flag.FlagSet) action
}

// setupServe defines serve's flags. main runs serve itself (see
// serveFlags), so there is no action: the admin socket refuses serve.
func setupServe(fs *flag.FlagSet) action {
	serveFlags(fs)
	return nil
}

// serveFlags defines serve's flags on fs.
func serveFlags(fs *flag.FlagSet) (skipCheck *bool) {
	return fs.Bool("skip-check", false, "open the store without reading it whole first (for stores of gigabytes; see server.skip_store_check in docs/operations.md)")
}

// action runs a parsed command with its positional arguments.
type action func(ctx context.Context, env *cmdEnv, args []string) error

// usageLine is "minyan NAME ARGS".
func (c *command) usageLine() string {
	if c.args == "" {
		return "minyan " + c.name
	}
	return "minyan " + c.name + " " + c.args
}

// commands is the subcommand table, in the order `minyan help` shows it.
// It is built on each call so there is no package-level state.
func commands() []*command {
	var out []*command
	out = append(out, coreCommands()...)
	out = append(out, scheduleCommands()...)
	out = append(out, archiveCommands()...)
	out = append(out, dkimCommands()...)
	out = append(out, apiCommands()...)
	out = append(out, alertCommands()...)
	out = append(out, peopleCommands()...)
	out = append(out, doctorCommands()...)
	out = append(out, importCommands()...)
	out = append(out, orgCommands()...)
	out = append(out, cohortCommands()...)
	return append(out, tailCommands()...)
}

// coreCommands are lists, rosters, people and held items.
func coreCommands() []*command {
	return []*command{
		{name: "serve", args: "[--skip-check]", summary: "run the daemon (SMTP/LMTP, HTTP, IMAP, delivery, admin socket)", setup: setupServe},
		{name: "list create", args: "[--kind community|caucus|discussion|announce|coalition] [--title T] [--description D] NAME",
			summary: "create a list with the presets of its kind", minArgs: 1, maxArgs: 1, setup: setupListCreate},
		{name: "list set", args: "NAME KEY=VALUE...", summary: "change list settings (all or none)",
			minArgs: 2, maxArgs: -1, setup: setupListSet},
		{name: "list show", args: "NAME", summary: "show a list and all its settings (KEY<TAB>VALUE)",
			minArgs: 1, maxArgs: 1, setup: setupListShow},
		{name: "list ls", summary: "list the lists (NAME<TAB>KIND<TAB>MEMBERS<TAB>TITLE)", setup: setupListLs},
		{name: "list rm", args: "NAME", summary: "delete a list with its roster, archive and held items",
			minArgs: 1, maxArgs: 1, setup: setupListRm},
		{name: "member add", args: "[--role member|facilitator|moderator|owner] [--mode each|digest|nomail] [--name N] LIST ADDRESS...",
			summary: "add people to a list", minArgs: 2, maxArgs: -1, setup: setupMemberAdd},
		{name: "member set", args: "[--role R] [--mode M] [--digest daily|weekly] [--digest-format html|plain] [--topics T,T|all] LIST ADDRESS",
			summary: "change a member's role or delivery mode (a mode re-enables bounced delivery)",
			minArgs: 2, maxArgs: 2, setup: setupMemberSet},
		{name: "member rm", args: "LIST ADDRESS...", summary: "take people off a list",
			minArgs: 2, maxArgs: -1, setup: setupMemberRm},
		{name: "member ls", args: "LIST", summary: "show a roster (ADDRESS<TAB>ROLE<TAB>MODE<TAB>STATUS)",
			minArgs: 1, maxArgs: 1, setup: setupMemberLs},
		{name: "member import", args: "LIST FILE.csv",
			summary: "add or update members from a CSV file (header row: email,name,role,mode,good_standing)",
			minArgs: 2, maxArgs: 2, setup: setupMemberImport},
		{name: "person set", args: "[--name N] [--good-standing true|false] [--admin true|false] [--pronouns P] [--region R] [--roles R,...] [--about T] [--offers T] [--listed true|false] [--intros true|false] [--lang en|he|es] ADDRESS",
			summary: "change a person's display name, good standing (dues), site admin flag or profile, on every list",
			minArgs: 1, maxArgs: 1, setup: setupPersonSet},
		{name: "held ls", args: "[--all] [LIST]", summary: "show held posts and join requests (ID<TAB>LIST<TAB>FROM<TAB>SUBJECT<TAB>REASON)",
			maxArgs: 1, setup: setupHeldLs},
		{name: "held approve", args: "[--reason R] ID", summary: "approve a held item",
			minArgs: 1, maxArgs: 1, setup: setupHeldDecide("approve")},
		{name: "held reject", args: "[--reason R] ID", summary: "reject a held item, telling the sender the reason",
			minArgs: 1, maxArgs: 1, setup: setupHeldDecide("reject")},
		{name: "held discard", args: "[--reason R] ID", summary: "drop a held item silently",
			minArgs: 1, maxArgs: 1, setup: setupHeldDecide("discard")},
	}
}

// archiveCommands read and write the archive and the IMAP passwords.
func archiveCommands() []*command {
	return append([]*command{
		{name: "archive export", args: "[-o FILE] LIST", summary: "write a list's archive as mbox (mboxrd) to stdout or FILE",
			minArgs: 1, maxArgs: 1, setup: setupArchiveExport},
		{name: "archive rm", args: "[--reason R] LIST SEQ", summary: "remove one message from the archive, web, search, hub, feeds and IMAP",
			minArgs: 2, maxArgs: 2, setup: setupArchiveRm},
	}, imapCommands()...)
}

// tailCommands close the help listing.
func tailCommands() []*command {
	return []*command{
		{name: "queue ls", summary: "show waiting and given-up deliveries (ID<TAB>LIST<TAB>KIND<TAB>RCPT<TAB>STATE<TAB>ATTEMPTS<TAB>NEXT<TAB>LAST_ERROR)",
			setup: setupQueueLs},
		{name: "version", summary: "print the version"},
		{name: "help", args: "[COMMAND]", summary: "show this help, or one command's flags", maxArgs: 2},
	}
}

// helpRequest is returned by parseCommand when -h/--help was given; topic
// is a command ("member add"), a group ("member") or "" for everything.
type helpRequest struct{ topic string }

// Error makes helpRequest an error, so parseCommand can return it.
func (h helpRequest) Error() string { return "help requested for " + h.topic }

// findCommand picks the command named by the first one or two words of
// args and returns it with the remaining words.
func findCommand(args []string) (*command, []string, error) {
	if len(args) == 0 {
		return nil, nil, &usageError{msg: "missing command"}
	}
	all := commands()
	if len(args) >= 3 { // three-word commands: api token create
		for _, c := range all {
			if c.name == args[0]+" "+args[1]+" "+args[2] {
				return c, args[3:], nil
			}
		}
	}
	if len(args) >= 2 {
		for _, c := range all {
			if c.name == args[0]+" "+args[1] {
				return c, args[2:], nil
			}
		}
	}
	for _, c := range all {
		if c.name == args[0] {
			return c, args[1:], nil
		}
	}
	var subs []string
	for _, c := range all {
		if g, sub, ok := strings.Cut(c.name, " "); ok && g == args[0] {
			subs = append(subs, sub)
		}
	}
	if len(subs) == 0 {
		return nil, nil, &usageError{msg: fmt.Sprintf("unknown command %q", args[0])}
	}
	if len(args) == 1 {
		return nil, nil, &usageError{msg: fmt.Sprintf("%s needs a subcommand: %s", args[0], strings.Join(subs, ", "))}
	}
	if isHelpFlag(args[1]) {
		return nil, nil, helpRequest{topic: args[0]}
	}
	return nil, nil, &usageError{msg: fmt.Sprintf("unknown command %q (%s takes %s)", args[0]+" "+args[1], args[0], strings.Join(subs, ", "))}
}

// isHelpFlag matches the spellings of "show me the usage".
func isHelpFlag(a string) bool { return a == "-h" || a == "-help" || a == "--help" }

// parseCommand finds the command in args and parses its flags and
// arguments. It returns a helpRequest for -h/--help and a *usageError when
// the words do not fit the command. For commands main runs itself the
// action is nil.
func parseCommand(args []string) (*command, action, []string, error) {
	cmd, rest, err := findCommand(args)
	if err != nil {
		return nil, nil, nil, err
	}
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var act action
	if cmd.setup != nil {
		act = cmd.setup(fs)
	}
	if err := fs.Parse(rest); errors.Is(err, flag.ErrHelp) {
		return cmd, nil, nil, helpRequest{topic: cmd.name}
	} else if err != nil {
		return cmd, nil, nil, &usageError{cmd: cmd, msg: err.Error()}
	}
	pos := fs.Args()
	terminated := len(rest) > len(pos) && rest[len(rest)-len(pos)-1] == "--"
	for _, a := range pos {
		if isHelpFlag(a) && !terminated {
			return cmd, nil, nil, helpRequest{topic: cmd.name}
		}
		if len(a) > 1 && a[0] == '-' && !terminated {
			return cmd, nil, nil, &usageError{cmd: cmd, msg: fmt.Sprintf("%s: flags go before the arguments", a)}
		}
	}
	if len(pos) < cmd.minArgs {
		return cmd, nil, nil, &usageError{cmd: cmd, msg: "missing arguments"}
	}
	if cmd.maxArgs >= 0 && len(pos) > cmd.maxArgs {
		return cmd, nil, nil, &usageError{cmd: cmd, msg: fmt.Sprintf("unexpected argument %q", pos[cmd.maxArgs])}
	}
	return cmd, act, pos, nil
}

// printHelp writes the usage of one command (with its flags), of a group
// of commands, or of all of them.
func printHelp(w io.Writer, topic string) {
	var picked []*command
	for _, c := range commands() {
		if topic == "" || c.name == topic || strings.HasPrefix(c.name, topic+" ") {
			picked = append(picked, c)
		}
	}
	if len(picked) == 1 && picked[0].name == topic {
		printCommandUsage(w, picked[0])
		return
	}
	if len(picked) == 0 {
		picked = commands()
	}
	fmt.Fprintln(w, "usage: minyan [--config PATH] COMMAND [FLAGS] [ARGUMENTS]")
	fmt.Fprintln(w)
	for _, c := range picked {
		fmt.Fprintf(w, "  %s\n      %s\n", c.usageLine(), c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "--config PATH (before or after the command) names the config file; the default is")
	fmt.Fprintln(w, "$MINYAN_CONFIG, else ./config.toml if it exists, else the built-in example config.")
	fmt.Fprintln(w, "Flags go before arguments. 'minyan COMMAND --help' shows a command's flags.")
}

// printCommandUsage writes one command's usage line, summary and flags.
func printCommandUsage(w io.Writer, c *command) {
	fmt.Fprintf(w, "usage: %s\n\n%s\n", c.usageLine(), c.summary)
	if c.setup == nil {
		return
	}
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	c.setup(fs)
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprintln(w, "\nflags:")
			first = false
		}
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		placeholder, text := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  %s%s %s\n      %s\n", dash, f.Name, placeholder, text)
	})
}

package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"minyan/digest"
	"minyan/listserv"
)

// scheduleCommands are sessions, chevruta pairs and digests.
func scheduleCommands() []*command {
	return []*command{
		{name: "session add", args: `[--tz ZONE] [--every weekly|biweekly|monthly] [--count N] [--duration D] [--all-day] [--link URL] [--location PLACE] [--seats N] [--question Q]... [--topic T] --start "YYYY-MM-DD HH:MM" LIST`,
			summary: "schedule a session or a series (wall-clock time in ZONE, default the list's timezone); with --seats or --question members register",
			minArgs: 1, maxArgs: 1, setup: setupSessionAdd},
		{name: "session ls", args: "[--registrations [--csv]] LIST",
			summary: "show a list's sessions (ID<TAB>START (RFC 3339)<TAB>STATUS<TAB>TOPIC<TAB>RSVP counts<TAB>RSVP answers), or with --registrations who registered (ID<TAB>ADDRESS<TAB>NAME<TAB>STATUS<TAB>WAITLIST<TAB>ANSWERED<TAB>ANSWERS...)",
			minArgs: 1, maxArgs: 1, setup: setupSessionLs},
		{name: "session export", args: "LIST ID",
			summary: "a session's registrations as CSV (address, name, status, waitlist place, answered, one column per question, attended, rating, comment)",
			minArgs: 2, maxArgs: 2, setup: setupSessionExport},
		{name: "session attend", args: "LIST ID ADDRESS...",
			summary: "mark people present at a session (attendance, feedback and certificates follow); prints each ADDRESS marked",
			minArgs: 3, maxArgs: -1, setup: setupSessionAttend},
		{name: "session move", args: `--start "YYYY-MM-DD HH:MM" LIST ID`,
			summary: "move a session (in its own zone) and mail members a calendar update",
			minArgs: 2, maxArgs: 2, setup: setupSessionMove},
		{name: "session cancel", args: "LIST ID", summary: "cancel a session and mail members a calendar cancellation",
			minArgs: 2, maxArgs: 2, setup: setupSessionCancel},
		{name: "pairs make", args: "LIST", summary: "pair the members for study (chevruta), avoiding earlier pairs; prints the pairs",
			minArgs: 1, maxArgs: 1, setup: setupPairsMake},
		{name: "pairs ls", args: "LIST", summary: "show the current pairs, one pair (or trio) per line, addresses tab-separated",
			minArgs: 1, maxArgs: 1, setup: setupPairsLs},
		{name: "digest send", args: "LIST", summary: "send the pending weekly digest now (the next scheduled one starts after it)",
			minArgs: 1, maxArgs: 1, setup: setupDigestSend},
	}
}

// sessionStart is how `session` commands print a start: RFC 3339 with
// the offset of the session's own zone, so the wall-clock time shows.
func sessionStart(si digest.SessionInfo) string {
	if loc, err := time.LoadLocation(si.Zone); err == nil {
		return si.Start.In(loc).Format(time.RFC3339)
	}
	return si.Start.UTC().Format(time.RFC3339)
}

// setupSessionAdd builds `minyan session add`. It prints one line per
// session created: "added session ID to LIST: START TOPIC", then, for a
// monthly series, how it recurs.
func setupSessionAdd(fs *flag.FlagSet) action {
	tz := fs.String("tz", "", "IANA time `ZONE` of the start time (default: the list's timezone)")
	every := fs.String("every", "", "recurrence: `weekly`, biweekly or monthly (monthly = same weekday of the month as the first, e.g. first Thursday; a fifth-weekday series skips months without one)")
	count := fs.Int("count", 0, "number of sessions in the series (`N`; required with --every)")
	dur := fs.String("duration", "", "`DURATION` of each session, such as 90m, 2h, \"1 hour 30 minutes\" or \"3 days\" (default 90 minutes)")
	link := fs.String("link", "", "meeting `URL`")
	allDay := fs.Bool("all-day", false, "whole days: --start takes a date (\"YYYY-MM-DD\"), --duration whole days such as 72h (default one day)")
	location := fs.String("location", "", "`PLACE` where people meet, such as \"Auburn, MA\" (besides or instead of --link)")
	seats := fs.Int("seats", 0, "registration with at most `N` seats; past them people go on a waitlist")
	var questions stringsFlag
	fs.Var(&questions, "question", "a `QUESTION` asked of everyone who registers (up to three; repeat the flag)")
	topic := fs.String("topic", "", "`TOPIC` of the session(s)")
	start := fs.String("start", "", "first session's wall-clock time, \"`YYYY-MM-DD HH:MM`\" (24-hour)")
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		if *start == "" {
			return env.usage(`--start "YYYY-MM-DD HH:MM" is required`)
		}
		if *every != "" && *count == 0 {
			return env.usage("--every needs --count N (how many sessions in the series)")
		}
		var d time.Duration
		if *dur != "" {
			var err error
			if d, err = listserv.ParseDuration(*dur); err != nil {
				return env.usage("--duration: " + err.Error())
			}
		}
		sched := schedulerFor(env.app)
		added, err := sched.AddSessions(ctx, env.actor(), digest.AddRequest{
			List: args[0], Zone: *tz, Start: *start, Every: strings.ToLower(*every), Count: *count,
			Duration: d, Link: *link, Topic: *topic,
			AllDay: *allDay, Location: *location, Seats: *seats, Questions: questions,
		})
		if err != nil {
			return fmt.Errorf("session add: %w", err)
		}
		for _, si := range added.Sessions {
			line := fmt.Sprintf("added session %d to %s: %s", si.ID, si.List, sessionStart(si))
			if si.Topic != "" {
				line += " " + cell(si.Topic)
			}
			fmt.Fprintln(env.io.Stdout, line)
		}
		if added.Rule != "" {
			fmt.Fprintf(env.io.Stdout, "the series meets on %s\n", added.Rule)
		}
		if added.Note != "" {
			fmt.Fprintf(env.io.Stdout, "note: %s\n", added.Note)
		}
		if first := added.Sessions[0]; first.Registration() {
			limit := "no seat limit"
			if first.Seats > 0 {
				limit = fmt.Sprintf("%d seats", first.Seats)
			}
			fmt.Fprintf(env.io.Stdout, "registration: %s, %d question(s); members are invited by mail and register by replying yes\n", limit, len(first.Questions))
		}
		return nil
	}
}

// stringsFlag is a flag given any number of times.
type stringsFlag []string

func (f *stringsFlag) String() string     { return strings.Join(*f, ", ") }
func (f *stringsFlag) Set(v string) error { *f = append(*f, v); return nil }

// setupSessionLs builds `minyan session ls LIST`: four tab-separated columns
// ID<TAB>START<TAB>STATUS<TAB>TOPIC, then the RSVP counts
// ("yes=3 no=1 maybe=0") and who answered what ("yes:a@x,b@x no:c@x", or
// "-"). STATUS is scheduled, moved, cancelled or done.
func setupSessionLs(fs *flag.FlagSet) action {
	regs := fs.Bool("registrations", false, "show who registered for each session with registration, with their answers")
	asCSV := fs.Bool("csv", false, "with --registrations: CSV with a header line (session, address, name, status, waitlist, answered, answer1...)")
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		if *asCSV && !*regs {
			return env.usage("--csv goes with --registrations")
		}
		sched := schedulerFor(env.app)
		ss, err := sched.Sessions(ctx, env.actor(), args[0])
		if err != nil {
			return fmt.Errorf("session ls: %w", err)
		}
		if *regs {
			return listRegistrations(ctx, env, sched, args[0], ss, *asCSV)
		}
		for _, s := range ss {
			topic := s.Topic
			if topic == "" {
				topic = "-"
			}
			row(env.io.Stdout, strconv.FormatUint(s.ID, 10), sessionStart(s.SessionInfo), string(s.State), topic, s.RSVP.Counts(), s.RSVP.Answers())
		}
		return nil
	}
}

func parseSessionID(env *cmdEnv, s string) (uint64, error) {
	id, err := strconv.ParseUint(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id == 0 {
		return 0, env.usage(fmt.Sprintf("%q is not a session ID (a number from 'minyan session ls')", s))
	}
	return id, nil
}

// setupSessionMove builds `minyan session move --start T LIST ID`.
func setupSessionMove(fs *flag.FlagSet) action {
	start := fs.String("start", "", "new wall-clock time in the session's zone, \"`YYYY-MM-DD HH:MM`\"")
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		if *start == "" {
			return env.usage(`--start "YYYY-MM-DD HH:MM" is required`)
		}
		id, err := parseSessionID(env, args[1])
		if err != nil {
			return err
		}
		si, n, err := schedulerFor(env.app).MoveSession(ctx, env.actor(), args[0], id, *start)
		if err != nil {
			return fmt.Errorf("session move: %w", err)
		}
		fmt.Fprintf(env.io.Stdout, "moved session %d of %s to %s (update sent to %d members)\n", si.ID, si.List, sessionStart(si), n)
		return nil
	}
}

// setupSessionCancel builds `minyan session cancel LIST ID`.
func setupSessionCancel(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		id, err := parseSessionID(env, args[1])
		if err != nil {
			return err
		}
		si, n, err := schedulerFor(env.app).CancelSession(ctx, env.actor(), args[0], id)
		if err != nil {
			return fmt.Errorf("session cancel: %w", err)
		}
		fmt.Fprintf(env.io.Stdout, "cancelled session %d of %s at %s (cancellation sent to %d members)\n", si.ID, si.List, sessionStart(si), n)
		return nil
	}
}

// setupPairsMake builds `minyan pairs make LIST`; it prints the new pairs
// as `pairs ls` does, and a note on stderr when some pair had to repeat.
func setupPairsMake(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		p, repeats, err := schedulerFor(env.app).MakePairs(ctx, env.actor(), args[0])
		if err != nil {
			return fmt.Errorf("pairs make: %w", err)
		}
		for _, g := range p.Groups {
			row(env.io.Stdout, g...)
		}
		if repeats > 0 {
			fmt.Fprintf(env.io.Stderr, "note: %d pair(s) studied together before; no arrangement avoids that\n", repeats)
		}
		return nil
	}
}

// setupPairsLs builds `minyan pairs ls LIST`.
func setupPairsLs(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		p, err := schedulerFor(env.app).Pairs(args[0])
		if err != nil {
			return fmt.Errorf("pairs ls: %w", err)
		}
		for _, g := range p.Groups {
			row(env.io.Stdout, g...)
		}
		return nil
	}
}

// setupDigestSend builds `minyan digest send LIST`.
func setupDigestSend(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		posts, rcpts, err := schedulerFor(env.app).SendDigest(args[0])
		if err != nil {
			return fmt.Errorf("digest send: %w", err)
		}
		if posts == 0 {
			fmt.Fprintf(env.io.Stdout, "nothing to send: no posts on %s since its last digest\n", args[0])
			return nil
		}
		fmt.Fprintf(env.io.Stdout, "sent the digest of %s (%d messages) to %d digest members\n", args[0], posts, rcpts)
		return nil
	}
}

// listRegistrations prints the registrations of every session of a list
// that has registration: tab-separated lines (the session ID first, "-"
// for an empty field) or one CSV with a header.
func listRegistrations(ctx context.Context, env *cmdEnv, sched *digest.Scheduler, list string, ss []digest.Listed, asCSV bool) error {
	var cw *csv.Writer
	if asCSV {
		cw = csv.NewWriter(env.io.Stdout)
		cw.Write([]string{"session", "address", "name", "status", "waitlist", "answered", "answer1", "answer2", "answer3"})
	}
	for _, s := range ss {
		if !s.Registration() {
			continue
		}
		r, err := sched.Registrations(ctx, env.actor(), list, s.ID)
		if err != nil {
			return fmt.Errorf("session ls: %w", err)
		}
		for _, p := range r.People {
			fields := append([]string{strconv.FormatUint(s.ID, 10)}, r.Row(p)...)
			if cw != nil {
				for len(fields) < 9 {
					fields = append(fields, "")
				}
				cw.Write(digest.SafeCSV(fields))
				continue
			}
			for i := range fields {
				if fields[i] == "" {
					fields[i] = "-"
				}
			}
			row(env.io.Stdout, fields...)
		}
	}
	if cw != nil {
		cw.Flush()
		return cw.Error()
	}
	return nil
}

// setupSessionExport builds `minyan session export LIST ID`.
func setupSessionExport(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		id, err := parseSessionID(env, args[1])
		if err != nil {
			return err
		}
		out, err := schedulerFor(env.app).ExportRegistrations(ctx, env.actor(), args[0], id)
		if err != nil {
			return fmt.Errorf("session export: %w", err)
		}
		_, err = env.io.Stdout.Write(out)
		return err
	}
}

// setupSessionAttend builds `minyan session attend LIST ID ADDRESS...`:
// one line per address marked, and ADDRESS<TAB>REASON on stderr for
// those refused (then the exit status is 1).
func setupSessionAttend(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		id, err := parseSessionID(env, args[1])
		if err != nil {
			return err
		}
		res, err := schedulerFor(env.app).Attend(ctx, env.actor(), args[0], id, args[2:])
		if err != nil {
			return fmt.Errorf("session attend: %w", err)
		}
		for _, a := range res.Marked {
			fmt.Fprintf(env.io.Stdout, "attended %s\n", a)
		}
		if len(res.Refused) == 0 {
			return nil
		}
		for _, a := range args[2:] {
			if why, ok := res.Refused[listserv.NormalizeAddress(a)]; ok {
				row(env.io.Stderr, a, why.String())
			}
		}
		return fmt.Errorf("session attend: %d address(es) not marked", len(res.Refused))
	}
}

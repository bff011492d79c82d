package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"minyan/listserv"
)

// csvRow is one good row of an import file, with its line for messages.
type csvRow struct {
	line int
	spec listserv.MemberSpec
}

// importCounts is what an import did, for the summary line.
type importCounts struct {
	added, updated, waitlisted, bad int
}

// setupMemberImport builds `minyan member import LIST FILE.csv`, for
// moving a roster from a spreadsheet or another list server. Bad rows are
// reported with their line and skipped; the good ones are added (or
// updated, for people already on the list) in batches.
func setupMemberImport(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		list, file := args[0], args[1]
		if _, err := env.app.Svc.GetList(list); err != nil {
			return fmt.Errorf("member import: %w", err)
		}
		data, err := env.io.ReadFile(file)
		if err != nil {
			return fmt.Errorf("member import: %w", err)
		}
		var n importCounts
		rows, err := parseMemberCSV(data, func(line int, msg string) {
			n.bad++
			fmt.Fprintf(env.io.Stderr, "minyan: %s, line %d: %s; row skipped\n", file, line, msg)
		}, func(msg string) {
			fmt.Fprintf(env.io.Stderr, "minyan: %s: %s\n", file, msg)
		})
		if err != nil {
			return fmt.Errorf("member import: %s: %w", file, err)
		}
		failures, err := importRows(ctx, env, list, rows, &n)
		for _, f := range failures {
			fmt.Fprintf(env.io.Stderr, "minyan: %s, line %d: %v\n", file, f.line, f.err)
		}
		if err != nil {
			return fmt.Errorf("member import into %s stopped after %d of %d rows: %w",
				list, n.added+n.updated+n.waitlisted+len(failures), len(rows), err)
		}
		fmt.Fprintf(env.io.Stdout, "imported %d rows into %s: %d new, %d updated, %d waitlisted; %s\n",
			n.added+n.updated+n.waitlisted, list, n.added, n.updated, n.waitlisted, plural(n.bad, "bad row"))
		if n.bad > 0 {
			return errSomeFailed
		}
		return nil
	}
}

// rowFailure is a row the store refused.
type rowFailure struct {
	line int
	err  error
}

// importRows adds rows to list through the domain's batched import,
// counting into n and showing progress. A store error stops the import;
// rows of batches already committed stay imported.
func importRows(ctx context.Context, env *cmdEnv, list string, rows []csvRow, n *importCounts) ([]rowFailure, error) {
	prog := env.io.Progress
	prog.Start("importing into "+list, int64(len(rows)))
	defer prog.Finish()
	in := make([]listserv.MemberRow, len(rows))
	for i, r := range rows {
		in[i] = listserv.MemberRow{Line: r.line, Spec: r.spec}
	}
	p, err := env.app.Svc.ImportMembers(ctx, env.actor(), list, in, func(p listserv.ImportProgress) { prog.Set(int64(p.Done)) })
	n.added, n.updated, n.waitlisted = n.added+p.Added, n.updated+p.Updated, n.waitlisted+p.Waitlisted
	n.bad += len(p.Failures)
	failures := make([]rowFailure, len(p.Failures))
	for i, f := range p.Failures {
		failures[i] = rowFailure{f.Line, errors.New(f.Problem)}
	}
	return failures, err
}

// parseMemberCSV is the domain's roster file parser (one format for the
// command line and the console), with the rows as this file counts them.
func parseMemberCSV(data []byte, bad func(line int, msg string), warn func(string)) ([]csvRow, error) {
	in, err := listserv.ParseMemberCSV(data, bad, warn)
	rows := make([]csvRow, len(in))
	for i, r := range in {
		rows[i] = csvRow{line: r.Line, spec: r.Spec}
	}
	return rows, err
}

// plural writes "1 bad row", "2 bad rows".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

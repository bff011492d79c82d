package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"minyan/listserv"
)

// csvColumns are the header names `member import` understands.
const csvColumns = "email, name, role, mode, good_standing"

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

// importRows adds rows to list with the domain's import (batches of a
// few thousand rows, one transaction each, one audit entry), counting
// into n and showing progress. A store error stops the import; rows of
// batches already committed stay imported.
func importRows(ctx context.Context, env *cmdEnv, list string, rows []csvRow, n *importCounts) ([]rowFailure, error) {
	var failures []rowFailure
	prog := env.io.Progress
	prog.Start("importing into "+list, int64(len(rows)))
	defer prog.Finish()
	specs := make([]listserv.MemberSpec, len(rows))
	for i, r := range rows {
		specs[i] = r.spec
	}
	res, err := env.app.Svc.ImportMembers(ctx, env.actor(), list, specs, func(done int) { prog.Set(int64(done)) })
	for i, r := range res {
		switch {
		case r.Err != nil:
			n.bad++
			failures = append(failures, rowFailure{rows[i].line, r.Err})
		case r.Status == "updated":
			n.updated++
		case r.Status == listserv.StatusWaitlist:
			n.waitlisted++
		default:
			n.added++
		}
	}
	return failures, err
}

// csvHeader maps the known columns to their index (-1 = absent).
type csvHeader struct {
	email, name, role, mode, good int
}

// parseMemberHeader reads the header row: names are matched without
// regard to case, spaces or dashes ("Good Standing" is good_standing), in
// any order. Only email is required; unknown columns are ignored with a
// warning.
func parseMemberHeader(rec []string, warn func(string)) (csvHeader, error) {
	h := csvHeader{-1, -1, -1, -1, -1}
	for i, raw := range rec {
		name := strings.ToLower(strings.TrimSpace(raw))
		name = strings.NewReplacer(" ", "_", "-", "_").Replace(name)
		var slot *int
		switch name {
		case "email", "e_mail":
			slot = &h.email
		case "name":
			slot = &h.name
		case "role":
			slot = &h.role
		case "mode":
			slot = &h.mode
		case "good_standing":
			slot = &h.good
		default:
			if strings.Contains(raw, "@") {
				return h, fmt.Errorf("the first row must be a header naming the columns (%s), not an address such as %q", csvColumns, raw)
			}
			warn(fmt.Sprintf("ignoring unknown column %q (known: %s)", raw, csvColumns))
			continue
		}
		if *slot >= 0 {
			return h, fmt.Errorf("column %q appears twice in the header row", raw)
		}
		*slot = i
	}
	if h.email < 0 {
		return h, fmt.Errorf("the header row has no email column (columns: %s; only email is required)", csvColumns)
	}
	return h, nil
}

// parseMemberCSV turns an import file into member specs. Each bad row
// (wrong number of fields, bad address, role, mode or true/false, or an
// address seen before) is passed to bad with its line and left out;
// warn receives remarks that skip nothing. An error means the file as a
// whole is unusable (empty, or no usable header).
func parseMemberCSV(data []byte, bad func(line int, msg string), warn func(string)) ([]csvRow, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // spreadsheets often write a BOM
	r := csv.NewReader(bytes.NewReader(data))
	r.TrimLeadingSpace = true
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("the file is empty; it needs a header row (%s) and then one row per person", csvColumns)
	}
	if err != nil {
		return nil, fmt.Errorf("header row: %w", err)
	}
	h, err := parseMemberHeader(head, warn)
	if err != nil {
		return nil, err
	}
	var rows []csvRow
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				bad(pe.StartLine, fmt.Sprintf("%d fields where the header has %d", len(rec), len(head)))
			} else {
				bad(pe.StartLine, pe.Err.Error())
			}
			continue
		}
		if err != nil {
			return rows, err
		}
		line, _ := r.FieldPos(0)
		spec, msg := memberFromRecord(rec, h)
		if msg != "" {
			bad(line, msg)
			continue
		}
		if first, dup := seen[spec.Address]; dup {
			bad(line, fmt.Sprintf("%s is already on line %d", spec.Address, first))
			continue
		}
		seen[spec.Address] = line
		rows = append(rows, csvRow{line: line, spec: spec})
	}
}

// memberFromRecord checks one CSV record; msg says what is wrong with it.
func memberFromRecord(rec []string, h csvHeader) (spec listserv.MemberSpec, msg string) {
	get := func(i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	spec.Address = listserv.NormalizeAddress(get(h.email))
	if spec.Address == "" {
		return spec, "no email address"
	}
	if !listserv.ValidAddress(spec.Address) {
		return spec, fmt.Sprintf("%q is not an email address", get(h.email))
	}
	spec.Name = get(h.name)
	spec.Role = strings.ToLower(get(h.role))
	spec.Mode = strings.ToLower(get(h.mode))
	for _, err := range []error{checkRole(spec.Role), checkMode(spec.Mode)} {
		if err != nil {
			return spec, err.Error()
		}
	}
	if v := get(h.good); v != "" {
		b, err := listserv.ParseBool(v)
		if err != nil {
			return spec, fmt.Sprintf("good_standing %q: must be true or false", v)
		}
		spec.GoodStanding = &b
	}
	return spec, ""
}

// plural writes "1 bad row", "2 bad rows".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

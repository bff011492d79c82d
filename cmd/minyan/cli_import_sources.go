package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"minyan/listserv"
	"minyan/listserv/migrate"
)

// `minyan import FORMAT ...` brings a list from another server: roster,
// the settings that have an equivalent (and a report of those that do
// not), and the archive, with redirects from the old archive's pages
// when --old-archive-url is given. The work is migrate.Apply; this file
// opens the files where the command was typed (through the admin socket
// when a daemon runs, as `archive import` does) and prints the report.
// docs/import.md describes each format.

// importCommands are the importers of other list servers' exports.
func importCommands() []*command {
	common := "[--list NAME] [--old-archive-url URL] "
	return []*command{
		{name: "import mailman2", args: common + "CONFIG.pck ARCHIVE.mbox",
			summary: "import a Mailman 2 list: lists/NAME/config.pck and archives/private/NAME.mbox/NAME.mbox",
			minArgs: 2, maxArgs: 2, setup: setupImportMailman2},
		{name: "import mailman3", args: "--url URL [--user U] [--password P] [--mbox FILE] " + common + "LISTADDRESS",
			summary: "import a Mailman 3 list through its REST API, with a HyperKitty mbox download as the archive",
			minArgs: 1, maxArgs: 1, setup: setupImportMailman3},
		{name: "import google-groups", args: common + "MEMBERS.csv TAKEOUT.mbox",
			summary: "import a Google Group: its member export and its Takeout mbox",
			minArgs: 2, maxArgs: 2, setup: setupImportGoogleGroups},
		{name: "import groupsio", args: common + "MEMBERS.csv MESSAGES.zip",
			summary: "import a groups.io group: its member download and messages.zip",
			minArgs: 2, maxArgs: 2, setup: setupImportGroupsIO},
	}
}

// importFlags are the flags every importer takes.
type importFlags struct {
	list, oldURL *string
}

func addImportFlags(fs *flag.FlagSet) importFlags {
	return importFlags{
		list:   fs.String("list", "", "import into list `NAME` (default: the old list's name)"),
		oldURL: fs.String("old-archive-url", "", "where the old archive was (`URL`); its pages then redirect (301) to the imported posts"),
	}
}

func setupImportMailman2(fs *flag.FlagSet) action {
	f := addImportFlags(fs)
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		data, err := env.io.ReadFile(args[0])
		if err != nil {
			return fmt.Errorf("import mailman2: %w", err)
		}
		src, err := migrate.ReadMailman2(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("import mailman2: %s: %w", args[0], err)
		}
		return runImport(ctx, env, f, src, args[1])
	}
}

func setupImportMailman3(fs *flag.FlagSet) action {
	f := addImportFlags(fs)
	base := fs.String("url", "", "Mailman core's REST `URL`, such as http://localhost:8001")
	user := fs.String("user", "", "REST admin `USER`")
	password := fs.String("password", "", "REST admin `PASSWORD`")
	mbox := fs.String("mbox", "", "the archive: a HyperKitty download (`FILE`, .mbox or .mbox.gz)")
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		if *base == "" {
			return env.usage("--url is required: the REST API of Mailman core")
		}
		mm := &migrate.Mailman3{BaseURL: *base, User: *user, Password: *password, Client: &http.Client{Timeout: time.Minute}}
		src, err := mm.Read(ctx, args[0])
		if err != nil {
			return fmt.Errorf("import mailman3: %w", err)
		}
		return runImport(ctx, env, f, src, *mbox)
	}
}

func setupImportGoogleGroups(fs *flag.FlagSet) action {
	f := addImportFlags(fs)
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		return importCSVRoster(ctx, env, f, args[0], args[1], migrate.ReadGoogleGroups, false)
	}
}

func setupImportGroupsIO(fs *flag.FlagSet) action {
	f := addImportFlags(fs)
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		return importCSVRoster(ctx, env, f, args[0], args[1], migrate.ReadGroupsIO, true)
	}
}

// importCSVRoster runs the importers whose roster is a CSV file; the list
// is named by --list or by the List-Id of the archive's first message.
func importCSVRoster(ctx context.Context, env *cmdEnv, f importFlags, csvFile, archive string,
	read func(io.Reader, string) (*migrate.Source, error), zipped bool) error {
	in, err := openArchive(ctx, env, archive, zipped)
	if err != nil {
		return fmt.Errorf("import: %s: %w", archive, err)
	}
	defer in.Close()
	name := *f.list
	if name == "" {
		if name, err = migrate.ListNameFromMbox(in, in.Size()); err != nil {
			return env.usage(fmt.Sprintf("%s: %v; name the list with --list", archive, err))
		}
	}
	data, err := env.io.ReadFile(csvFile)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	src, err := read(bytes.NewReader(data), name)
	if err != nil {
		return fmt.Errorf("import: %s: %w", csvFile, err)
	}
	return applyImport(ctx, env, f, src, in, archive)
}

// openArchive opens an mbox (decompressing .gz) or the mbox inside a
// groups.io messages.zip, as a file readable at any offset.
func openArchive(ctx context.Context, env *cmdEnv, name string, zipped bool) (inputFile, error) {
	in, err := openInputFile(ctx, env, name)
	if err != nil {
		return nil, err
	}
	if !zipped {
		return gunzipInput(in, spoolDir(env))
	}
	defer in.Close()
	rc, _, err := migrate.OpenZipMbox(in, in.Size())
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	out, err := newTempFile(spoolDir(env), ".import-*.mbox")
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(out.File, rc)
	if err != nil {
		out.Close()
		return nil, fmt.Errorf("unpack: %w", err)
	}
	out.size = n
	return out, nil
}

// runImport opens the archive (if any) and applies src.
func runImport(ctx context.Context, env *cmdEnv, f importFlags, src *migrate.Source, archive string) error {
	if *f.list != "" {
		src.Name = *f.list
	}
	if archive == "" {
		return applyImport(ctx, env, f, src, nil, "")
	}
	in, err := openArchive(ctx, env, archive, false)
	if err != nil {
		return fmt.Errorf("import: %s: %w", archive, err)
	}
	defer in.Close()
	return applyImport(ctx, env, f, src, in, archive)
}

// applyImport moves src in as the operator and prints the report: one
// line per setting set, refused or without equivalent, per member
// refused, then the totals.
func applyImport(ctx context.Context, env *cmdEnv, f importFlags, src *migrate.Source, in inputFile, archive string) error {
	if *f.list != "" {
		src.Name = *f.list
	}
	o := migrate.Options{OldArchiveURL: *f.oldURL}
	if in != nil {
		prog := env.io.Progress
		phase := ""
		o.Archive, o.ArchiveSize = in, in.Size()
		o.Import = listserv.ImportOptions{
			Progress: func(p string, done, total int64) {
				if p != phase {
					phase = p
					label := "reading " + archive
					if p == "import" {
						label = "importing into " + src.Name
					}
					prog.Start(label, total)
				}
				prog.Set(done)
			},
			Unreadable: func(p listserv.ImportProblem) {
				fmt.Fprintf(env.io.Stderr, "minyan: %s, line %d (byte %d): %s; skipped\n", archive, p.Line, p.Offset, p.Reason)
			},
		}
	} else if *f.oldURL != "" {
		return env.usage("--old-archive-url needs the archive")
	}
	rep, err := migrate.Apply(ctx, env.app.Svc, env.actor(), src, o)
	env.io.Progress.Finish()
	if rep != nil && rep.Archive.Imported > 0 {
		indexImported(ctx, env, src.Name)
	}
	if rep != nil {
		printImportReport(env.io.Stdout, src, rep)
	}
	if err != nil {
		return fmt.Errorf("import into %s: %w", src.Name, err)
	}
	if len(rep.Failed) > 0 || len(rep.Refused) > 0 || len(rep.Archive.Unreadable) > 0 {
		return errSomeFailed
	}
	return nil
}

// printImportReport writes what an import did, tab-separated.
func printImportReport(w io.Writer, src *migrate.Source, rep *migrate.Report) {
	if rep.Created {
		row(w, "created", src.Name)
	}
	for _, s := range rep.Changed {
		row(w, "set", s.Key, s.Value, "from "+s.From)
	}
	for _, u := range rep.Refused {
		row(w, "refused", u.Field, u.Value, u.Why)
	}
	for _, u := range rep.Unmapped {
		row(w, "not imported", u.Field, u.Value, u.Why)
	}
	for _, u := range rep.Failed {
		row(w, "refused", u.Field, u.Value, u.Why)
	}
	row(w, "members", fmt.Sprintf("%d added, %d updated, %d unchanged, %d refused", rep.Added, rep.Updated, rep.Unchanged, len(rep.Failed)))
	row(w, "archive", fmt.Sprintf("%s imported, %s skipped, %d unreadable",
		plural(rep.Archive.Imported, "message"), plural(rep.Archive.Duplicates, "duplicate"), len(rep.Archive.Unreadable)))
	if rep.URLsAdded+rep.URLsMissing > 0 {
		row(w, "old urls", fmt.Sprintf("%d new redirects, %d old pages without an imported post", rep.URLsAdded, rep.URLsMissing))
	}
}

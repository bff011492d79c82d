package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"minyan/listserv"
)

// imapCommands are the archive-access commands (archive import, passwd).
func imapCommands() []*command {
	return []*command{
		{name: "archive import", args: "LIST FILE.mbox",
			summary: "add an existing list's history from an mbox file (mboxrd/mboxo, Mailman pipermail, Google takeout; .gz too)",
			minArgs: 2, maxArgs: 2, setup: setupArchiveImport},
		{name: "passwd", args: "ADDRESS", summary: "make a new IMAP app password for a person and print it (replaces the old one)",
			minArgs: 1, maxArgs: 1, setup: setupPasswd},
	}
}

// setupPasswd builds `minyan passwd ADDRESS`: stdout gets the password
// and nothing else, so scripts can capture it.
func setupPasswd(fs *flag.FlagSet) action {
	return func(_ context.Context, env *cmdEnv, args []string) error {
		addr := listserv.NormalizeAddress(args[0])
		if !listserv.ValidAddress(addr) {
			return fmt.Errorf("passwd: %q is not an email address", args[0])
		}
		readable, err := env.app.Svc.ReadableArchives(addr)
		if err != nil {
			return fmt.Errorf("passwd: %w", err)
		}
		if len(readable) == 0 {
			return fmt.Errorf("passwd: %s cannot read any list's archive (not a member of a list with an archive); add them to a list first", addr)
		}
		pw, err := env.app.Svc.NewAppPassword(addr)
		if err != nil {
			return fmt.Errorf("passwd: %w", err)
		}
		fmt.Fprintln(env.io.Stdout, pw) // only the password: scripts read it
		names := make([]string, len(readable))
		for i, l := range readable {
			names[i] = l.Name
		}
		server := strings.TrimPrefix(listserv.IMAPURLFor(env.app.Cfg.Server.PublicURL, env.app.Cfg.Server.IMAPListen), "imap://")
		if server == "" {
			server = "(server.imap_listen is off)"
		}
		fmt.Fprintf(env.io.Stderr, "IMAP user name %s, server %s; folders: %s. Any older password of %s no longer works.\n",
			addr, server, strings.Join(names, ", "), addr)
		return nil
	}
}

// maxListedPositions bounds the positions the summary line repeats (each
// unreadable message also gets its own line on stderr).
const maxListedPositions = 10

// setupArchiveImport builds `minyan archive import LIST FILE.mbox`. The
// file is read where the command was typed; through the daemon it is
// streamed over the admin socket into a temporary file next to the store
// (no size limit). A gzip-compressed file is decompressed first.
func setupArchiveImport(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		list, file := args[0], args[1]
		if _, err := env.app.Svc.GetList(list); err != nil {
			return fmt.Errorf("archive import: %w", err)
		}
		in, err := openInputFile(ctx, env, file)
		if err != nil {
			return fmt.Errorf("archive import: %w", err)
		}
		if in, err = gunzipInput(in, spoolDir(env)); err != nil {
			return fmt.Errorf("archive import: %s: %w", file, err)
		}
		defer in.Close()
		prog := env.io.Progress
		phase := ""
		res, err := env.app.Svc.ImportArchive(ctx, list, in, in.Size(), listserv.ImportOptions{
			Progress: func(p string, done, total int64) {
				if p != phase {
					phase = p
					label := "reading " + file
					if p == "import" {
						label = "importing into " + list
					}
					prog.Start(label, total)
				}
				prog.Set(done)
			},
			Unreadable: func(p listserv.ImportProblem) {
				fmt.Fprintf(env.io.Stderr, "minyan: %s, line %d (byte %d): %s; skipped\n", file, p.Line, p.Offset, p.Reason)
			},
		})
		prog.Finish()
		if res.Imported > 0 {
			indexImported(ctx, env, list)
		}
		if err != nil {
			return fmt.Errorf("archive import into %s stopped after %s (%s): %w",
				list, plural(res.Imported, "message"), plural(res.Duplicates, "duplicate"), err)
		}
		fmt.Fprintf(env.io.Stdout, "imported %s into %s: %s skipped, %d unreadable%s\n",
			plural(res.Imported, "message"), list, plural(res.Duplicates, "duplicate"), len(res.Unreadable), positions(res.Unreadable))
		if len(res.Unreadable) > 0 {
			return errSomeFailed
		}
		return nil
	}
}

// positions lists where unreadable messages start: " (at line 1 byte
// 0, line 57 byte 1830)", cut after maxListedPositions.
func positions(ps []listserv.ImportProblem) string {
	if len(ps) == 0 {
		return ""
	}
	var parts []string
	for i, p := range ps {
		if i == maxListedPositions {
			parts = append(parts, fmt.Sprintf("and %d more", len(ps)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("line %d byte %d", p.Line, p.Offset))
	}
	return " (at " + strings.Join(parts, ", ") + ")"
}

// inputFile is an input file named on the command line, readable at any
// offset (an mbox import reads it twice).
type inputFile interface {
	io.ReaderAt
	Size() int64
	Close() error
}

// fileOpenerKey carries, in a command's context, how to open an input
// file for streaming when the command runs inside the daemon (see
// admin_socket.go, "stream"). cmdIO keeps to whole-file reads, which the
// admin socket bounds at maxInputFile.
type fileOpenerKey struct{}

// fileOpener opens an input file named on the command line.
type fileOpener func(name string) (inputFile, error)

// withFileOpener returns ctx carrying open.
func withFileOpener(ctx context.Context, open fileOpener) context.Context {
	return context.WithValue(ctx, fileOpenerKey{}, open)
}

// openInputFile opens an input file where the command was typed: through
// the admin socket when the command runs in the daemon (handleAdminConn
// always puts an opener in ctx), else in this process ("-" is standard
// input, read whole).
func openInputFile(ctx context.Context, env *cmdEnv, name string) (inputFile, error) {
	if open, ok := ctx.Value(fileOpenerKey{}).(fileOpener); ok {
		return open(name)
	}
	if name == "-" {
		data, err := env.io.ReadFile(name)
		if err != nil {
			return nil, err
		}
		return memFile{bytes.NewReader(data)}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory", name)
	}
	return osFile{f, st.Size()}, nil
}

// spoolDir is where temporary copies go: next to the store.
func spoolDir(env *cmdEnv) string { return env.app.Cfg.Server.DataDir }

// memFile is an inputFile in memory.
type memFile struct{ *bytes.Reader }

// Close does nothing.
func (memFile) Close() error { return nil }

// osFile is an opened local file with its size.
type osFile struct {
	*os.File
	size int64
}

// Size is the file's size when it was opened.
func (f osFile) Size() int64 { return f.size }

// tempFile is a temporary copy that disappears on Close.
type tempFile struct {
	*os.File
	size int64
}

// Size is the number of bytes written to the copy.
func (f *tempFile) Size() int64 { return f.size }

// Close removes the copy.
func (f *tempFile) Close() error {
	err := f.File.Close()
	os.Remove(f.File.Name())
	return err
}

// newTempFile creates an empty temporary copy in dir (mode 0600: an
// archive may be members-only).
func newTempFile(dir, pattern string) (*tempFile, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return &tempFile{File: f}, nil
}

// gunzipInput returns in itself unless it is gzip-compressed (pipermail
// serves its monthly archives as .txt.gz); then it decompresses it into a
// temporary file in dir. It owns in: whatever it returns is the one file
// left to close, and on error nothing is left open.
func gunzipInput(in inputFile, dir string) (inputFile, error) {
	magic := make([]byte, 2)
	if n, _ := in.ReadAt(magic, 0); n < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return in, nil
	}
	defer in.Close()
	zr, err := gzip.NewReader(io.NewSectionReader(in, 0, in.Size()))
	if err != nil {
		return nil, fmt.Errorf("looks gzip-compressed but cannot be read: %w", err)
	}
	out, err := newTempFile(dir, ".import-*.mbox")
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(out.File, zr)
	if err == nil {
		err = zr.Close()
	}
	if err != nil {
		out.Close()
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("the gzip file is damaged: %w", err)
		}
		return nil, fmt.Errorf("decompress: %w", err)
	}
	out.size = n
	return out, nil
}

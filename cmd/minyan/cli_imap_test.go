package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"minyan/listserv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"minyan/store"
)

// sampleMbox has two good posts (pipermail style), a message without a
// header, and one without Message-ID.
const sampleMbox = `From alice at example.org  Mon Jan  3 10:00:00 2005
From: alice at example.org (Alice)
Subject: First
Message-ID: <first@example.org>

Hello.
>From the archive.

From nobody Mon Jan  3 11:00:00 2005
no header here

From bob@example.net Tue Jan  4 09:00:00 2005
From: Bob <bob@example.net>
Subject: Second
Message-ID: <second@example.net>

Reply.

From carol@example.org Wed Jan  5 09:00:00 2005
From: Carol <carol@example.org>
Subject: No id

No Message-ID here.
`

// writeFile writes a file in a temp dir and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestArchiveImportCommand(t *testing.T) {
	t.Parallel()
	cfg := cliConfig(t)
	app := cliApp(t, cfg)
	cliSetupList(t, app, "team", "discussion")
	path := writeFile(t, "old.mbox", []byte(sampleMbox))
	bad := strings.Index(sampleMbox, "From nobody")
	cliRun(t, app, "archive", "import", "team", path).expect(t, 1,
		fmt.Sprintf("imported 3 messages into team: 0 duplicates skipped, 1 unreadable (at line 9 byte %d)\n", bad),
		fmt.Sprintf("minyan: %s, line 9 (byte %d): the message does not start with a header field (Name: value); skipped\n", path, bad))
	cliRun(t, app, "archive", "import", "team", path).expect(t, 1,
		fmt.Sprintf("imported 0 messages into team: 3 duplicates skipped, 1 unreadable (at line 9 byte %d)\n", bad),
		fmt.Sprintf("minyan: %s, line 9 (byte %d): the message does not start with a header field (Name: value); skipped\n", path, bad))

	// Standard input, and a gzip-compressed pipermail month.
	cliSetupList(t, app, "copy", "discussion")
	export := cliRun(t, app, "archive", "export", "team").mustOK(t)
	cliRunIn(t, app, export, "archive", "import", "copy", "-").expect(t, 0,
		"imported 3 messages into copy: 0 duplicates skipped, 0 unreadable\n", "")
	if again := cliRun(t, app, "archive", "export", "copy").mustOK(t); again != export {
		t.Errorf("export -> import -> export differs:\n%s\n---\n%s", export, again)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(export))
	zw.Close()
	cliSetupList(t, app, "zipped", "discussion")
	cliRun(t, app, "archive", "import", "zipped", writeFile(t, "2005-January.txt.gz", gz.Bytes())).expect(t, 0,
		"imported 3 messages into zipped: 0 duplicates skipped, 0 unreadable\n", "")
	r := cliRun(t, app, "archive", "import", "zipped", writeFile(t, "broken.gz", gz.Bytes()[:gz.Len()/2]))
	if r.code != 1 || !strings.Contains(r.stderr, "the gzip file is damaged") {
		t.Errorf("damaged gzip: %+v", r)
	}

	cliRun(t, app, "archive", "import", "nope", path).expect(t, 1, "", "minyan: archive import: no list named nope\n")
	r = cliRun(t, app, "archive", "import", "team", filepath.Join(t.TempDir(), "missing.mbox"))
	if r.code != 1 || !strings.Contains(r.stderr, "no such file or directory") {
		t.Errorf("missing file: %+v", r)
	}
	cliRun(t, app, "archive", "import", "team").expect(t, 1, "", "minyan: missing arguments\nusage: minyan archive import LIST FILE.mbox\n")
	leftovers, _ := filepath.Glob(filepath.Join(cfg.Server.DataDir, ".import-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestPasswdCommand(t *testing.T) {
	t.Parallel()
	cfg := cliConfig(t)
	app := cliApp(t, cfg)
	// Someone on no list gets no password: there is nothing to read.
	r := cliRun(t, app, "passwd", "bob@example.net")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot read any list's archive") {
		t.Fatalf("passwd for a non-member: %+v", r)
	}
	cliSetupList(t, app, "team", "discussion")
	if _, err := app.Svc.AddMembers(context.Background(), listserv.Operator(listserv.DoorCLI), "team", []listserv.MemberSpec{{Address: "bob@example.net"}}, false); err != nil {
		t.Fatal(err)
	}
	r = cliRun(t, app, "passwd", "Bob@Example.net")
	if r.code != 0 {
		t.Fatalf("passwd: %+v", r)
	}
	pw := strings.TrimSuffix(r.stdout, "\n")
	if !strings.Contains(r.stderr, "IMAP user name bob@example.net") || !strings.Contains(r.stderr, "folders: team") {
		t.Errorf("passwd hint on stderr: %q", r.stderr)
	}
	if !regexp.MustCompile(`^[a-z2-9]{4}(-[a-z2-9]{4}){5}-[a-z2-9]{2}$`).MatchString(pw) {
		t.Errorf("passwd printed %q", r.stdout)
	}
	if !app.Svc.CheckAppPassword("bob@example.net", pw) {
		t.Error("the printed password does not log in")
	}
	cliRun(t, app, "passwd", "not-an-address").expect(t, 1, "", "minyan: passwd: \"not-an-address\" is not an email address\n")
}

// An mbox streams to the daemon in chunks (of streamChunkFile bytes,
// with progress) and the spool file is gone afterwards. The stream path
// has no size limit of its own (streamFile, remoteClient.stream): the
// 64 MiB maxInputFile bounds only the whole-file "read" of clients
// without the "stream" feature (TestArchiveImportOldClient). Six chunks
// show the chunking and the progress as well as 70 did, in a tenth of
// the time.
func TestArchiveImportThroughSocket(t *testing.T) {
	t.Parallel()
	cfg := cliConfig(t)
	app := cliApp(t, cfg)
	startAdmin(t, cfg, app)
	cliSetupList(t, app, "team", "discussion")
	var mbox bytes.Buffer
	line := strings.Repeat("0123456789", 7) + "\n"
	body := strings.Repeat(line, (1<<20)/len(line))
	const n = 6
	for i := range n {
		fmt.Fprintf(&mbox, "From a@example.org Mon Jan  3 %02d:%02d:00 2005\nFrom: a@example.org\nSubject: part %d\nMessage-ID: <p%d@example.org>\n\n%s\n", 10+i/60, i%60, i, i, body)
	}
	if mbox.Len() <= 5*streamChunkFile {
		t.Fatalf("test file of %d bytes is not above five chunks of %d", mbox.Len(), streamChunkFile)
	}
	path := writeFile(t, "big.mbox", mbox.Bytes())
	conn, err := dialAdmin(adminSocketPath(cfg))
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	prog := &recordingProgress{}
	code := runRemote(t.Context(), conn, []string{"archive", "import", "team", path}, nil, &out, &errb, prog)
	conn.Close()
	if code != 0 || out.String() != "imported 6 messages into team: 0 duplicates skipped, 0 unreadable\n" || errb.String() != "" {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	p := prog.String()
	if !strings.HasPrefix(p, fmt.Sprintf("start sending %s %d; set 1048576;", path, mbox.Len())) ||
		!strings.Contains(p, fmt.Sprintf("start reading %s %d", path, mbox.Len())) || !strings.Contains(p, "start importing into team 6; set 0;") {
		t.Errorf("progress: %.300s", p)
	}
	var count int
	var size int
	app.Store.View(func(tx *store.Tx) error {
		return tx.EachArchived("team", 1, 0, func(m store.ArchiveMeta, raw []byte) error {
			count++
			size += len(raw)
			return nil
		})
	})
	if count != n || size < n<<20 {
		t.Errorf("archived %d messages, %d bytes", count, size)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(cfg.Server.DataDir, ".import-*")); len(leftovers) > 0 {
		t.Errorf("spool files left behind: %v", leftovers)
	}

	// The client refuses to stream a file it was not given.
	r := cliAdmin(t, cfg, "archive", "import", "team", filepath.Join(t.TempDir(), "nothere.mbox"))
	if r.code != 1 || !strings.Contains(r.stderr, "no such file or directory") {
		t.Errorf("missing file through the socket: %+v", r)
	}
}

// A client without the "stream" feature still gets its file read on its
// side (whole, as "read" does), never from the daemon's directory.
func TestArchiveImportOldClient(t *testing.T) {
	t.Parallel()
	cfg := cliConfig(t)
	app := cliApp(t, cfg)
	startAdmin(t, cfg, app)
	cliSetupList(t, app, "team", "discussion")
	conn, err := dialAdmin(adminSocketPath(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	writeFrame(conn, adminFrame{Type: "run", Version: adminProtocol, Args: []string{"archive", "import", "team", "old.mbox"}})
	r := bufio.NewReader(conn)
	var got []string
	for {
		f, err := readFrame(r, maxOutputFrame)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, f.Type)
		switch f.Type {
		case "read":
			writeFrame(conn, adminFrame{Type: "file", Name: f.Name, Data: []byte(sampleMbox)})
		case "stream":
			t.Fatal("the daemon asked an old client for a stream")
		case "stdout":
			if !strings.HasPrefix(string(f.Data), "imported 3 messages into team:") {
				t.Errorf("stdout %q", f.Data)
			}
		}
		if f.Type == "exit" {
			break
		}
	}
	if !slices.Contains(got, "read") {
		t.Errorf("frames %v", got)
	}
}

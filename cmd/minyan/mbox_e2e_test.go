package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestEndToEndArchive runs the built binary: `passwd` prints a password,
// `archive import` streams an mbox into the running daemon, `archive
// export` writes it back, and a mail client reads it over IMAP.
func TestEndToEndArchive(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "")
	e.listenIMAP()
	e.start()

	e.mustRun("list", "create", "--kind", "caucus", "team")
	e.mustRun("member", "add", "--role", "owner", "team", "alice@example.org")
	pw := e.mustRun("passwd", "alice@example.org")
	if !regexp.MustCompile(`^[a-z2-9]{4}(-[a-z2-9]{4}){5}-[a-z2-9]{2}\n$`).MatchString(pw) {
		t.Fatalf("passwd printed %q", pw)
	}
	pw = strings.TrimSpace(pw)

	mbox := filepath.Join(e.dir, "old.mbox")
	os.WriteFile(mbox, []byte(sampleMbox), 0o600)
	out, err := e.run("archive", "import", "team", mbox)
	if err == nil || !strings.Contains(err.Error(), "line 9 (byte ") ||
		!strings.HasPrefix(out, "imported 3 messages into team: 0 duplicates skipped, 1 unreadable (at line 9 byte ") {
		t.Errorf("import: %q %v", out, err)
	}
	exported := filepath.Join(e.dir, "team.mbox")
	e.mustRun("archive", "export", "-o", exported, "team")
	e.mustRun("list", "create", "copy")
	if out := e.mustRun("archive", "import", "copy", exported); out != "imported 3 messages into copy: 0 duplicates skipped, 0 unreadable\n" {
		t.Errorf("re-import: %q", out)
	}
	a, b := e.mustRun("archive", "export", "team"), e.mustRun("archive", "export", "copy")
	if a != b || !strings.Contains(a, "\n>From the archive.\n") {
		t.Errorf("round trip through the binary differs:\n%s\n---\n%s", a, b)
	}

	c, err := imapclient.DialInsecure(e.imap, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, e.logs)
	}
	defer c.Close()
	if err := c.Login("alice@example.org", pw).Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select("team", nil).Wait()
	if err != nil || sel.NumMessages != 3 {
		t.Fatalf("select: %+v %v", sel, err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Envelope: true, InternalDate: true}).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].Envelope.Subject != "First" || msgs[0].InternalDate.Year() != 2005 {
		t.Errorf("fetch: %+v %v", msgs, err)
	}
}

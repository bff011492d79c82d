package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minyan/listserv"
	"minyan/store"
)

// cliHold sends a post from a non-member, which the default policy holds.
func cliHold(t *testing.T, app *App, list, from, subject string) {
	t.Helper()
	raw := "From: " + from + "\r\nTo: " + list + "@lists.example.org\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + strings.ReplaceAll(subject, " ", "-") + "@example.net>\r\nDate: Mon, 02 Nov 2026 10:00:00 -0500\r\n\r\nHello.\r\nFrom here on.\r\n"
	errs := app.Svc.Receive(t.Context(), listserv.Envelope{From: from, Rcpts: []string{list + "@lists.example.org"}}, []byte(raw))
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
}

func TestHeldArchiveQueue(t *testing.T) {
	t.Parallel()
	app := cliApp(t, cliConfig(t))
	cliSetupList(t, app, "team", "discussion", "mod@example.org:moderator", "m@example.org")
	cliSetupList(t, app, "other", "discussion")
	cliHold(t, app, "team", "out@example.net", "first\tpost")
	cliHold(t, app, "team", "out@example.net", "second post")
	cliHold(t, app, "other", "x@example.net", "third post")
	cliHold(t, app, "team", "out@example.net", "fourth post")

	all := cliRun(t, app, "held", "ls").mustOK(t)
	lines := strings.Split(strings.TrimSuffix(all, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("held ls:\n%s", all)
	}
	f := strings.Split(lines[0], "\t")
	if len(f) != 5 || f[0] != "1" || f[1] != "team" || f[2] != "out@example.net" || f[3] != `first\tpost` || f[4] == "" {
		t.Errorf("held ls line 1 = %q", lines[0])
	}
	r := cliRun(t, app, "held", "ls", "other")
	if n := strings.Count(r.mustOK(t), "\n"); n != 1 || !strings.HasPrefix(r.stdout, "3\tother\tx@example.net\tthird post\t") {
		t.Errorf("held ls other: %q", r.stdout)
	}
	cliRun(t, app, "held", "ls", "nope").expect(t, 1, "", "minyan: held ls: no list named nope\n")

	cliRun(t, app, "held", "approve", "1").expect(t, 0, "approved held item 1 on team from out@example.net\n", "")
	cliRun(t, app, "held", "reject", "--reason", "off topic", "#2").expect(t, 0, "rejected held item 2 on team from out@example.net\n", "")
	cliRun(t, app, "held", "discard", "4").expect(t, 0, "discarded held item 4 on team from out@example.net\n", "")
	cliRun(t, app, "held", "discard", "1").expect(t, 1, "", "minyan: held discard: held #1 was approved by tester: already handled\n")
	cliRun(t, app, "held", "approve", "99").expect(t, 1, "", "minyan: held approve: no held item #99\n")
	r = cliRun(t, app, "held", "approve", "x1")
	if r.code != 1 || !strings.HasPrefix(r.stderr, `minyan: "x1" is not a held item ID`) {
		t.Errorf("bad id: %+v", r)
	}
	if out := cliRun(t, app, "held", "ls").mustOK(t); !strings.HasPrefix(out, "3\tother\t") || strings.Count(out, "\n") != 1 {
		t.Errorf("held ls after decisions:\n%s", out)
	}
	var h store.Held
	app.Store.View(func(tx *store.Tx) error { h, _ = tx.Held(2); return nil })
	if h.Status != "rejected" || h.Note != "off topic" || h.DecidedBy != "tester" {
		t.Errorf("held 2 = %+v", h)
	}

	// The approved post went to the archive and the queue.
	if out := cliRun(t, app, "list", "show", "team").mustOK(t); !strings.Contains(out, "\narchived_posts\t1\n") {
		t.Errorf("list show after approve:\n%s", out)
	}
	mbox := cliRun(t, app, "archive", "export", "team").mustOK(t)
	if !strings.HasPrefix(mbox, "From out@example.net ") || !strings.Contains(mbox, "\n>From here on.\n") ||
		!strings.Contains(mbox, "Subject: [team] first") || strings.Contains(mbox, "\r") {
		t.Errorf("archive export:\n%s", mbox)
	}
	cliRun(t, app, "archive", "export", "other").expect(t, 0, "", "")
	cliRun(t, app, "archive", "export", "nope").expect(t, 1, "", "minyan: archive export: no list named nope\n")

	dir := t.TempDir()
	out := filepath.Join(dir, "team.mbox")
	cliRun(t, app, "archive", "export", "-o", out, "team").expect(t, 0, "exported 1 message from team to "+out+"\n", "")
	if b, err := os.ReadFile(out); err != nil || string(b) != mbox {
		t.Errorf("exported file differs from stdout export (%v)", err)
	}
	cliRun(t, app, "archive", "export", "-o", filepath.Join(dir, "x.mbox"), "nope").expect(t, 1, "", "minyan: archive export: no list named nope\n")
	if r := cliRun(t, app, "archive", "export", "-o", filepath.Join(dir, "no", "such", "dir.mbox"), "team"); r.code != 1 ||
		!strings.Contains(r.stderr, "no such file or directory") {
		t.Errorf("export into a missing directory: %+v", r)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("export left files behind: %v", entries)
	}

	q := cliRun(t, app, "queue", "ls").mustOK(t)
	want := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSuffix(q, "\n"), "\n") {
		f := strings.Split(l, "\t")
		if len(f) != 8 {
			t.Fatalf("queue ls line %q has %d fields", l, len(f))
		}
		want[f[1]+" "+f[2]+" "+f[3]+" "+f[4]+" "+f[5]+" "+f[6]+" "+f[7]] = true
	}
	for _, w := range []string{
		"team post m@example.org queued 0 2026-11-02T15:04:05Z -",
		"team post mod@example.org queued 0 2026-11-02T15:04:05Z -",
	} {
		if !want[w] {
			t.Errorf("queue ls lacks %q:\n%s", w, q)
		}
	}
}

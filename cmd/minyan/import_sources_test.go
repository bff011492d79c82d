package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minyan/listserv/migrate/migratetest"
)

// TestImportMailman2ThroughBinary imports a Mailman 2 list with the
// built binary (store opened directly), imports it again through the
// running daemon (nothing changes), and reads the result on the web:
// threads, search, and the old pipermail URL redirecting.
func TestImportMailman2ThroughBinary(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "")
	posts, threads := migratetest.History(1000, 11)
	mboxPath := filepath.Join(e.dir, "readers.mbox")
	f, err := os.Create(mboxPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := migratetest.WriteMbox(f, posts, migratetest.MailmanHeaders("readers", "lists.example.org")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	pck, err := filepath.Abs("../../listserv/migrate/testdata/mailman2-config.pck")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"import", "mailman2", "--old-archive-url", "https://old.example.org/pipermail/readers/", pck, mboxPath}
	out := e.mustRun(args...)
	for _, want := range []string{"created\treaders\n", "set\tsubject_prefix\t[Readers]\tfrom subject_prefix\n",
		"not imported\tban_list\tspammer@example.net\t", "members\t101 added, 0 updated, 0 unchanged, 0 refused\n",
		"archive\t1000 messages imported, 0 duplicates skipped, 0 unreadable\n", "old urls\t1000 new redirects, 0 old pages"} {
		if !strings.Contains(out, want) {
			t.Errorf("first run: no %q in:\n%s", want, out)
		}
	}

	e.start()
	out = e.mustRun(args...)
	for _, want := range []string{"members\t0 added, 0 updated, 101 unchanged, 0 refused\n",
		"archive\t0 messages imported, 1000 duplicates skipped, 0 unreadable\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("second run: no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "created") || strings.Contains(out, "\nset\t") || strings.Contains(out, "old urls\t") {
		t.Errorf("the second run changed something:\n%s", out)
	}
	roster := e.mustRun("member", "ls", "readers")
	if n := strings.Count(roster, "\n"); n != 101 {
		t.Errorf("member ls shows %d people, want 101", n)
	}
	e.mustRun("list", "set", "readers", "archive=public")

	get := func(path string) (int, string, string) {
		t.Helper()
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get("http://" + e.http + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(body)
	}
	last := posts[len(posts)-1]
	if code, _, body := get("/lists/readers/archive"); code != 200 || !strings.Contains(body, strings.TrimPrefix(last.Subject, "Re: ")) {
		t.Errorf("archive page: %d, latest thread %q missing", code, last.Subject)
	} else if pages := (threads + 29) / 30; !strings.Contains(body, fmt.Sprintf("Page 1 of %d", pages)) {
		t.Errorf("archive page does not show %d pages of 30 threads (%d threads)", pages, threads)
	}
	word := migratetest.Word(threads / 3)
	if code, _, body := get("/search?list=readers&q=" + word); code != 200 || !strings.Contains(body, "1 message found") ||
		!strings.Contains(body, fmt.Sprintf("Chapter %d of the reading", threads/3)) {
		t.Errorf("search %s: %d\n%.400s", word, code, body)
	}
	p := posts[5]
	code, loc, _ := get(fmt.Sprintf("/pipermail/readers/%d-%s/%06d.html", p.Date.Year(), p.Date.Month(), 5))
	if code != http.StatusMovedPermanently || !strings.HasPrefix(loc, "/lists/readers/m/") {
		t.Fatalf("old URL: %d to %q, want 301 to /lists/readers/m/SEQ", code, loc)
	}
	if code, _, body := get(loc); code != 200 || !strings.Contains(body, "Reply 6:") && !strings.Contains(body, p.Subject) {
		t.Errorf("%s: %d, does not show post 6", loc, code)
	}
	if code, _, _ := get("/pipermail/readers/2019-January/999999.html"); code != http.StatusNotFound {
		t.Errorf("an unknown old URL answered %d, want 404", code)
	}
}

// TestImportGroupsIOThroughDaemon imports a groups.io export through the
// admin socket: the zip is streamed from the command line's side.
func TestImportGroupsIOThroughDaemon(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "")
	posts, _ := migratetest.History(200, 12)
	csvPath, zipPath := filepath.Join(e.dir, "members.csv"), filepath.Join(e.dir, "messages.zip")
	cf, _ := os.Create(csvPath)
	migratetest.WriteGroupsIOCSV(cf, migratetest.Roster())
	cf.Close()
	zf, _ := os.Create(zipPath)
	if err := migratetest.WriteGroupsIOZip(zf, posts, "readers"); err != nil {
		t.Fatal(err)
	}
	zf.Close()
	e.start()
	out := e.mustRun("import", "groupsio", "--old-archive-url", "https://groups.io/g/readers", csvPath, zipPath)
	for _, want := range []string{"created\treaders\n", "not imported\tmember\tpending@example.net\t",
		"members\t101 added", "archive\t200 messages imported", "old urls\t200 new redirects"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	out = e.mustRun("import", "groupsio", csvPath, zipPath)
	if !strings.Contains(out, "members\t0 added, 0 updated, 101 unchanged") || !strings.Contains(out, "archive\t0 messages imported, 200 duplicates") {
		t.Errorf("second run:\n%s", out)
	}
}

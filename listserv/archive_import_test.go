package listserv

import (
	"bytes"
	"context"
	"encoding/json"
	"golang.org/x/crypto/bcrypt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"minyan/store"
)

// archiveClock stands still.
type archiveClock struct{ t time.Time }

func (c archiveClock) Now() time.Time { return c.t }

// newArchiveService is a Service over a fresh store with the named lists.
func newArchiveService(t *testing.T, lists ...string) *Service {
	t.Helper()
	st, err := store.Open(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := New(st, Options{
		Domain:    "lists.example.org",
		PublicURL: "http://127.0.0.1",
		Defaults:  ServerDefaults{MaxMessageBytes: 1 << 20, Timezone: "UTC"},
		Clock:     archiveClock{time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)},
		Logger:    slog.New(slog.DiscardHandler),
		// Quick hashes: what is tested is the checking, not bcrypt.
		AppPasswordCost: bcrypt.MinCost,
	})
	for _, l := range lists {
		if _, err := s.CreateList(context.Background(), Operator(DoorCLI), l, "discussion", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// importBytes imports data into list.
func importBytes(t *testing.T, s *Service, list string, data []byte, o ImportOptions) ImportResult {
	t.Helper()
	res, err := s.ImportArchive(context.Background(), list, bytes.NewReader(data), int64(len(data)), o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// dumpArchive renders a list's archive (metadata and bytes) for
// comparison.
func dumpArchive(t *testing.T, s *Service, list string) string {
	t.Helper()
	var b strings.Builder
	err := s.st.View(func(tx *store.Tx) error {
		return tx.EachArchived(list, 1, 0, func(m store.ArchiveMeta, raw []byte) error {
			j, _ := json.Marshal(m)
			b.Write(j)
			b.WriteString("\n")
			b.Write(raw)
			b.WriteString("\n--\n")
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// allShapes is every sample file in one mbox.
func allShapes(t *testing.T) []byte {
	var all []byte
	for _, f := range []string{"pipermail.mbox", "takeout.mbox", "mboxrd.mbox"} {
		all = append(all, mboxFile(t, f)...)
	}
	return all
}

func TestImportRoundTrip(t *testing.T) {
	s := newArchiveService(t, "old", "copy")
	var phases []string
	res := importBytes(t, s, "old", allShapes(t), ImportOptions{BatchSize: 2, Progress: func(p string, done, total int64) {
		if len(phases) == 0 || phases[len(phases)-1] != p {
			phases = append(phases, p)
		}
	}})
	if res.Imported != 6 || res.Duplicates != 0 || len(res.Unreadable) != 0 || res.FirstSeq != 1 || res.LastSeq != 6 {
		t.Fatalf("first import: %+v", res)
	}
	if strings.Join(phases, ",") != "scan,import" {
		t.Errorf("progress phases %v", phases)
	}

	// Date order: the takeout's earlier message comes before its later one,
	// the 2005 pipermail posts first, the 2026 ones last.
	var subjects []string
	var metas []store.ArchiveMeta
	s.st.View(func(tx *store.Tx) error {
		return tx.EachArchived("old", 1, 0, func(m store.ArchiveMeta, _ []byte) error {
			subjects = append(subjects, m.Subject)
			metas = append(metas, m)
			return nil
		})
	})
	want := []string{"[Trainers] Curriculum for the spring", "[Trainers] Re: Curriculum for the spring", "First post ✓", "Second post", "Quoting", "No id"}
	if strings.Join(subjects, "|") != strings.Join(want, "|") {
		t.Errorf("order:\n%q\nwant\n%q", subjects, want)
	}
	if m := metas[0]; m.From != "alice@example.org" || m.FromName != "Alice Liddell" || m.MessageID != "20050103100000.A1@example.org" ||
		!m.Archived.Equal(time.Date(2005, 1, 3, 15, 0, 0, 0, time.UTC)) { // its Date: 10:00 -0500 (the From_ line has no zone)
		t.Errorf("pipermail metadata: %+v", m)
	}
	if m := metas[1]; m.Thread != 1 || m.InReplyTo != "20050103100000.A1@example.org" {
		t.Errorf("reply not threaded: %+v", m)
	}
	if m := metas[5]; m.MessageID != "" || m.From != "frank@example.org" {
		t.Errorf("message without id: %+v", m)
	}

	// Importing again adds nothing, with or without Message-IDs.
	again := importBytes(t, s, "old", allShapes(t), ImportOptions{})
	if again.Imported != 0 || again.Duplicates != 6 {
		t.Errorf("re-import: %+v", again)
	}

	// Export, import elsewhere: the same archive; export again: same file.
	var exp1, exp2 bytes.Buffer
	if _, err := s.ExportArchive("old", &exp1); err != nil {
		t.Fatal(err)
	}
	res = importBytes(t, s, "copy", exp1.Bytes(), ImportOptions{})
	if res.Imported != 6 {
		t.Fatalf("import of the export: %+v", res)
	}
	if a, b := dumpArchive(t, s, "old"), dumpArchive(t, s, "copy"); a != b {
		t.Errorf("import -> export -> import changed the archive:\n%s\n----\n%s", a, b)
	}
	s.ExportArchive("copy", &exp2)
	if !bytes.Equal(exp1.Bytes(), exp2.Bytes()) {
		t.Errorf("export -> import -> export differs:\n%s\n----\n%s", exp1.String(), exp2.String())
	}
}

func TestImportUnreadable(t *testing.T) {
	s := newArchiveService(t, "team")
	var seen []ImportProblem
	res := importBytes(t, s, "team", mboxFile(t, "malformed.mbox"), ImportOptions{Unreadable: func(p ImportProblem) { seen = append(seen, p) }})
	if res.Imported != 2 || len(res.Unreadable) != 3 || len(seen) != 3 {
		t.Fatalf("%+v", res)
	}
	data := mboxFile(t, "malformed.mbox")
	wantLines := []int{1, 11, 14}
	wantOffsets := []int64{0, int64(bytes.Index(data, []byte("From nobody Mon Nov  2 11:00"))), int64(bytes.Index(data, []byte("From nobody Mon Nov  2 11:30")))}
	for i, p := range res.Unreadable {
		if p.Line != wantLines[i] || p.Offset != wantOffsets[i] || p.Reason == "" {
			t.Errorf("problem %d: %+v, want line %d byte %d", i, p, wantLines[i], wantOffsets[i])
		}
	}
}

func TestImportTellsListeners(t *testing.T) {
	s := newArchiveService(t, "team")
	var mu sync.Mutex
	var got []ArchiveEvent
	cancel := s.OnArchived(func(e ArchiveEvent) {
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	})
	importBytes(t, s, "team", allShapes(t), ImportOptions{BatchSize: 4})
	cancel()
	importBytes(t, s, "team", mboxFile(t, "malformed.mbox"), ImportOptions{})
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != (ArchiveEvent{List: "team", Seq: 4}) || got[1] != (ArchiveEvent{List: "team", Seq: 6}) {
		t.Errorf("events %+v", got)
	}
}

func TestImportStopsOnCancel(t *testing.T) {
	s := newArchiveService(t, "team")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := allShapes(t)
	if _, err := s.ImportArchive(ctx, "team", bytes.NewReader(data), int64(len(data)), ImportOptions{}); err == nil {
		t.Error("a cancelled import succeeded")
	}
	if _, err := s.ImportArchive(context.Background(), "nope", bytes.NewReader(data), int64(len(data)), ImportOptions{}); err == nil ||
		err.Error() != "no list named nope" {
		t.Errorf("unknown list: %v", err)
	}
	var r io.ReaderAt = bytes.NewReader(nil)
	if res, err := s.ImportArchive(context.Background(), "team", r, 0, ImportOptions{}); err != nil || res.Imported != 0 {
		t.Errorf("empty file: %+v %v", res, err)
	}
}

// exportDayMbox is an mbox as Python's mailbox module writes it: every
// From_ line carries the day of the export, not when the post was sent.
// The first copy of <dup@example.org> is a later re-send of the second.
const exportDayMbox = "From MAILER-DAEMON Mon Nov  2 09:00:00 2026\n" +
	"From: ann@example.org\nSubject: resent copy\nMessage-ID: <dup@example.org>\nDate: Wed, 10 Mar 2010 12:00:00 +0000\n\nagain\n\n" +
	"From MAILER-DAEMON Mon Nov  2 09:00:01 2026\n" +
	"From: bob@example.org\nSubject: Spring plans\nMessage-ID: <b@example.org>\nDate: Tue, 02 Mar 2010 08:30:00 -0500\n\nhello\n\n" +
	"From MAILER-DAEMON Mon Nov  2 09:00:02 2026\n" +
	"From: ann@example.org\nSubject: original\nMessage-ID: <dup@example.org>\nDate: Mon, 01 Mar 2010 12:00:00 +0000\n\nfirst\n\n" +
	"From MAILER-DAEMON Mon Nov  2 09:00:03 2026\n" +
	"From: cy@example.org\nSubject: no date\nMessage-ID: <c@example.org>\n\nundated\n\n" +
	"From MAILER-DAEMON Mon Nov  2 09:00:04 2026\n" +
	"From: dee@example.org\nSubject: from the future\nMessage-ID: <d@example.org>\nDate: Sat, 01 Jan 2039 00:00:00 +0000\n\nlater\n"

// TestImportDatesByDateHeader: import dated posts by their mbox From_
// line, which Python's mailbox module fills with the day of the export,
// and so kept the later copy of a duplicate Message-ID. Posts are dated
// by Date: (the From_ line when Date: is missing, unreadable or in the
// future), sorted by it, and the earliest copy of a duplicate is kept.
func TestImportDatesByDateHeader(t *testing.T) {
	s := newArchiveService(t, "old")
	res := importBytes(t, s, "old", []byte(exportDayMbox), ImportOptions{})
	if res.Imported != 4 || res.Duplicates != 1 {
		t.Fatalf("import: %+v", res)
	}
	type row struct {
		subject  string
		archived time.Time
	}
	var got []row
	s.st.View(func(tx *store.Tx) error {
		return tx.EachArchived("old", 1, 0, func(m store.ArchiveMeta, _ []byte) error {
			got = append(got, row{m.Subject, m.Archived.UTC()})
			return nil
		})
	})
	want := []row{
		{"original", time.Date(2010, 3, 1, 12, 0, 0, 0, time.UTC)},
		{"Spring plans", time.Date(2010, 3, 2, 13, 30, 0, 0, time.UTC)},
		{"no date", time.Date(2026, 11, 2, 9, 0, 3, 0, time.UTC)},
		{"from the future", time.Date(2026, 11, 2, 9, 0, 4, 0, time.UTC)},
	}
	if len(got) != len(want) {
		t.Fatalf("archived %+v", got)
	}
	for i := range want {
		if got[i].subject != want[i].subject || !got[i].archived.Equal(want[i].archived) {
			t.Errorf("post %d: %+v, want %+v", i+1, got[i], want[i])
		}
	}
}

// TestMessagesDateWithoutDateField: the API's message list showed
// "date": "0001-01-01T00:00:00Z" for a post without a Date field. A post
// the list accepted carries the Date the list gave it; a record without
// one (archived by an older version) shows when it was archived.
func TestMessagesDateWithoutDateField(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("team", "discussion", map[string]string{"ann@example.net": "member"})
	e.send("ann@example.net", "team@lists.example.org", "From: ann@example.net\r\nTo: team@lists.example.org\r\nSubject: undated\r\nMessage-ID: <u1@example.net>\r\n\r\nhi\r\n")
	old := time.Date(2019, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := e.st.Update(func(tx *store.Tx) error {
		_, err := tx.Archive("team", store.ArchiveMeta{MessageID: "old@example.net", Subject: "old", Archived: old}, []byte("Subject: old\r\n\r\nx\r\n"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ms, err := e.svc.Messages(op, "team", 0, 10)
	if err != nil || len(ms) != 2 {
		t.Fatalf("messages %+v %v", ms, err)
	}
	if !ms[0].Date.Equal(e.clock.Now()) {
		t.Errorf("the accepted post is dated %v, want %v", ms[0].Date, e.clock.Now())
	}
	if !ms[1].Date.Equal(old) {
		t.Errorf("the old record is dated %v, want %v", ms[1].Date, old)
	}
}

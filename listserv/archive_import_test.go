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
		!m.Archived.Equal(time.Date(2005, 1, 3, 10, 0, 0, 0, time.UTC)) {
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

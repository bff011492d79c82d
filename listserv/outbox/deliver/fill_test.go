package deliver

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minyan/store"
)

// fillMark is a placeholder as an alert's body carries it.
const fillMark = "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm"

func fillBody() string {
	return "From: Ann <ann@example.com>\r\nTo: test@lists.example.org\r\nSubject: [test] act\r\nMessage-ID: <2@example.com>\r\n\r\n" +
		"Call today.\r\n.dot line\r\nDone? https://lists.example.org/a/" + fillMark + "\r\nor reply.\r\n"
}

func fillOf(i int) string {
	return strings.Repeat(string(rune('a'+i)), len(fillMark))
}

// TestFillSplicedPerRecipient: each recipient's fill replaces the mark
// in its own copy (and only there), over SMTP with DKIM, and every
// signature verifies for the copy it signs.
func TestFillSplicedPerRecipient(t *testing.T) {
	s, h, lookup := startSigningWorker(t)
	var rs []store.QueuedRcpt
	for i := range 3 {
		rs = append(rs, store.QueuedRcpt{Address: addrN(i), EnvelopeFrom: "test-bounces@lists.example.org", Fill: fillOf(i)})
	}
	// A batched message: recipients with a fill still go one by one.
	enqueue(t, h.st, store.QueuedMessage{List: "test", Kind: "alert", Created: h.clock.Now(), Batch: true, Mark: fillMark}, []byte(fillBody()), rs)
	h.w.Kick()
	waitFor(t, "all delivered", func() bool { return s.deliveredCount() == 3 })
	txs := s.transactions()
	if len(txs) != 3 {
		t.Fatalf("%d transactions, want one per recipient", len(txs))
	}
	for _, tx := range txs {
		i := int(tx.Rcpts[0][1] - '0')
		verifyOne(t, tx.Data, lookup)
		if !bytes.Contains(tx.Data, []byte("/a/"+fillOf(i)+"\r\n")) {
			t.Errorf("%s: own fill missing:\n%s", tx.Rcpts[0], tx.Data)
		}
		if bytes.Contains(tx.Data, []byte(fillMark)) {
			t.Errorf("%s: the mark went out", tx.Rcpts[0])
		}
		if !bytes.Contains(tx.Data, []byte("\r\n.dot line\r\n")) {
			t.Errorf("dot line damaged")
		}
	}
}

func TestFillMaildir(t *testing.T) {
	dir := t.TempDir()
	h := startWorker(t, Relay{}, func(o *Options) { o.OutboxDir = dir })
	enqueue(t, h.st, store.QueuedMessage{List: "test", Kind: "alert", Created: h.clock.Now(), Mark: fillMark}, []byte(fillBody()),
		[]store.QueuedRcpt{{Address: "a@example.net", EnvelopeFrom: "test-bounces@lists.example.org", Fill: fillOf(1)}})
	h.w.Kick()
	var files []os.DirEntry
	waitFor(t, "the outbox file", func() bool {
		files, _ = os.ReadDir(filepath.Join(dir, "new"))
		return len(files) == 1
	})
	data, err := os.ReadFile(filepath.Join(dir, "new", files[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("/a/"+fillOf(1)+"\r\n")) || bytes.Contains(data, []byte(fillMark)) {
		t.Errorf("fill not spliced:\n%s", data)
	}
}

func TestFilledPieces(t *testing.T) {
	body := []byte("xMMyyMMz")
	marks := findMarks(body, "MM")
	if len(marks) != 2 || marks[0] != 1 || marks[1] != 5 {
		t.Fatalf("marks %v", marks)
	}
	got := bytes.Join(filled(body, marks, 2, "ab"), nil)
	if string(got) != "xabyyabz" {
		t.Errorf("filled %q", got)
	}
	if got := bytes.Join(filled(body, marks, 2, ""), nil); string(got) != string(body) {
		t.Errorf("no fill changed the body: %q", got)
	}
}

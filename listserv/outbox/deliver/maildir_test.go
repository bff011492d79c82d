package deliver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMaildirOutbox(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	h := startWorker(t, Relay{}, func(o *Options) { o.OutboxDir = dir })
	rs := personalized(3)
	h.enqueue(t, false, testBody, rs)
	waitFor(t, "an empty queue", func() bool { return h.st.QueueDepth() == 0 })

	files, err := os.ReadDir(filepath.Join(dir, "new"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("%d files in new/, want 3", len(files))
	}
	got := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, "new", f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got[string(b)] = true
	}
	for _, r := range rs {
		want := "Return-Path: <" + r.EnvelopeFrom + ">\r\nDelivered-To: " + r.Address + "\r\n" + r.Header + testBody
		if !got[want] {
			t.Errorf("no file for %s like %q", r.Address, want)
		}
	}
	if tmp, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("%d files left in tmp/", len(tmp))
	}
	if !strings.Contains(files[0].Name(), "_") {
		t.Errorf("file name %q lacks msgid_idx", files[0].Name())
	}
	waitFor(t, "the ok counter", func() bool { return h.counter(t, "ok") == 3 })
}

func TestRunRefusesBadConfig(t *testing.T) {
	st := openStore(t)
	for _, o := range []Options{
		{Store: st, Relay: Relay{Address: "127.0.0.1:25", TLS: "maybe"}},
		{Store: st},
		{Relay: Relay{Address: "127.0.0.1:25"}},
	} {
		if err := New(o).Run(t.Context()); err == nil {
			t.Errorf("Run(%+v) = nil, want an error", o)
		}
	}
}

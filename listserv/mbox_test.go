package listserv

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseFromLine(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	for _, tc := range []struct {
		line   string
		sender string
		date   time.Time
		ok     bool
	}{
		{"From alice@example.org Mon Jan  3 10:00:00 2005", "alice@example.org", utc(2005, 1, 3, 10, 0, 0), true},
		{"From alice at example.org  Mon Jan  3 10:00:00 2005", "alice at example.org", utc(2005, 1, 3, 10, 0, 0), true},
		{"From 1712345678901234567@xxx Thu Apr 04 12:34:56 +0000 2024", "1712345678901234567@xxx", utc(2024, 4, 4, 12, 34, 56), true},
		{"From 1712345678901234567@xxx Thu Apr 04 12:34:56 +0200 2024", "1712345678901234567@xxx", utc(2024, 4, 4, 10, 34, 56), true},
		{"From MAILER-DAEMON Fri Jul  8 12:08:34 2011", "MAILER-DAEMON", utc(2011, 7, 8, 12, 8, 34), true},
		{"From - Fri Jul 8 12:08:34 2011", "-", utc(2011, 7, 8, 12, 8, 34), true},
		{"From bob@example.net Tue, 4 Jan 2005 09:30:15 -0500", "bob@example.net", utc(2005, 1, 4, 14, 30, 15), true},
		{"From bob@example.net Tue Jan  4 09:30:15 EST 2005", "bob@example.net", utc(2005, 1, 4, 9, 30, 15), true},
		{"From uucp Tue Jan  4 09:30 2005 remote from host", "uucp", utc(2005, 1, 4, 9, 30, 0), true},
		{"From the desk of the organizer: hello", "", time.Time{}, false},
		{"From me to you", "", time.Time{}, false},
		{"From: alice@example.org", "", time.Time{}, false},
		{"Fromage Mon Jan  3 10:00:00 2005", "", time.Time{}, false},
	} {
		sender, date, ok := ParseFromLine(tc.line)
		if ok != tc.ok || sender != tc.sender || !date.Equal(tc.date) {
			t.Errorf("%q: got %q %v %v, want %q %v %v", tc.line, sender, date, ok, tc.sender, tc.date, tc.ok)
		}
	}
}

// readAll reads every message of an mbox.
func readAll(t *testing.T, data []byte, max int) []*MboxMessage {
	t.Helper()
	r := NewMboxReader(bytes.NewReader(data), max)
	var out []*MboxMessage
	for {
		m, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
}

func mboxFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "mbox", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMboxReaderShapes(t *testing.T) {
	// pipermail: obfuscated sender with spaces, mboxo quoting.
	ms := readAll(t, mboxFile(t, "pipermail.mbox"), 0)
	if len(ms) != 2 || ms[0].Sender != "alice at example.org" || ms[1].Line != 10 {
		t.Fatalf("pipermail: %+v", ms)
	}
	if !bytes.Contains(ms[0].Raw, []byte("\r\nFrom the notes of last session")) || bytes.Contains(ms[0].Raw, []byte(">From")) {
		t.Errorf("mboxo quoting not undone:\n%s", ms[0].Raw)
	}
	if !bytes.HasSuffix(ms[0].Raw, []byte("keep it short.\r\n")) {
		t.Errorf("separator blank line kept or line ends wrong: %q", ms[0].Raw)
	}

	// Google takeout: CRLF, a "From " line in a body, no quoting.
	data := mboxFile(t, "takeout.mbox")
	ms = readAll(t, data, 0)
	if len(ms) != 2 {
		t.Fatalf("takeout: %d messages: %+v", len(ms), ms)
	}
	if !bytes.Contains(ms[0].Raw, []byte("A body line.\r\nFrom what I heard, this line is not a separator.\r\n")) {
		t.Errorf("takeout body: %q", ms[0].Raw)
	}
	if !bytes.Contains(ms[0].Raw, []byte("\r\n")) || bytes.Contains(ms[0].Raw, []byte("\r\r")) {
		t.Errorf("takeout line ends: %q", ms[0].Raw)
	}
	if ms[1].Offset != int64(bytes.Index(data, []byte("From 1712000000000000000"))) || ms[0].End != ms[1].Offset || ms[1].End != int64(len(data)) {
		t.Errorf("offsets: %+v %+v", ms[0], ms[1])
	}

	// mboxrd quoting is undone exactly one level.
	ms = readAll(t, mboxFile(t, "mboxrd.mbox"), 0)
	if len(ms) != 2 || !bytes.Contains(ms[0].Raw, []byte("\r\nFrom here on the line was \"From here\".\r\n>From here it was \">From here\".\r\n")) {
		t.Errorf("mboxrd: %q", ms[0].Raw)
	}
}

func TestMboxReaderProblems(t *testing.T) {
	ms := readAll(t, mboxFile(t, "malformed.mbox"), 0)
	type pos struct {
		line    int
		problem string
	}
	var got []pos
	for _, m := range ms {
		got = append(got, pos{m.Line, m.Problem})
	}
	want := []pos{
		{1, "text before the first From line (is this an mbox file?)"},
		{4, ""},
		{11, "the message does not start with a header field (Name: value)"},
		{14, "the message is empty"},
		{16, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if ms[2].Offset != int64(bytes.Index(mboxFile(t, "malformed.mbox"), []byte("From nobody Mon Nov  2 11:00"))) {
		t.Errorf("offset %d", ms[2].Offset)
	}

	big := "From a@example.org Mon Jan  3 10:00:00 2005\nSubject: big\n\n" + strings.Repeat("x", 5000) + "\n\nFrom b@example.org Mon Jan  3 10:00:00 2005\nSubject: small\n\nok\n"
	ms = readAll(t, []byte(big), 1000)
	if len(ms) != 2 || ms[0].Problem != "the message is larger than 1000 bytes" || ms[0].Raw != nil || ms[1].Problem != "" {
		t.Errorf("too large: %+v", ms)
	}
}

// An mbox written by WriteMboxrd reads back to the same messages, even
// with From-lines, quoted From-lines and no final newline.
func TestMboxrdRoundTrip(t *testing.T) {
	msgs := [][]byte{
		[]byte("Subject: one\r\n\r\nFrom the start\r\n>From quoted\r\n>>From twice\r\nend\r\n"),
		[]byte("Subject: two\r\n\r\n\r\ntrailing blank lines\r\n\r\n\r\n"),
		[]byte("Subject: three\r\n\r\nFrom x@example.org Mon Jan  3 10:00:00 2005\r\nSubject: fake\r\n"),
	}
	var buf bytes.Buffer
	at := time.Date(2026, 11, 2, 15, 4, 5, 0, time.UTC)
	for _, m := range msgs {
		if err := WriteMboxrd(&buf, "a@example.org", at, m); err != nil {
			t.Fatal(err)
		}
	}
	got := readAll(t, buf.Bytes(), 0)
	if len(got) != len(msgs) {
		t.Fatalf("%d messages back:\n%s", len(got), buf.String())
	}
	for i := range msgs {
		if !bytes.Equal(got[i].Raw, msgs[i]) || !got[i].Date.Equal(at) || got[i].Sender != "a@example.org" {
			t.Errorf("message %d: %q %v, want %q", i, got[i].Raw, got[i].Date, msgs[i])
		}
	}
}

// FuzzMboxReader: any input reads without panic, positions increase, and
// every message read writes back (WriteMboxrd) and reads again the same.
func FuzzMboxReader(f *testing.F) {
	entries, _ := os.ReadDir(filepath.Join("testdata", "mbox"))
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join("testdata", "mbox", e.Name())); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("From \n\nFrom a Mon Jan  3 10:00:00 2005\r\n>From x\r\n"))
	f.Add([]byte("\n\n\nFrom a Mon Jan 3 10:00:00 2005\nA: b\n\nFrom b Mon Jan 3 10:00:00 2005\nFrom c Mon Jan 3 10:00:00 2005\nC: d\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewMboxReader(bytes.NewReader(data), 4096)
		var last int64 = -1
		for n := 0; ; n++ {
			m, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if n > len(data)+1 || m.Offset <= last || m.End < m.Offset || m.End > int64(len(data)) {
				t.Fatalf("message %d at %d..%d after %d (input %d bytes)", n, m.Offset, m.End, last, len(data))
			}
			last = m.Offset
			if m.Problem != "" {
				continue
			}
			if !bytes.HasSuffix(m.Raw, []byte("\r\n")) {
				t.Fatalf("message without final CRLF: %q", m.Raw)
			}
			var buf bytes.Buffer
			WriteMboxrd(&buf, "x@example.org", time.Unix(0, 0), m.Raw)
			again, err := NewMboxReader(&buf, 0).Next()
			if err != nil || again.Problem != "" || !bytes.Equal(again.Raw, m.Raw) {
				t.Fatalf("round trip of %q gave %+v, %v", m.Raw, again, err)
			}
		}
	})
}

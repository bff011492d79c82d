package imapd

import (
	"bytes"
	"crypto/tls"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2/imapclient"
)

// TestFetchmailSeen: fetchmail marks each message \Seen after reading
// it; the archive's messages already are, so that STORE succeeds, while
// a STORE that would change a flag is still refused. SELECT says
// READ-ONLY, so mail apps do not offer to delete.
func TestFetchmailSeen(t *testing.T) {
	ts, pw := teamServer(t)
	r, _ := dialRaw(t, ts)
	r.cmd("a1", "LOGIN alice@example.org "+pw)
	out := r.cmd("a2", "SELECT team")
	if !strings.Contains(out, "a2 OK [READ-ONLY]") || strings.Contains(out, "READ-WRITE") {
		t.Fatalf("SELECT:\n%s", out)
	}
	out = r.cmd("a3", `STORE 1 +FLAGS (\Seen)`)
	if !strings.Contains(out, `* 1 FETCH (`) || !strings.Contains(out, `FLAGS (\Seen)`) {
		t.Errorf("STORE +FLAGS \\Seen:\n%s", out)
	}
	out = r.cmd("a4", `UID STORE 1:2 +FLAGS.SILENT (\seen)`)
	if strings.Contains(out, "FETCH") {
		t.Errorf("silent STORE answered FETCH:\n%s", out)
	}
	out = r.cmd("a5", `UID STORE 2 FLAGS (\Seen)`)
	if !strings.Contains(out, `* 2 FETCH (UID 2 FLAGS (\Seen))`) {
		t.Errorf("UID STORE FLAGS \\Seen:\n%s", out)
	}
	r.cmd("a6", `STORE 1 -FLAGS (\Deleted)`)
	for tag, cmd := range map[string]string{"b1": `STORE 1 -FLAGS (\Seen)`, "b2": `STORE 1 +FLAGS (\Seen \Flagged)`, "b3": `STORE 1 FLAGS ()`} {
		r.send(tag + " " + cmd)
		if out := r.until(tag + " "); !strings.Contains(out, tag+" NO [NOPERM]") {
			t.Errorf("%s:\n%s", cmd, out)
		}
	}
	out = r.cmd("a7", "EXAMINE team")
	if !strings.Contains(out, "a7 OK [READ-ONLY]") {
		t.Errorf("EXAMINE:\n%s", out)
	}
	// A body literal that happens to contain the answer go-imap gives is
	// passed unchanged: the filter knows literals.
	ts.importMsgs(t, "team", mboxMsg{day(2026, 11, 3), "From: e@example.org\nSubject: tricky\nMessage-ID: <t@example.org>\n\nx OK [READ-WRITE] SELECT completed\nx NO [SERVERBUG] Internal server error\n"})
	r.cmd("a8", "NOOP")
	out = r.cmd("a9", "FETCH 4 (BODY[TEXT])")
	if !strings.Contains(out, "x OK [READ-WRITE] SELECT completed\r\nx NO [SERVERBUG] Internal server error\r\n") {
		t.Errorf("body literal changed:\n%s", out)
	}
}

// logBuffer collects log records above Debug.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestBadInputAnsweredAtOnce (it also shows the guard of guard.go is
// installed: without it each case waits or answers SERVERBUG with a
// warning, and go-imap upgrades that move its fields fail here): an oversized literal, an oversized
// AUTHENTICATE and a mailbox name that is not modified UTF-7 get BAD or
// NO [TOOBIG] at once (no wait for a timeout), and no warning is logged.
func TestBadInputAnsweredAtOnce(t *testing.T) {
	var logs logBuffer
	ts := startTest(t, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	ts.list(t, "team", "discussion", "alice@example.org")
	pw := ts.password(t, "alice@example.org")
	dial := func() *rawConn {
		r, _ := dialRaw(t, ts)
		return r
	}
	r := dial()
	r.send("x1 LOGIN {10000000}")
	if out := r.until("x1 "); !strings.Contains(out, "x1 NO [TOOBIG]") && !strings.Contains(out, "x1 BAD") {
		t.Errorf("LOGIN {10000000}:\n%s", out)
	}
	r.send("x2 LOGIN alice@example.org {10000000}")
	if out := r.until("x2 "); !strings.Contains(out, "x2 NO [TOOBIG]") {
		t.Errorf("LOGIN user {10000000}:\n%s", out)
	}
	// The connection still works, and the refusals were no failed logins.
	r.cmd("x3", "LOGIN alice@example.org "+pw)
	out := r.cmd("x4", `LIST "" "*"`)
	if !strings.Contains(out, `"team"`) {
		t.Errorf("LIST after:\n%s", out)
	}
	for tag, cmd := range map[string]string{"y1": `SELECT "&Jjo"`, "y2": `STATUS "&-&" (MESSAGES)`, "y3": `LIST "" "&AGE"`} {
		r.send(tag + " " + cmd)
		if out := r.until(tag + " "); !strings.Contains(out, tag+" BAD") {
			t.Errorf("%s:\n%s", cmd, out)
		}
	}
	r.send("y4 SELECT {9000}")
	if out := r.until("y4 "); !strings.Contains(out, "y4 NO [TOOBIG]") {
		t.Errorf("SELECT {9000}:\n%s", out)
	}
	r.cmd("y5", "SELECT team")

	r = dial()
	r.send("z1 AUTHENTICATE PLAIN " + strings.Repeat("A", 60000))
	if out := r.until("z1 "); !strings.Contains(out, "z1 BAD") {
		t.Errorf("oversized AUTHENTICATE:\n%s", out)
	}
	r = dial()
	r.send("z2 AUTHENTICATE PLAIN !!!notbase64")
	if out := r.until("z2 "); !strings.Contains(out, "z2 BAD") && !strings.Contains(out, "z2 NO") {
		t.Errorf("bad base64:\n%s", out)
	}
	if strings.Contains(logs.String(), "level=WARN") || strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("logged:\n%s", logs.String())
	}
}

// FuzzInFilter: whatever a client sends, the input filter never panics,
// changes nothing but oversized synchronizing literals, and passes
// literal data through untouched.
func FuzzInFilter(f *testing.F) {
	for _, s := range []string{"a LOGIN {10000000}\r\n", "a LOGIN {5}\r\nalice {3}\r\npw\r\n", "a SELECT team\r\n",
		"a APPEND x {4097+}\r\n", "{", "}\r\n{99999999999999999999}\r\n", "a SEARCH {3}\r\n{9999}\r\n"} {
		f.Add([]byte(s), 7)
	}
	f.Fuzz(func(t *testing.T, in []byte, chunk int) {
		if chunk <= 0 {
			chunk = 1
		}
		r := &inFilter{r: &chunkReader{b: in, n: chunk}}
		var out bytes.Buffer
		if _, err := out.ReadFrom(r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(in, []byte("}")) && !bytes.Equal(out.Bytes(), in) {
			t.Fatalf("changed input without literals: %q -> %q", in, out.Bytes())
		}
		if !bytes.Contains(out.Bytes(), []byte(tooBigMarker)) && !bytes.Equal(out.Bytes(), in) {
			t.Fatalf("changed without a too-big literal: %q -> %q", in, out.Bytes())
		}
	})
}

// FuzzOutFilter: answers pass unchanged except the two rewrites, and
// literal data (message bodies) is never touched, however it is split.
func FuzzOutFilter(f *testing.F) {
	for _, s := range []string{"a OK [READ-WRITE] SELECT completed\r\n", "* 1 FETCH (BODY[] {39}\r\nx OK [READ-WRITE] SELECT completed\r\n)\r\n",
		"a NO [SERVERBUG] Internal server error\r\n", "* OK x\r\n"} {
		f.Add([]byte(s), 5)
	}
	f.Fuzz(func(t *testing.T, in []byte, chunk int) {
		if chunk <= 0 {
			chunk = 1
		}
		var got bytes.Buffer
		o := &outFilter{w: &got}
		for p := in; len(p) > 0; {
			n := min(chunk, len(p))
			if w, err := o.Write(p[:n]); err != nil || w != n {
				t.Fatalf("Write = %d, %v", w, err)
			}
			p = p[n:]
		}
		// A line without its CRLF yet is held until it is complete (go-imap
		// ends every answer with one before it waits).
		got.Write(o.f.line)
		// The same stream through the filter at once gives the same
		// result: splitting never changes what is rewritten.
		var whole bytes.Buffer
		ow := &outFilter{w: &whole}
		ow.Write(in)
		whole.Write(ow.f.line)
		if !bytes.Equal(got.Bytes(), whole.Bytes()) {
			t.Fatalf("split changes output: %q vs %q", got.Bytes(), whole.Bytes())
		}
		if !bytes.Contains(in, []byte("READ-WRITE")) && !bytes.Contains(in, []byte(internalText)) && !bytes.Equal(got.Bytes(), in) {
			t.Fatalf("changed: %q -> %q", in, got.Bytes())
		}
	})
}

// chunkReader returns b in reads of at most n bytes.
type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), c.n, len(c.b))
	copy(p, c.b[:n])
	c.b = c.b[n:]
	return n, nil
}

// TestReadOnlyAfterSTARTTLS: STARTTLS replaces go-imap's reader and
// writer; the guard is back by SELECT, and over implicit TLS from the
// start.
func TestReadOnlyAfterSTARTTLS(t *testing.T) {
	cert, pool := testCert(t)
	ts := startTest(t, func(o *Options) {
		o.InsecureAuth = false
		o.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	})
	ts.list(t, "team", "discussion", "alice@example.org")
	pw := ts.password(t, "alice@example.org")
	var wire logBuffer
	c, err := imapclient.DialStartTLS(ts.addr, &imapclient.Options{TLSConfig: &tls.Config{RootCAs: pool}, DebugWriter: &wire})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("alice@example.org", pw).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("team", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if s := wire.String(); !strings.Contains(s, "OK [READ-ONLY]") || strings.Contains(s, "READ-WRITE") {
		t.Fatalf("SELECT after STARTTLS:\n%s", s)
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"minyan/store"
)

// startAdmin runs serveAdmin for app on cfg's admin socket, as runServe
// does, and stops it when the test ends.
func startAdmin(t *testing.T, cfg *Config, app *App) (stop func()) {
	t.Helper()
	ln, err := net.Listen("unix", adminSocketPath(cfg))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveAdmin(ctx, ln, app) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serveAdmin: %v", err)
			}
		case <-time.After(60 * time.Second): // only matters when broken
			t.Error("serveAdmin did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return stop
}

// cliAdmin runs an admin command the way `minyan` does: through the
// socket when a daemon answers, else directly.
func cliAdmin(t *testing.T, cfg *Config, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := runAdmin(t.Context(), cfg, args, processEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errb})
	return cliResult{code, out.String(), errb.String()}
}

func TestAdminSocketRoundTrip(t *testing.T) {
	t.Parallel()
	cfg := cliConfig(t)
	app := cliApp(t, cfg) // the daemon's App: it holds the store, so direct mode cannot work
	startAdmin(t, cfg, app)

	cliAdmin(t, cfg, "list", "create", "--title", "The Team", "team").expect(t, 0, "created list team (discussion)\n", "")
	cliAdmin(t, cfg, "member", "add", "team", "a@example.org", "bad", "b@example.org").expect(t, 1,
		"added a@example.org to team (ok)\nadded b@example.org to team (ok)\n", "minyan: \"bad\" is not an email address\n")
	cliAdmin(t, cfg, "list", "ls").expect(t, 0, "team\tdiscussion\t2\tThe Team\n", "")
	cliAdmin(t, cfg, "list", "show").expect(t, 1, "", "minyan: missing arguments\nusage: minyan list show NAME\n")
	cliAdmin(t, cfg, "list", "show", "nope").expect(t, 1, "", "minyan: no list named nope\n")
	if r := cliAdmin(t, cfg, "member", "set", "--help"); r.code != 0 || !strings.HasPrefix(r.stdout, "usage: minyan member set") {
		t.Errorf("--help over the socket: %+v", r)
	}

	// A long roster arrives whole and in order.
	var csv strings.Builder
	csv.WriteString("email,name\n")
	for i := range 2000 {
		csv.WriteString("p" + strings.Repeat("x", i%7) + "-" + strconv.Itoa(i) + "@example.org,P\n")
	}
	csv.WriteString("broken,row\n")
	path := filepath.Join(t.TempDir(), "roster.csv")
	os.WriteFile(path, []byte(csv.String()), 0o600)
	var out, errb bytes.Buffer
	prog := &recordingProgress{}
	conn, err := dialAdmin(adminSocketPath(cfg))
	if err != nil {
		t.Fatal(err)
	}
	code := runRemote(t.Context(), conn, []string{"member", "import", "team", path}, nil, &out, &errb, prog)
	conn.Close()
	if code != 1 || out.String() != "imported 2000 rows into team: 2000 new, 0 updated, 0 waitlisted; 1 bad row\n" ||
		errb.String() != "minyan: "+path+", line 2002: \"broken\" is not an email address; row skipped\n" {
		t.Errorf("import over the socket: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if got := prog.String(); !strings.HasPrefix(got, "start importing into team 2000; set 2000; finish") {
		t.Errorf("progress frames: %s", got)
	}
	roster := cliAdmin(t, cfg, "member", "ls", "team").mustOK(t)
	if n := strings.Count(roster, "\n"); n != 2002 {
		t.Errorf("member ls over the socket: %d lines", n)
	}
	ms, _ := app.Svc.Members("team")
	var want strings.Builder
	for _, m := range ms {
		want.WriteString(m.Address + "\t" + string(m.Role) + "\t" + string(m.Mode) + "\t" + string(m.Status) + "\n")
	}
	if roster != want.String() {
		t.Error("member ls over the socket differs from the store")
	}

	// Held item decided over the socket, archive exported client-side.
	cliHold(t, app, "team", "out@example.net", "from outside")
	cliAdmin(t, cfg, "held", "ls").mustOK(t)
	cliAdmin(t, cfg, "held", "approve", "1").expect(t, 0, "approved held item 1 on team from out@example.net\n", "")
	var h store.Held
	app.Store.View(func(tx *store.Tx) error { h, _ = tx.Held(1); return nil })
	if h.DecidedBy == "" || h.DecidedBy == "admin socket" {
		t.Errorf("decided by %q, want the command line's user", h.DecidedBy)
	}
	var direct bytes.Buffer
	if _, err := app.Svc.ExportArchive("team", &direct); err != nil {
		t.Fatal(err)
	}
	if got := cliAdmin(t, cfg, "archive", "export", "team").mustOK(t); got != direct.String() {
		t.Errorf("archive export over the socket:\n%s\nwant\n%s", got, direct.String())
	}
	file := filepath.Join(t.TempDir(), "team.mbox")
	cliAdmin(t, cfg, "archive", "export", "-o="+file, "team").expect(t, 0, "exported 1 message from team to "+file+"\n", "")
	if b, err := os.ReadFile(file); err != nil || string(b) != direct.String() {
		t.Errorf("exported file: %v\n%s", err, b)
	}
	r := cliAdmin(t, cfg, "archive", "export", "-o", filepath.Join(t.TempDir(), "no", "dir.mbox"), "team")
	if r.code != 1 || !strings.Contains(r.stderr, "no such file or directory") {
		t.Errorf("export into a missing directory: %+v", r)
	}
	// The approved post's deliveries plus the "Approved by" note to the
	// list's moderators.
	if r := cliAdmin(t, cfg, "queue", "ls"); r.code != 0 || strings.Count(r.stdout, "\tqueued\t") != 2003 {
		t.Errorf("queue ls over the socket: exit %d, %d lines", r.code, strings.Count(r.stdout, "\n"))
	}
	cliAdmin(t, cfg, "serve").expect(t, 1, "", "minyan: serve cannot be run through the admin socket\n")
}

// rawExchange sends raw bytes to the admin socket and returns the frames
// the daemon answers before closing.
func rawExchange(t *testing.T, cfg *Config, send []byte) []adminFrame {
	t.Helper()
	conn, err := net.Dial("unix", adminSocketPath(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	go conn.Write(send)
	var frames []adminFrame
	r := bufio.NewReader(conn)
	for {
		f, err := readFrame(r, maxOutputFrame)
		if err != nil {
			return frames
		}
		frames = append(frames, f)
	}
}

func TestAdminSocketGarbage(t *testing.T) {
	t.Parallel()
	cfg := cliConfig(t)
	app := cliApp(t, cfg)
	stop := startAdmin(t, cfg, app)

	huge := bytes.Repeat([]byte("x"), 3<<20)
	for name, in := range map[string][]byte{
		"not json":      []byte("HELO there\n"),
		"no type":       []byte("{}\n"),
		"binary":        {0, 1, 2, 0xff, 0xfe, '\n'},
		"wrong version": []byte(`{"type":"run","version":99,"args":["list","ls"]}` + "\n"),
		"wrong type":    []byte(`{"type":"file","name":"x"}` + "\n"),
		"too large":     huge,
		"args not list": []byte(`{"type":"run","version":1,"args":"list ls"}` + "\n"),
	} {
		frames := rawExchange(t, cfg, in)
		if len(frames) < 2 || frames[0].Type != "stderr" || frames[len(frames)-1].Type != "exit" || frames[len(frames)-1].Code != 1 {
			t.Errorf("%s: daemon answered %+v", name, frames)
		} else if !strings.HasPrefix(string(frames[0].Data), "minyan: ") {
			t.Errorf("%s: error text %q", name, frames[0].Data)
		}
	}
	// A client that hangs up at once, and one that sends half a frame.
	for _, in := range []string{"", `{"type":"run","vers`} {
		conn, err := net.Dial("unix", adminSocketPath(cfg))
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte(in))
		conn.Close()
	}
	// The daemon still works.
	cliAdmin(t, cfg, "list", "create", "team").expect(t, 0, "created list team (discussion)\n", "")
	cliAdmin(t, cfg, "list", "ls").expect(t, 0, "team\tdiscussion\t0\tteam\n", "")

	// A client that is asked for its file and never answers is cut off at
	// shutdown rather than holding the daemon for minutes.
	idle, err := net.Dial("unix", adminSocketPath(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	writeFrame(idle, adminFrame{Type: "run", Version: adminProtocol, Args: []string{"member", "import", "team", "x.csv"}})
	ir := bufio.NewReader(idle)
	for _, want := range []string{"hello", "read"} {
		if f, err := readFrame(ir, maxOutputFrame); err != nil || f.Type != want {
			t.Fatalf("idle client got %+v, %v; want %s", f, err, want)
		}
	}
	// Held, shutdown would wait out replyTimeout (minutes); the bound is
	// far below that and far above what a loaded machine needs.
	start := time.Now()
	stop()
	if d := time.Since(start); d > replyTimeout/5 {
		t.Errorf("shutdown took %v with an idle client", d)
	}
}

func TestAdminSocketStaleFallsBackToDirect(t *testing.T) {
	t.Parallel()
	cfg := cliConfig(t)
	ln, err := net.Listen("unix", adminSocketPath(cfg))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // a daemon that died: the socket file stays, nobody listens
	if _, err := os.Stat(adminSocketPath(cfg)); err != nil {
		t.Fatal(err)
	}
	cliAdmin(t, cfg, "list", "create", "team").expect(t, 0, "created list team (discussion)\n", "")
	cliAdmin(t, cfg, "list", "ls").expect(t, 0, "team\tdiscussion\t0\tteam\n", "")
}

func TestAdminLockedWithoutSocket(t *testing.T) {
	t.Parallel()
	cfg := cliConfig(t)
	cliApp(t, cfg) // holds the store; no socket
	r := cliAdmin(t, cfg, "list", "ls")
	if r.code != 1 || !strings.Contains(r.stderr, "is in use by another minyan process, most likely the daemon, but its admin socket "+adminSocketPath(cfg)+" does not answer") {
		t.Errorf("%+v", r)
	}
}

// fakeDaemon accepts one admin connection and plays script against it.
func fakeDaemon(t *testing.T, script func(r *bufio.Reader, c net.Conn)) net.Conn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "admin.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		if _, err := readFrame(r, maxRequestFrame); err != nil {
			return
		}
		script(r, c)
	}()
	conn, err := dialAdmin(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestAdminClientTouchesOnlyNamedFiles(t *testing.T) {
	t.Parallel()
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("s3cret"), 0o600)
	target := filepath.Join(t.TempDir(), "planted")
	replies := make(chan adminFrame, 2)
	conn := fakeDaemon(t, func(r *bufio.Reader, c net.Conn) {
		writeFrame(c, adminFrame{Type: "hello", Version: adminProtocol})
		writeFrame(c, adminFrame{Type: "read", Name: secret})
		f, _ := readFrame(r, maxFileFrame)
		replies <- f
		writeFrame(c, adminFrame{Type: "create", Name: target})
		f, _ = readFrame(r, maxFileFrame)
		replies <- f
		writeFrame(c, adminFrame{Type: "exit"})
	})
	var out, errb bytes.Buffer
	code := runRemote(t.Context(), conn, []string{"member", "import", "team", "roster.csv"}, nil, &out, &errb, noProgress{})
	if code != 0 {
		t.Errorf("exit %d: %s", code, errb.String())
	}
	read, created := <-replies, <-replies
	if read.Type != "file" || read.Error == "" || len(read.Data) != 0 {
		t.Errorf("client sent an unnamed file: %+v", read)
	}
	if created.Type != "created" || created.Error == "" {
		t.Errorf("client created an unnamed file: %+v", created)
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("planted file exists")
	}
}

func TestAdminClientDaemonTrouble(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		script  func(r *bufio.Reader, c net.Conn)
		wantErr string
	}{
		"newer daemon": {func(r *bufio.Reader, c net.Conn) {
			writeFrame(c, adminFrame{Type: "hello", Version: adminProtocol + 1})
		}, "minyan: the daemon speaks admin protocol 2, this command line 1; use the same minyan binary for both\n"},
		"dies midway": {func(r *bufio.Reader, c net.Conn) {
			writeFrame(c, adminFrame{Type: "hello", Version: adminProtocol})
			writeFrame(c, adminFrame{Type: "stdout", Data: []byte("partial\n")})
		}, "minyan: lost the connection to the daemon before the command finished (it may or may not have taken effect): EOF\n"},
		"garbage": {func(r *bufio.Reader, c net.Conn) {
			c.Write([]byte("220 mail.example.org ESMTP\r\n"))
		}, "minyan: the daemon accepted the connection but did not answer: not a protocol frame: "},
	} {
		conn := fakeDaemon(t, tc.script)
		var out, errb bytes.Buffer
		code := runRemote(t.Context(), conn, []string{"list", "ls"}, nil, &out, &errb, noProgress{})
		if code != 1 || !strings.HasPrefix(errb.String(), tc.wantErr) {
			t.Errorf("%s: exit %d, stderr %q, want %q", name, code, errb.String(), tc.wantErr)
		}
	}
}

// The frame format is plain JSON lines.
func TestAdminFrameFormat(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	writeFrame(&b, adminFrame{Type: "stdout", Data: []byte("hi\n")})
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil || m["type"] != "stdout" || m["data"] != "aGkK" || !strings.HasSuffix(b.String(), "}\n") {
		t.Errorf("frame %q", b.String())
	}
}

// FuzzReadFrame: no input makes the frame reader panic or exceed its bound.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte(`{"type":"run","version":1,"args":["list","ls"]}` + "\n"))
	f.Add([]byte(`{"type":"stdout","data":"aGkK"}` + "\n"))
	f.Add([]byte("{\"type\":1}\n"))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		fr, err := readFrame(bufio.NewReaderSize(bytes.NewReader(in), 16), 256)
		if err == nil && fr.Type == "" {
			t.Errorf("frame without type accepted from %q", in)
		}
	})
}

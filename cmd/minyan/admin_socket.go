package main

// The admin socket lets `minyan list ...` and friends run inside the
// daemon, which alone may open the bbolt file (one process per file).
//
// Protocol (version adminProtocol): newline-terminated JSON objects
// ("frames"), each with a "type"; byte payloads ("data") are base64, as
// encoding/json writes []byte.
//
//	client -> daemon  {"type":"run","version":1,"args":["member","ls","team"],"who":"alice","features":["stream"]}
//	daemon -> client  {"type":"hello","version":1}
//	daemon -> client  {"type":"stdout","data":...} / {"type":"stderr","data":...}
//	daemon -> client  {"type":"progress-start","label":L,"n":TOTAL} {"type":"progress","n":DONE} {"type":"progress-end"}
//	daemon -> client  {"type":"read","name":FILE}      client -> daemon {"type":"file","name":FILE,"data":...} or {"type":"file","name":FILE,"error":E}
//	daemon -> client  {"type":"create","name":FILE[,"keep":true]}    client -> daemon {"type":"created","name":FILE} (or with "error")
//	daemon -> client  {"type":"write","data":...}... then {"type":"commit"} (client answers {"type":"committed"}, maybe with "error") or {"type":"abort"}
//	daemon -> client  {"type":"stream","name":FILE}    client -> daemon {"type":"chunk","name":FILE,"data":...}... then {"type":"eof","name":FILE,"n":SIZE} (or with "error")
//	daemon -> client  {"type":"exit","code":N}         last frame; the daemon then closes
//
// "read" moves a whole file in one frame, up to 64 MiB (a CSV roster).
// "stream" is for files of any size (an mbox of a list's whole history):
// the client sends the file in chunks of up to 1 MiB without waiting, then
// an eof frame with the total size (or an error); the daemon spools it
// into a temporary file in DATA_DIR, removed when the command ends, which
// the command then reads at any offset. The daemon asks for a stream only
// if the run frame listed the "stream" feature (clients from before it
// get the 64 MiB "read" path instead); it reads every chunk up to the eof
// frame even when it has to give up, so the client never blocks.
//
// Files named on the command line are read and written by the client, in
// its own directory; the client only touches names that appear in the
// arguments it sent. The daemon bounds every frame it reads (1 MiB for
// the request, 64 MiB of file content), answers garbage with an error
// and an exit frame, and never lets one connection take the daemon down.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"time"
)

// adminProtocol is the version of the frames above; the client and the
// daemon must agree on it (they do when they are the same binary).
const adminProtocol = 1

// Bounds on what either side reads in one frame.
const (
	maxRequestFrame = 1 << 20
	maxFileFrame    = (maxInputFile+2)/3*4 + 64<<10    // base64 of a maximal file, plus JSON
	maxOutputFrame  = 4 << 20                          // daemon -> client
	streamChunk     = 64 << 10                         // stdout/stderr/write payload per frame
	streamChunkFile = 1 << 20                          // file bytes per chunk frame of a stream
	maxChunkFrame   = (streamChunkFile+2)/3*4 + 64<<10 // base64 of a chunk, plus JSON
)

// Time limits that keep a silent peer from pinning a connection.
const (
	requestTimeout = 10 * time.Second // from accept to the request frame
	replyTimeout   = 5 * time.Minute  // client reading and sending a file
	writeTimeout   = time.Minute      // one frame to the client
)

// adminFrame is one protocol message; unused fields stay empty.
type adminFrame struct {
	Type    string   `json:"type"`
	Version int      `json:"version,omitempty"`
	Args    []string `json:"args,omitempty"`
	Who     string   `json:"who,omitempty"`
	Name    string   `json:"name,omitempty"`
	Data    []byte   `json:"data,omitempty"`
	Error   string   `json:"error,omitempty"`
	Code    int      `json:"code,omitempty"`
	Label   string   `json:"label,omitempty"`
	N       int64    `json:"n,omitempty"`
	// Keep asks the client to refuse an existing file ("create").
	Keep bool `json:"keep,omitempty"`
	// Features are what the client supports beyond version 1 ("stream").
	Features []string `json:"features,omitempty"`
}

// featureStream is the client's support for "stream" (files of any size).
const featureStream = "stream"

// adminSocketPath is where the daemon listens: DATA_DIR/admin.sock.
func adminSocketPath(cfg *Config) string { return filepath.Join(cfg.Server.DataDir, "admin.sock") }

// errFrameTooLarge means a peer sent a frame above the bound for it.
var errFrameTooLarge = errors.New("frame too large")

// readFrame reads one frame of at most max bytes.
func readFrame(r *bufio.Reader, max int) (adminFrame, error) {
	var f adminFrame
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > max {
			return f, fmt.Errorf("%w (over %d bytes)", errFrameTooLarge, max)
		}
		line = append(line, chunk...)
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) && len(line) > 0 {
			return f, io.ErrUnexpectedEOF
		}
		return f, err
	}
	if err := json.Unmarshal(line, &f); err != nil {
		return f, fmt.Errorf("not a protocol frame: %w", err)
	}
	if f.Type == "" {
		return f, errors.New("not a protocol frame: no type")
	}
	return f, nil
}

// writeFrame sends one frame.
func writeFrame(w io.Writer, f adminFrame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode %s frame: %w", f.Type, err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// serveAdmin answers admin connections on ln with the daemon's app until
// ctx is cancelled or ln is closed, then waits for commands in flight to
// finish (idle connections are cut at once). runServe owns ln and the
// socket file.
func serveAdmin(ctx context.Context, ln net.Listener, app *App) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
	)
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for c := range conns {
			c.SetReadDeadline(time.Now()) // wake connections waiting for their client
		}
	})
	defer stop()
	defer wg.Wait()
	backoff := 5 * time.Millisecond
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return nil
			}
			app.Log.Warn("admin socket: accept failed; retrying", "err", err, "in", backoff)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return nil
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		mu.Lock()
		conns[conn] = struct{}{}
		if ctx.Err() != nil {
			conn.SetReadDeadline(time.Now())
		}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				mu.Lock()
				delete(conns, conn)
				mu.Unlock()
			}()
			handleAdminConn(ctx, conn, app)
		}()
	}
}

// handleAdminConn runs the one command a connection carries.
func handleAdminConn(ctx context.Context, conn net.Conn, app *App) {
	defer conn.Close()
	fc := &frameConn{ctx: ctx, conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}
	defer func() {
		if p := recover(); p != nil {
			app.Log.Error("admin command panicked", "panic", p, "stack", string(debug.Stack()))
			fc.finish(1, "minyan: internal error in the daemon (see its log)")
		}
	}()
	conn.SetReadDeadline(time.Now().Add(requestTimeout))
	req, err := readFrame(fc.r, maxRequestFrame)
	if err != nil {
		app.Log.Warn("admin socket: bad request", "err", err)
		fc.finish(1, fmt.Sprintf("minyan: bad admin request: %v", err))
		return
	}
	if req.Type != "run" {
		fc.finish(1, fmt.Sprintf("minyan: bad admin request: expected a run frame, got %q", req.Type))
		return
	}
	if req.Version != adminProtocol {
		fc.finish(1, fmt.Sprintf("minyan: the daemon speaks admin protocol %d but this command line sent %d; use the same minyan binary for both", adminProtocol, req.Version))
		return
	}
	conn.SetReadDeadline(time.Time{})
	if err := fc.send(adminFrame{Type: "hello", Version: adminProtocol}); err != nil {
		return
	}
	who := cell(req.Who)
	if len(who) > 100 {
		who = who[:100]
	}
	if who == "" {
		who = "admin socket"
	}
	start := time.Now()
	// Input files of any size come from the client, never from the
	// daemon's own directory: streamed if the client can, else whole.
	ctx = withFileOpener(ctx, func(name string) (inputFile, error) {
		if slices.Contains(req.Features, featureStream) {
			return fc.streamFile(name, app.Cfg.Server.DataDir)
		}
		data, err := fc.requestFile(name)
		if err != nil {
			return nil, err
		}
		return memFile{bytes.NewReader(data)}, nil
	})
	code := runCommand(ctx, app, req.Args, cmdIO{
		Stdout:     streamWriter{fc, "stdout"},
		Stderr:     streamWriter{fc, "stderr"},
		ReadFile:   fc.requestFile,
		CreateFile: fc.createFile,
		Progress:   frameProgress{fc},
		Who:        who,
	})
	app.Log.Info("admin command", "command", commandWords(req.Args), "by", who, "exit", code, "took", time.Since(start).Round(time.Millisecond))
	fc.finish(code, "")
}

// commandWords names a command for the log without its arguments
// (addresses are personal data).
func commandWords(args []string) string {
	cmd, _, err := findCommand(args)
	if err != nil || cmd == nil {
		return "?"
	}
	return cmd.name
}

// frameConn is the daemon's end of one admin connection. Output to
// stdout and stderr is coalesced into frames of up to streamChunk bytes
// (in order: switching stream flushes), so a 5,000-line roster is not
// 5,000 frames. After the first write error every send fails at once.
type frameConn struct {
	ctx  context.Context
	conn net.Conn
	r    *bufio.Reader

	mu      sync.Mutex
	pending []byte
	stream  string
	err     error
}

// send flushes buffered output and writes f.
func (c *frameConn) send(f adminFrame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.flushLocked(); err != nil {
		return err
	}
	return c.writeLocked(f)
}

// writeLocked writes one frame with a deadline; c.mu must be held.
func (c *frameConn) writeLocked(f adminFrame) error {
	if c.err != nil {
		return c.err
	}
	c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := writeFrame(c.conn, f); err != nil {
		c.err = fmt.Errorf("admin client gone: %w", err)
	}
	return c.err
}

// flushLocked sends buffered stream output; c.mu must be held.
func (c *frameConn) flushLocked() error {
	if len(c.pending) == 0 {
		return c.err
	}
	err := c.writeLocked(adminFrame{Type: c.stream, Data: c.pending})
	c.pending = c.pending[:0]
	return err
}

// writeStream buffers output for stdout or stderr.
func (c *frameConn) writeStream(stream string, p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stream != stream {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
		c.stream = stream
	}
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), streamChunk-len(c.pending))
		c.pending = append(c.pending, p[:k]...)
		p = p[k:]
		if len(c.pending) >= streamChunk {
			if err := c.flushLocked(); err != nil {
				return 0, err
			}
		}
	}
	return n, c.err
}

// finish sends an optional last error line and the exit frame.
func (c *frameConn) finish(code int, stderrLine string) {
	if stderrLine != "" {
		c.writeStream("stderr", []byte(stderrLine+"\n"))
	}
	c.send(adminFrame{Type: "exit", Code: code})
}

// exchange sends a request frame and reads the client's answer, which
// must be of type want.
func (c *frameConn) exchange(f adminFrame, want string, max int) (adminFrame, error) {
	if err := c.send(f); err != nil {
		return adminFrame{}, err
	}
	if err := c.ctx.Err(); err != nil {
		return adminFrame{}, fmt.Errorf("the daemon is shutting down: %w", err)
	}
	c.conn.SetReadDeadline(time.Now().Add(replyTimeout))
	defer c.conn.SetReadDeadline(time.Time{})
	reply, err := readFrame(c.r, max)
	if err != nil {
		return reply, fmt.Errorf("waiting for the command line to answer %s: %w", f.Type, err)
	}
	if reply.Type != want || reply.Name != f.Name {
		return reply, fmt.Errorf("the command line answered %s %q to %s %q", reply.Type, reply.Name, f.Type, f.Name)
	}
	if reply.Error != "" {
		return reply, errors.New(reply.Error)
	}
	return reply, nil
}

// requestFile is cmdIO.ReadFile over the socket: the client reads the
// file in its own directory and sends the bytes.
func (c *frameConn) requestFile(name string) ([]byte, error) {
	reply, err := c.exchange(adminFrame{Type: "read", Name: name}, "file", maxFileFrame)
	if err != nil {
		return nil, err
	}
	if len(reply.Data) > maxInputFile {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, maxInputFile>>20)
	}
	return reply.Data, nil
}

// streamFile opens an input file of any size over the socket: the client
// streams it in chunks into a temporary file in dir, which is removed
// when the returned file is closed.
func (c *frameConn) streamFile(name, dir string) (inputFile, error) {
	tmp, err := newTempFile(dir, ".import-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("spool %s: %w", name, err)
	}
	fail := func(err error) (inputFile, error) {
		tmp.Close()
		return nil, err
	}
	if err := c.send(adminFrame{Type: "stream", Name: name}); err != nil {
		return fail(err)
	}
	defer c.conn.SetReadDeadline(time.Time{})
	var werr error // a local write failure: keep reading to the eof frame
	for {
		if err := c.ctx.Err(); err != nil {
			return fail(fmt.Errorf("the daemon is shutting down: %w", err))
		}
		c.conn.SetReadDeadline(time.Now().Add(replyTimeout))
		f, err := readFrame(c.r, maxChunkFrame)
		if err != nil {
			return fail(fmt.Errorf("receiving %s from the command line: %w", name, err))
		}
		if f.Name != name || (f.Type != "chunk" && f.Type != "eof") {
			return fail(fmt.Errorf("the command line answered %s %q while sending %s", f.Type, f.Name, name))
		}
		if f.Type == "eof" {
			switch {
			case f.Error != "":
				return fail(errors.New(f.Error))
			case werr != nil:
				return fail(fmt.Errorf("spool %s: %w", name, werr))
			case f.N != tmp.size:
				return fail(fmt.Errorf("received %d bytes of %s, the command line sent %d", tmp.size, name, f.N))
			}
			return tmp, nil
		}
		if werr == nil {
			if _, werr = tmp.File.Write(f.Data); werr == nil {
				tmp.size += int64(len(f.Data))
			}
		}
	}
}

// createFile is cmdIO.CreateFile over the socket: the client creates the
// file in its own directory and writes what the command produces.
func (c *frameConn) createFile(name string, keep bool) (outputFile, error) {
	if _, err := c.exchange(adminFrame{Type: "create", Name: name, Keep: keep}, "created", maxRequestFrame); err != nil {
		return nil, err
	}
	return remoteFile{c}, nil
}

// remoteFile streams an output file to the client.
type remoteFile struct{ c *frameConn }

// Write sends p in frames of at most streamChunk bytes.
func (f remoteFile) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), streamChunk)
		if err := f.c.send(adminFrame{Type: "write", Data: p[:k]}); err != nil {
			return n - len(p), err
		}
		p = p[k:]
	}
	return n, nil
}

// Commit asks the client to move the file into place and reports whether
// it could.
func (f remoteFile) Commit() error {
	_, err := f.c.exchange(adminFrame{Type: "commit"}, "committed", maxRequestFrame)
	return err
}

// Abort tells the client to drop the partial file.
func (f remoteFile) Abort() { f.c.send(adminFrame{Type: "abort"}) }

// streamWriter is the command's stdout or stderr inside the daemon.
type streamWriter struct {
	c      *frameConn
	stream string
}

// Write buffers p for the client.
func (w streamWriter) Write(p []byte) (int, error) { return w.c.writeStream(w.stream, p) }

// frameProgress forwards progress to the client, which draws the bar on
// its own terminal.
type frameProgress struct{ c *frameConn }

// Start sends a progress-start frame.
func (p frameProgress) Start(label string, total int64) {
	p.c.send(adminFrame{Type: "progress-start", Label: label, N: total})
}

// Set sends a progress frame.
func (p frameProgress) Set(done int64) { p.c.send(adminFrame{Type: "progress", N: done}) }

// Finish sends a progress-end frame.
func (p frameProgress) Finish() { p.c.send(adminFrame{Type: "progress-end"}) }

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"strings"
	"time"
)

// errNoDaemon means nothing listens on the admin socket (no socket file,
// or a stale one left by a daemon that died), so the command may open the
// store itself.
var errNoDaemon = errors.New("no daemon is listening on the admin socket")

// helloTimeout bounds the wait for a daemon that accepted the connection
// to acknowledge the request.
const helloTimeout = 10 * time.Second

// dialAdmin connects to the daemon's admin socket. An error wrapping
// errNoDaemon means no daemon answered (no socket file, a stale one left
// by a crash, a path too long for a socket...), so the command may try
// the store itself, which tells whether a daemon holds it after all.
// Permission denied is different: a daemon runs as another user, and
// the command should be run as that user.
func dialAdmin(path string) (net.Conn, error) {
	conn, err := net.DialTimeout("unix", path, 2*time.Second)
	if err == nil {
		return conn, nil
	}
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("admin socket %s: %w (run minyan as the user the daemon runs as)", path, err)
	}
	return nil, fmt.Errorf("%w: %v", errNoDaemon, err)
}

// remoteClient is the command line's end of an admin connection: it sends
// the command, prints what the daemon streams back and serves the
// daemon's requests for files named on the command line.
type remoteClient struct {
	conn   net.Conn
	r      *bufio.Reader
	args   []string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	prog   progressReporter
	out    *localFile // the output file being written, if any
	outErr error      // first error writing it
}

// runRemote runs args in the daemon behind conn and returns the exit
// status the daemon reports.
func runRemote(ctx context.Context, conn net.Conn, args []string, stdin io.Reader, stdout, stderr io.Writer, prog progressReporter) int {
	c := &remoteClient{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), args: args,
		stdin: stdin, stdout: stdout, stderr: stderr, prog: prog}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer c.prog.Finish()
	defer func() {
		if c.out != nil {
			c.out.Abort()
		}
	}()
	code, err := c.run()
	if err != nil {
		c.prog.Finish()
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted; the daemon may still finish the command: %w", ctx.Err())
		}
		return reportError(stderr, err)
	}
	return code
}

// run does the exchange; an error means the conversation broke down.
func (c *remoteClient) run() (int, error) {
	run := adminFrame{Type: "run", Version: adminProtocol, Args: c.args, Who: currentUser(), Features: []string{featureStream}}
	if err := writeFrame(c.conn, run); err != nil {
		return 1, fmt.Errorf("sending the command to the daemon: %w", err)
	}
	c.conn.SetReadDeadline(time.Now().Add(helloTimeout))
	f, err := readFrame(c.r, maxOutputFrame)
	if err != nil {
		return 1, fmt.Errorf("the daemon accepted the connection but did not answer: %w", err)
	}
	c.conn.SetReadDeadline(time.Time{})
	if f.Type != "hello" {
		// An old or confused daemon explains itself on stderr, then exits.
		if code, done, err := c.handle(f); done || err != nil {
			return code, err
		}
		return 1, fmt.Errorf("the daemon answered %q instead of hello", f.Type)
	}
	if f.Version != adminProtocol {
		return 1, fmt.Errorf("the daemon speaks admin protocol %d, this command line %d; use the same minyan binary for both", f.Version, adminProtocol)
	}
	for {
		f, err := readFrame(c.r, maxOutputFrame)
		if err != nil {
			return 1, fmt.Errorf("lost the connection to the daemon before the command finished (it may or may not have taken effect): %w", err)
		}
		code, done, err := c.handle(f)
		if done || err != nil {
			return code, err
		}
	}
}

// handle acts on one frame from the daemon; done is set by the exit frame.
func (c *remoteClient) handle(f adminFrame) (code int, done bool, err error) {
	switch f.Type {
	case "stdout":
		c.stdout.Write(f.Data)
	case "stderr":
		c.stderr.Write(f.Data)
	case "progress-start":
		c.prog.Start(f.Label, f.N)
	case "progress":
		c.prog.Set(f.N)
	case "progress-end":
		c.prog.Finish()
	case "read":
		reply := adminFrame{Type: "file", Name: f.Name}
		if !allowedName(c.args, f.Name) {
			reply.Error = fmt.Sprintf("%s was not named on the command line", f.Name)
		} else if data, err := readLocalFile(f.Name, c.stdin); err != nil {
			reply.Error = err.Error()
		} else {
			reply.Data = data
		}
		return 0, false, writeFrame(c.conn, reply)
	case "stream":
		return 0, false, c.stream(f.Name)
	case "create":
		reply := adminFrame{Type: "created", Name: f.Name}
		switch {
		case !allowedName(c.args, f.Name):
			reply.Error = fmt.Sprintf("%s was not named on the command line", f.Name)
		case c.out != nil:
			reply.Error = "only one output file at a time"
		default:
			out, err := createLocalFile(f.Name, f.Keep)
			if err != nil {
				reply.Error = err.Error()
			}
			c.out, c.outErr = out, nil
		}
		return 0, false, writeFrame(c.conn, reply)
	case "write":
		if c.out != nil && c.outErr == nil {
			_, c.outErr = c.out.Write(f.Data)
		}
	case "commit":
		reply := adminFrame{Type: "committed"}
		switch {
		case c.out == nil:
			reply.Error = "no output file is open"
		case c.outErr != nil:
			c.out.Abort()
			reply.Error = fmt.Sprintf("write %s: %v", c.out.name, c.outErr)
		default:
			if err := c.out.Commit(); err != nil {
				reply.Error = err.Error()
			}
		}
		c.out = nil
		return 0, false, writeFrame(c.conn, reply)
	case "abort":
		if c.out != nil {
			c.out.Abort()
			c.out = nil
		}
	case "exit":
		return f.Code, true, nil
	}
	// Unknown frame types are ignored, so a newer daemon can add some.
	return 0, false, nil
}

// allowedName tells whether the daemon may have the client read or write
// name: only files the user named on the command line, as an argument or
// a flag value (-o FILE, -o=FILE).
func allowedName(args []string, name string) bool {
	if name == "" {
		return false
	}
	for _, a := range args {
		if a == name || (strings.HasPrefix(a, "-") && strings.HasSuffix(a, "="+name)) {
			return true
		}
	}
	return false
}

// stream sends a file named on the command line to the daemon in chunks
// (see "stream" in admin_socket.go), showing a progress bar for big ones.
// Only a failure to write to the daemon is an error; a file that cannot
// be read is reported to the daemon in the eof frame.
func (c *remoteClient) stream(name string) error {
	eof := adminFrame{Type: "eof", Name: name}
	if !allowedName(c.args, name) {
		eof.Error = fmt.Sprintf("%s was not named on the command line", name)
		return writeFrame(c.conn, eof)
	}
	var r io.Reader = c.stdin
	var size int64 = -1
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			eof.Error = err.Error()
			return writeFrame(c.conn, eof)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			if st.IsDir() {
				eof.Error = name + " is a directory"
				return writeFrame(c.conn, eof)
			}
			size = st.Size()
		}
		r = f
	}
	if r == nil {
		r = strings.NewReader("")
	}
	if size > 4*streamChunkFile {
		c.prog.Start("sending "+name, size)
		defer c.prog.Finish()
	}
	buf := make([]byte, streamChunkFile)
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if werr := writeFrame(c.conn, adminFrame{Type: "chunk", Name: name, Data: buf[:n]}); werr != nil {
				return werr
			}
			eof.N += int64(n)
			if size > 4*streamChunkFile {
				c.prog.Set(eof.N)
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			eof.Error = fmt.Sprintf("read %s: %v", name, err)
			break
		}
	}
	return writeFrame(c.conn, eof)
}

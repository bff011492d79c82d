package imapd

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"reflect"
	"strconv"
	"sync"
	"unsafe"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
)

// go-imap (v2 beta) answers a few things wrongly, and nothing in its API
// lets a backend change them:
//
//   - SELECT always says [READ-WRITE], though the archive refuses every
//     write; mail apps then offer to delete and fail on saving flags.
//   - input it cannot decode (a mailbox name that is not valid modified
//     UTF-7, bad base64 in AUTHENTICATE, a line over its size limit) is
//     answered NO [SERVERBUG] "Internal server error", with a warning.
//   - a synchronizing literal over its 4096-byte limit ("LOGIN
//     {10000000}") is never answered: it waits for the client to send
//     data the client waits for permission to send, until the timeout.
//
// The guard fixes these on the connection's own buffered reader and
// writer (go-imap offers no hook, so they are found by reflection and
// TestGuardInstalls fails if an upgrade moves them): the writer turns
// [READ-WRITE] into [READ-ONLY] and the library's own "Internal server
// error" into BAD [CLIENTBUG] (the session never uses that text: see
// internal); the reader replaces an oversized synchronizing literal by a
// small one holding tooBigMarker, which the session answers with NO
// [TOOBIG] at once.
//
// STARTTLS replaces both with the TLS connection; the guard is put back
// at LOGIN, SELECT and EXAMINE, so it misses only what a client sends
// between STARTTLS and logging in.

// maxLiteral is go-imap's limit for literals it holds in memory.
const maxLiteral = 4096

// tooBigMarker stands in for a literal the client announced as too big.
const tooBigMarker = "minyan:literal-too-big"

// errTooBig answers a command that carried tooBigMarker.
var errTooBig = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTooBig,
	Text: fmt.Sprintf("a literal may hold at most %d bytes here", maxLiteral)}

// internalText is the text go-imap gives errors it does not know; the
// session wraps its own errors (internal) so it never says this.
const internalText = "Internal server error"

// internal wraps a server-side failure as the session's own answer.
func internal(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*imap.Error); ok {
		return err
	}
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeServerBug,
		Text: "the archive could not be read just now; please try again"}
}

var (
	readerType = reflect.TypeOf((*bufio.Reader)(nil))
	writerType = reflect.TypeOf((*bufio.Writer)(nil))
)

// bufioOf finds the buffered reader and writer of a go-imap connection.
func bufioOf(c *imapserver.Conn) (*bufio.Reader, *bufio.Writer, bool) {
	if c == nil {
		return nil, nil, false
	}
	v := reflect.ValueOf(c).Elem()
	fr, fw := v.FieldByName("br"), v.FieldByName("bw")
	if !fr.IsValid() || !fw.IsValid() || fr.Type() != readerType || fw.Type() != writerType {
		return nil, nil, false
	}
	br := *(**bufio.Reader)(unsafe.Pointer(fr.UnsafeAddr()))
	bw := *(**bufio.Writer)(unsafe.Pointer(fw.UnsafeAddr()))
	return br, bw, br != nil && bw != nil
}

// guard is a session's record of where its filters are installed.
type guard struct {
	inFor, outFor net.Conn
}

// install puts the filters on the connection's current reader and
// writer, where they are missing and nothing is buffered; false when
// go-imap's internals are not as expected.
func (g *guard) install(c *imapserver.Conn) bool {
	br, bw, ok := bufioOf(c)
	if !ok {
		return false
	}
	nc := c.NetConn()
	if g.inFor != nc && br.Buffered() == 0 {
		br.Reset(&inFilter{r: nc})
		g.inFor = nc
	}
	if g.outFor != nc && bw.Buffered() == 0 {
		bw.Reset(&outFilter{w: nc})
		g.outFor = nc
	}
	return true
}

// lineFilter splits a stream into protocol lines and the literals they
// announce ("{N}" or "{N+}" at the end of a line, N bytes follow).
type lineFilter struct {
	line []byte
	lit  int64 // literal bytes still to pass through
}

// maxHeld bounds a line held back for inspection; longer ones pass on.
const maxHeld = 64 << 10

// feed runs p through the filter, calling emit for pass-through bytes and
// onLine for each complete line (which returns what to emit instead).
func (f *lineFilter) feed(p []byte, emit func([]byte), onLine func([]byte) []byte) {
	for len(p) > 0 {
		if f.lit > 0 {
			n := int64(len(p))
			if n > f.lit {
				n = f.lit
			}
			emit(p[:n])
			p, f.lit = p[n:], f.lit-n
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			f.line = append(f.line, p...)
			if len(f.line) > maxHeld {
				emit(f.line)
				f.line = f.line[:0]
			}
			return
		}
		f.line = append(f.line, p[:i+1]...)
		p = p[i+1:]
		out := onLine(f.line)
		emit(out)
		if n, _, ok := literalAt(out); ok {
			f.lit = n
		}
		f.line = f.line[:0]
	}
}

// literalAt reads a literal announcement at the end of a line.
func literalAt(line []byte) (n int64, nonSync bool, ok bool) {
	l := bytes.TrimRight(line, "\r\n")
	if len(l) == 0 || l[len(l)-1] != '}' {
		return 0, false, false
	}
	open := bytes.LastIndexByte(l, '{')
	if open < 0 {
		return 0, false, false
	}
	num := l[open+1 : len(l)-1]
	if bytes.HasSuffix(num, []byte("+")) || bytes.HasSuffix(num, []byte("-")) {
		num, nonSync = num[:len(num)-1], true
	}
	v, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil || v < 0 {
		return 0, false, false
	}
	return v, nonSync, true
}

// inFilter replaces oversized synchronizing literals (see the top).
type inFilter struct {
	r   io.Reader
	f   lineFilter
	out []byte
	buf [4096]byte
}

func (in *inFilter) Read(p []byte) (int, error) {
	for len(in.out) == 0 {
		n, err := in.r.Read(in.buf[:])
		in.f.feed(in.buf[:n], func(b []byte) { in.out = append(in.out, b...) }, in.line)
		if err != nil {
			// The connection ended (or failed) mid-line: pass on what
			// there is, then the error.
			in.out = append(in.out, in.f.line...)
			in.f.line = in.f.line[:0]
		}
		if err != nil && len(in.out) == 0 {
			return 0, err
		}
		if err != nil {
			break
		}
	}
	n := copy(p, in.out)
	in.out = in.out[n:]
	return n, nil
}

func (in *inFilter) line(l []byte) []byte {
	n, nonSync, ok := literalAt(l)
	if !ok || nonSync || n <= maxLiteral {
		return l
	}
	open := bytes.LastIndexByte(l, '{')
	repl := fmt.Sprintf("{%d+}\r\n%s", len(tooBigMarker), tooBigMarker)
	out := append(append([]byte{}, l[:open]...), repl...)
	// The command ends here: the client waits for a go-ahead that never
	// comes, so nothing of the rest of it follows.
	return append(out, "\r\n"...)
}

// outFilter rewrites the answers named at the top.
type outFilter struct {
	mu sync.Mutex
	w  io.Writer
	f  lineFilter
	b  []byte
}

func (o *outFilter) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.b = o.b[:0]
	o.f.feed(p, func(b []byte) { o.b = append(o.b, b...) }, rewriteAnswer)
	if len(o.b) > 0 {
		if _, err := o.w.Write(o.b); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

var (
	readWrite     = []byte(" OK [READ-WRITE] ")
	readOnly      = []byte(" OK [READ-ONLY] ")
	libInternal   = []byte(" NO [SERVERBUG] " + internalText + "\r\n")
	clientBugText = []byte(" BAD [CLIENTBUG] the command could not be read: a mailbox name that is not valid modified UTF-7, bad base64, or a line too long\r\n")
)

// rewriteAnswer fixes a tagged answer line; others pass unchanged.
func rewriteAnswer(l []byte) []byte {
	if bytes.HasPrefix(l, []byte("* ")) || bytes.HasPrefix(l, []byte("+")) {
		return l
	}
	sp := bytes.IndexByte(l, ' ')
	if sp <= 0 {
		return l
	}
	rest := l[sp:]
	switch {
	case bytes.HasPrefix(rest, readWrite):
		return append(append(append([]byte{}, l[:sp]...), readOnly...), rest[len(readWrite):]...)
	case bytes.Equal(rest, libInternal):
		return append(append([]byte{}, l[:sp]...), clientBugText...)
	}
	return l
}

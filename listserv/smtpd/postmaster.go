package smtpd

import (
	"bytes"
	"strconv"
	"sync"
)

// RFC 5321 §4.5.1 requires a server to accept "RCPT TO:<Postmaster>",
// without a domain. go-smtp's path parser insists on local@domain and
// answers 501 before minyan sees the command, and offers no hook, so
// rcptFilter reads the client's bytes on their way to go-smtp and turns
// exactly that command into "RCPT TO:<Postmaster@DOMAIN>". It follows
// the conversation far enough to touch only command lines: after a DATA
// that was answered 354 it passes everything through up to the "." line,
// and after "BDAT n" it passes the n bytes of the chunk through. After
// STARTTLS the bytes are no longer plain text and the filter stops.

// filterMode is where in the conversation the client's bytes are.
type filterMode int

const (
	modeCommand     filterMode = iota // command lines
	modeDataPending                   // DATA sent, its answer not yet written
	modeData                          // message text up to the "." line
	modeChunk                         // the bytes of a BDAT chunk
	modeOff                           // after STARTTLS: not ours to read
)

// maxHeldLine bounds a command line held back until its end; a longer
// one is passed on as it comes (go-smtp answers it).
const maxHeldLine = 1024

// rcptFilter rewrites bare postmaster recipients. Read and the replies
// (written) come from the connection's one goroutine; the mutex covers
// a Write from elsewhere (a shutdown).
type rcptFilter struct {
	mu     sync.Mutex
	domain string
	mode   filterMode
	// line is the command line read so far (held back in command mode).
	line []byte
	// holding is false while an overlong command line is passed through.
	holding bool
	// chunk is how many bytes of a BDAT chunk are still to come.
	chunk int64
	// dataLine is the length of the current message line so far, and
	// dot tells whether it is "." so far.
	dataLine int
	dot      bool
}

func newRcptFilter(domain string) *rcptFilter {
	return &rcptFilter{domain: domain, holding: true}
}

// feed filters in (bytes read from the client) and returns what go-smtp
// should read; held-back bytes of an unfinished command line come later.
func (f *rcptFilter) feed(in []byte) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []byte
	for len(in) > 0 {
		switch f.mode {
		case modeOff:
			return append(out, in...)
		case modeChunk:
			n := int64(len(in))
			if n > f.chunk {
				n = f.chunk
			}
			out = append(out, in[:n]...)
			in = in[n:]
			if f.chunk -= n; f.chunk == 0 {
				f.mode = modeCommand
			}
		case modeData, modeDataPending:
			n := f.scanData(in)
			out = append(out, in[:n]...)
			in = in[n:]
		case modeCommand:
			nl := bytes.IndexByte(in, '\n')
			if nl < 0 {
				if f.holding && len(f.line)+len(in) <= maxHeldLine {
					f.line = append(f.line, in...)
					return out
				}
				out = append(out, f.line...)
				out = append(out, in...)
				f.line, f.holding = f.line[:0], false
				return out
			}
			if !f.holding {
				// The end of an overlong line: passed on, not a command
				// this filter acts on.
				out = append(out, in[:nl+1]...)
				in = in[nl+1:]
				f.holding = true
				continue
			}
			f.line = append(f.line, in[:nl+1]...)
			in = in[nl+1:]
			out = append(out, f.command(f.line)...)
			f.line = f.line[:0]
		}
	}
	return out
}

// scanData passes message text through, watching for the "." line that
// ends it, and returns how many bytes of in belong to the text. Before
// the 354 a client sends nothing; if it does, nothing is touched.
func (f *rcptFilter) scanData(in []byte) int {
	for i, c := range in {
		switch {
		case c == '\n':
			end := f.dot && f.mode == modeData
			f.dataLine, f.dot = 0, false
			if end {
				f.mode = modeCommand
				return i + 1
			}
		case c == '\r':
		default:
			f.dot = f.dataLine == 0 && c == '.'
			f.dataLine++
		}
	}
	return len(in)
}

// command looks at one complete command line, sets the mode that
// follows it and returns the line to pass on.
func (f *rcptFilter) command(line []byte) []byte {
	text := bytes.TrimRight(line, "\r\n")
	verb, arg, _ := bytes.Cut(bytes.TrimSpace(text), []byte(" "))
	switch string(bytes.ToUpper(verb)) {
	case "DATA":
		f.mode, f.dataLine, f.dot = modeDataPending, 0, false
	case "BDAT":
		sizeText, _, _ := bytes.Cut(bytes.TrimSpace(arg), []byte(" "))
		if n, err := strconv.ParseInt(string(sizeText), 10, 64); err == nil && n > 0 {
			f.mode, f.chunk = modeChunk, n
		}
	case "STARTTLS":
		f.mode = modeOff
	case "RCPT":
		return f.qualify(line)
	}
	return line
}

// qualify turns "RCPT TO:<Postmaster>" (any case, spaces after the
// colon, parameters after the path) into one naming the domain.
func (f *rcptFilter) qualify(line []byte) []byte {
	const prefix = "RCPT TO:"
	if len(line) < len(prefix) || !bytes.EqualFold(line[:len(prefix)], []byte(prefix)) {
		return line
	}
	rest := line[len(prefix):]
	pad := len(rest) - len(bytes.TrimLeft(rest, " "))
	const bare = "<postmaster>"
	path := rest[pad:]
	if len(path) < len(bare) || !bytes.EqualFold(path[:len(bare)], []byte(bare)) {
		return line
	}
	out := make([]byte, 0, len(line)+len(f.domain)+1)
	out = append(out, line[:len(prefix)+pad+len(bare)-1]...)
	out = append(out, '@')
	out = append(out, f.domain...)
	return append(out, path[len(bare)-1:]...)
}

// replied tells the filter an answer went out: the answer to DATA says
// whether message text follows.
func (f *rcptFilter) replied(p []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.mode != modeDataPending {
		return
	}
	if bytes.HasPrefix(p, []byte("354")) {
		f.mode = modeData
	} else {
		f.mode = modeCommand
	}
}

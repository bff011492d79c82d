package listserv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"minyan/listserv/rewrite"
	"net/mail"
	"strings"
	"time"

	"minyan/store"
)

// ExportArchive writes a list's archive as mboxrd (RFC 4155 with
// ">From " quoting that can be undone exactly), oldest first. Lines are
// LF-terminated, as mbox readers expect.
func (s *Service) ExportArchive(list string, w io.Writer) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	err := s.st.View(func(tx *store.Tx) error {
		if _, err := tx.List(list); err != nil {
			return err
		}
		return tx.EachArchived(list, 1, 0, func(m store.ArchiveMeta, raw []byte) error {
			n++
			return WriteMboxrd(bw, m.From, m.Archived, raw)
		})
	})
	if err != nil {
		return n, notFoundText(err, "no list named "+list)
	}
	return n, bw.Flush()
}

// WriteMboxrd appends one message in mboxrd form: a From_ line, the
// message with LF line ends and ^>*From  lines quoted, a blank line.
// MboxReader gives back the same bytes for any message it produced.
func WriteMboxrd(w io.Writer, from string, at time.Time, raw []byte) error {
	if from == "" {
		from = "MAILER-DAEMON"
	}
	if _, err := fmt.Fprintf(w, "From %s %s\n", from, at.UTC().Format(time.ANSIC)); err != nil {
		return err
	}
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		// CRLF becomes LF, unless the line's text itself ends in CR: that
		// CR must survive the reader, which drops one CR before LF.
		if t := bytes.TrimSuffix(line, []byte("\r")); !bytes.HasSuffix(t, []byte("\r")) {
			line = t
		}
		if isFromLine(line) {
			if _, err := w.Write([]byte(">")); err != nil {
				return err
			}
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
		if _, err := w.Write([]byte("\n")); err != nil {
			return err
		}
	}
	_, err := w.Write([]byte("\n"))
	return err
}

// isFromLine matches ^>*From , the lines mboxrd quotes.
func isFromLine(line []byte) bool {
	line = bytes.TrimLeft(line, ">")
	return bytes.HasPrefix(line, []byte("From "))
}

// Reading mbox files (RFC 4155 and its dialects). One reader takes every
// shape an existing list's history comes in:
//
//   - mboxrd (minyan's own export, Thunderbird, mutt): body lines matching
//     ^>+From  are quoted with one more '>', undone exactly;
//   - mboxo (Mailman 2's pipermail, older tools): only ^From  is quoted as
//     >From ; unquoting one '>' is right for those lines too;
//   - Google Groups / Gmail takeout: From_ lines such as
//     "From 1712345678901234567@xxx Thu Apr 04 12:34:56 +0000 2024", CRLF or
//     LF line ends, sometimes unquoted "From " lines in bodies;
//   - pipermail's public archives: "From alice at example.org  Mon Jan  3
//     10:00:00 2005" (an obfuscated sender with spaces).
//
// A line starts a new message when it begins with "From ", the rest ends
// in a date in one of the usual From_ formats (asctime, with or without a
// zone, or RFC 5322), and either the line before it is blank or the line
// after it is a header field. That keeps an unquoted "From the desk of
// ..." in a body inside its message. The first line of the file is a
// separator whenever it starts with "From ", date or not.
//
// Messages come out with CRLF line ends (as mail is stored and served
// over IMAP), the blank line that separates them from the next From_ line
// removed and one level of From-quoting undone, so that writing them back
// with WriteMboxrd gives the same file.

// MboxMessage is one message an MboxReader found, with where it was.
type MboxMessage struct {
	// Line is the 1-based line of its From_ line and Offset that line's
	// byte offset; End is the offset just past the message (where the
	// next From_ line starts).
	Line        int
	Offset, End int64
	// Sender and Date are read from the From_ line; Date is zero when the
	// line has none. Date is in UTC.
	Sender string
	Date   time.Time
	// Raw is the message, unquoted, with CRLF line ends; nil when Problem
	// is set.
	Raw []byte
	// Problem says why the message cannot be archived ("" if it can).
	Problem string
}

// MboxReader reads the messages of an mbox file one at a time, holding
// only the current message in memory (and not even that beyond max bytes).
type MboxReader struct {
	br      *bufio.Reader
	max     int
	off     int64 // offset of the next line to read from br
	lineNo  int   // lines read from br
	queue   []mboxLine
	started bool
	err     error
}

// mboxLine is one line without its line end (one trailing CR removed);
// text is cut at the reader's max+1 bytes (too long for any message).
type mboxLine struct {
	text  []byte
	off   int64
	no    int
	ended bool // a newline ended it (false only for the last line)
}

// NewMboxReader reads from r. Messages larger than maxBytes (0: no
// limit) are reported with a Problem instead of being held in memory.
func NewMboxReader(r io.Reader, maxBytes int) *MboxReader {
	if maxBytes <= 0 {
		maxBytes = int(^uint(0) >> 2)
	}
	return &MboxReader{br: bufio.NewReaderSize(r, 64<<10), max: maxBytes}
}

// reset makes r read a new input from its start, keeping its buffer (an
// import reads 100,000 messages one section at a time).
func (r *MboxReader) reset(src io.Reader) {
	r.br.Reset(src)
	r.off, r.lineNo, r.queue, r.started, r.err = 0, 0, r.queue[:0], false, nil
}

// readLine reads the next physical line from br.
func (r *MboxReader) readLine() (mboxLine, bool) {
	if r.err != nil {
		return mboxLine{}, false
	}
	l := mboxLine{off: r.off}
	n := 0
	for {
		chunk, err := r.br.ReadSlice('\n')
		n += len(chunk)
		if room := r.max + 1 - len(l.text); room > 0 {
			l.text = append(l.text, chunk[:min(len(chunk), room)]...)
		}
		if err == nil {
			l.ended = true
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		r.err = err
		if n == 0 {
			return mboxLine{}, false
		}
		break
	}
	r.off += int64(n)
	r.lineNo++
	l.no = r.lineNo
	if l.ended && len(l.text) > 0 && l.text[len(l.text)-1] == '\n' {
		l.text = l.text[:len(l.text)-1]
	}
	l.text = bytes.TrimSuffix(l.text, []byte("\r"))
	return l, true
}

// peek returns the i-th line ahead without consuming it.
func (r *MboxReader) peek(i int) (mboxLine, bool) {
	for len(r.queue) <= i {
		l, ok := r.readLine()
		if !ok {
			return mboxLine{}, false
		}
		r.queue = append(r.queue, l)
	}
	return r.queue[i], true
}

// take consumes the line peek(0) returned.
func (r *MboxReader) take() mboxLine {
	l := r.queue[0]
	r.queue = r.queue[1:]
	return l
}

// isSeparator decides whether the line at peek(0) starts a message;
// prevBlank tells whether the line before it was blank.
func (r *MboxReader) isSeparator(prevBlank bool) bool {
	l, _ := r.peek(0)
	if !bytes.HasPrefix(l.text, []byte("From ")) {
		return false
	}
	if _, _, ok := ParseFromLine(string(l.text)); !ok {
		return false
	}
	if prevBlank {
		return true
	}
	next, ok := r.peek(1)
	return ok && rewrite.IsFieldLine(next.text)
}

// Next returns the next message, or io.EOF after the last one. Text
// before the first From_ line comes back as a message with a Problem.
// Read errors of the underlying reader are returned as they are.
func (r *MboxReader) Next() (*MboxMessage, error) {
	first := !r.started
	r.started = true
	if first {
		// Blank lines before the first From_ line are harmless.
		for {
			l, ok := r.peek(0)
			if !ok {
				return nil, r.endErr()
			}
			if len(bytes.TrimSpace(l.text)) > 0 {
				break
			}
			r.take()
		}
	}
	head, ok := r.peek(0)
	if !ok {
		return nil, r.endErr()
	}
	m := &MboxMessage{Line: head.no, Offset: head.off}
	if first && !bytes.HasPrefix(head.text, []byte("From ")) {
		m.Problem = "text before the first From line (is this an mbox file?)"
	} else {
		r.take()
		m.Sender, m.Date, _ = ParseFromLine(string(head.text))
	}
	var (
		buf       []byte
		size      int
		lastBlank bool
		nonBlank  bool
		firstLine []byte
		tooBig    bool
	)
	for {
		l, ok := r.peek(0)
		if !ok {
			break
		}
		if r.isSeparator(lastBlank || !nonBlank) {
			break
		}
		r.take()
		text := l.text
		if isFromLine(text) && text[0] == '>' {
			text = text[1:]
		}
		blank := len(text) == 0
		if !blank && !nonBlank {
			firstLine = append([]byte(nil), text...)
		}
		nonBlank = nonBlank || !blank
		lastBlank = blank
		size += len(text) + 2
		if size > r.max {
			tooBig = true
			buf = nil
			continue
		}
		buf = append(buf, text...)
		buf = append(buf, '\r', '\n')
	}
	if r.err != nil && !errors.Is(r.err, io.EOF) {
		return nil, r.err
	}
	if next, ok := r.peek(0); ok {
		m.End = next.off
	} else {
		m.End = r.off
	}
	if lastBlank && !tooBig {
		buf = buf[:len(buf)-2] // the blank line before the next From_ line
	}
	switch {
	case m.Problem != "":
	case tooBig:
		m.Problem = fmt.Sprintf("the message is larger than %d bytes", r.max)
	case !nonBlank:
		m.Problem = "the message is empty"
	case !rewrite.IsFieldLine(firstLine):
		m.Problem = "the message does not start with a header field (Name: value)"
	default:
		m.Raw = buf
	}
	return m, nil
}

// endErr is io.EOF at the end of input, else the read error.
func (r *MboxReader) endErr() error {
	if r.err == nil || errors.Is(r.err, io.EOF) {
		return io.EOF
	}
	return r.err
}

// fromDateLayouts are the date formats found at the end of From_ lines,
// with runs of spaces already collapsed to one.
var fromDateLayouts = []string{
	"Mon Jan 2 15:04:05 2006",       // asctime (ANSIC), the classic
	"Mon Jan 2 15:04:05 -0700 2006", // Gmail / Google takeout
	"Mon Jan 2 15:04:05 MST 2006",   // date(1) style
	"Mon Jan 2 15:04:05 2006 -0700",
	"Mon Jan 2 15:04:05 MST -0700 2006",
	"Mon Jan 2 15:04 2006",
	"Mon Jan 2 15:04:05.000000 2006",
}

// ParseFromLine reads an mbox From_ line ("From SENDER DATE"): the sender
// may contain spaces (pipermail writes "alice at example.org"), the date
// is any of the usual formats, a UUCP " remote from HOST" tail is
// ignored. ok is false when the line has no date this reader knows. The
// date is returned in UTC; a date without a zone is taken as UTC.
func ParseFromLine(line string) (sender string, date time.Time, ok bool) {
	rest, found := strings.CutPrefix(line, "From ")
	if !found || !strings.Contains(rest, ":") {
		return "", time.Time{}, false
	}
	if i := strings.Index(rest, " remote from "); i >= 0 {
		rest = rest[:i]
	}
	fields := strings.Fields(rest)
	if len(fields) > 24 {
		return "", time.Time{}, false
	}
	for k := 0; k < len(fields); k++ {
		if t, ok := parseFromDate(strings.Join(fields[k:], " ")); ok {
			return strings.Join(fields[:k], " "), t, true
		}
	}
	return "", time.Time{}, false
}

// parseFromDate tries the From_ line layouts, then RFC 5322 dates.
func parseFromDate(s string) (time.Time, bool) {
	if len(s) < 15 || len(s) > 64 {
		return time.Time{}, false
	}
	for _, layout := range fromDateLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), true
		}
	}
	if s[0] >= 'A' && s[0] <= 'Z' || s[0] >= '0' && s[0] <= '9' {
		if t, err := mail.ParseDate(s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

package rewrite

import (
	"bufio"
	"bytes"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"
)

// Parse validates an inbound message and parses what the list needs from
// it. A refusal is a *Problem whose Reason can go straight into the SMTP
// reply; any other error would be a bug. Both CRLF and bare-LF input are
// accepted; Message.Raw and Message.Body keep the bytes as they came.
// Zero fields of lim take their DefaultLimits value.
func Parse(raw []byte, lim Limits) (*Message, error) {
	lim = lim.withDefaults()
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, unusable("the message is empty")
	}
	if bytes.IndexByte(raw, 0) >= 0 {
		return nil, unusable("the message contains NUL bytes; send text, and binary content as an encoded attachment")
	}
	lay, prob := scanLayout(raw, lim)
	if prob != nil {
		return nil, prob
	}
	hdr := raw[:lay.headerEnd]
	if !isASCII(hdr) && !utf8.Valid(hdr) {
		return nil, unusable("the header contains 8-bit characters that are not UTF-8; encode them (RFC 2047)")
	}
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(hdr)))
	if err != nil {
		// scanLayout checked every header line, so this is unexpected;
		// still a refusal rather than a crash.
		return nil, unusable("the header could not be read (%s); send a well-formed RFC 5322 header", oneLine(err.Error()))
	}
	m := &Message{Raw: raw, Header: h, Body: raw[lay.bodyStart:]}
	if prob := m.readFields(); prob != nil {
		return nil, prob
	}
	w := mimeWalker{lim: lim}
	if prob := w.walk(h, m.Body, 0); prob != nil {
		return nil, prob
	}
	return m, nil
}

// layout is where the header ends and the body starts in a raw message.
type layout struct {
	headerEnd int // offset of the blank line (or len(raw) if none)
	bodyStart int // offset just after the blank line
}

// scanLayout walks every line once: it finds the end of the header, checks
// that each header line is a field or a continuation, and enforces the line
// and header size limits. Doing it by hand (instead of trusting a parser's
// error) lets the refusal name the offending line.
func scanLayout(raw []byte, lim Limits) (layout, *Problem) {
	lay := layout{headerEnd: len(raw), bodyStart: len(raw)}
	inHeader := true
	lineNo := 0
	for pos := 0; pos < len(raw); {
		lineNo++
		end, next := len(raw), len(raw)
		if nl := bytes.IndexByte(raw[pos:], '\n'); nl >= 0 {
			end, next = pos+nl, pos+nl+1
		}
		line := raw[pos:end]
		if end < len(raw) && len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) > lim.MaxLineBytes {
			return lay, unusable("line %d is longer than %d characters; wrap long lines or send the content as an attachment", lineNo, lim.MaxLineBytes)
		}
		if inHeader {
			// A CR not followed by LF would be one field here and two on
			// the wire (every hop after us turns it into a line break):
			// a way to smuggle a From or List-Unsubscribe past the list.
			if bytes.IndexByte(line, '\r') >= 0 {
				return lay, unusable("header line %d contains a carriage return without a line feed; send the message with normal line breaks", lineNo)
			}
			if prob := checkHeaderLine(line, lineNo); prob != nil {
				return lay, prob
			}
			if next > lim.MaxHeaderBytes {
				return lay, tooBig("the header is larger than %d bytes; remove some header fields", lim.MaxHeaderBytes)
			}
			if len(line) == 0 {
				lay.headerEnd, lay.bodyStart = pos, next
				inHeader = false
			}
		}
		pos = next
	}
	return lay, nil
}

// checkHeaderLine refuses a header line that is neither "Name: value", a
// continuation (after the first line) nor the blank line ending the header.
func checkHeaderLine(line []byte, lineNo int) *Problem {
	if len(line) == 0 {
		if lineNo == 1 {
			return unusable("the message does not start with a header field (Name: value); send a complete RFC 5322 message")
		}
		return nil
	}
	if line[0] == ' ' || line[0] == '\t' {
		if lineNo == 1 {
			return unusable("the message does not start with a header field (Name: value); send a complete RFC 5322 message")
		}
		return nil
	}
	if IsFieldLine(line) {
		return nil
	}
	if lineNo == 1 {
		return unusable("the message does not start with a header field (Name: value); send a complete RFC 5322 message")
	}
	return unusable("header line %d is not a header field (Name: value); fix the header or add the blank line that ends it", lineNo)
}

// IsFieldLine reports whether line starts a header field: a non-empty name
// of printable ASCII other than ':' (spaces before the colon tolerated, as
// go-message's reader does), then a colon. The mbox reader uses it too,
// so both agree on where a message's header starts.
func IsFieldLine(line []byte) bool {
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return false
	}
	name := bytes.TrimRight(line[:colon], " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}

// isASCII reports whether b has no byte with the high bit set.
func isASCII[T string | []byte](b T) bool {
	for i := 0; i < len(b); i++ {
		if b[i] >= 0x80 {
			return false
		}
	}
	return true
}

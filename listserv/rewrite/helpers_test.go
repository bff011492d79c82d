package rewrite

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"strings"
	"testing"

	"github.com/emersion/go-message"
)

// crlf turns the LF line endings of a test literal into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func mustParse(t testing.TB, raw string) *Message {
	t.Helper()
	m, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

// problemOf asserts that err is a *Problem and returns it.
func problemOf(t *testing.T, err error) *Problem {
	t.Helper()
	var p *Problem
	if !errors.As(err, &p) {
		t.Fatalf("error %v (%T) is not a *Problem", err, err)
	}
	return p
}

// entityShape reads a whole message with go-message (an independent MIME
// reader) and returns its structure, e.g.
// "multipart/mixed(multipart/alternative(text/plain,text/html),text/plain)",
// plus the decoded text of every text/plain leaf. A "!" marks a body or
// structure go-message could not read (inputs broken on arrival).
func entityShape(t testing.TB, raw []byte) (shape string, texts []string) {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) {
		t.Fatalf("go-message cannot read the result: %v\n%s", err, raw)
	}
	return shapeOf(t, e)
}

func shapeOf(t testing.TB, e *message.Entity) (string, []string) {
	t.Helper()
	mt, _, _ := mime.ParseMediaType(e.Header.Get("Content-Type"))
	if mt == "" {
		mt = "text/plain"
	}
	mr := e.MultipartReader()
	if mr == nil {
		body, err := io.ReadAll(e.Body)
		if err != nil {
			return mt + "!", nil // a body that was broken on input
		}
		if mt == "text/plain" {
			return mt, []string{string(body)}
		}
		return mt, nil
	}
	var kids []string
	var texts []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			kids = append(kids, "!") // a structure that was broken on input
			break
		}
		s, tx := shapeOf(t, p)
		kids = append(kids, s)
		texts = append(texts, tx...)
	}
	return mt + "(" + strings.Join(kids, ",") + ")", texts
}

// countIn counts occurrences of sub in all texts, with line endings
// normalized to LF.
func countIn(texts []string, sub string) int {
	sub = strings.ReplaceAll(sub, "\r\n", "\n")
	n := 0
	for _, s := range texts {
		n += strings.Count(strings.ReplaceAll(s, "\r\n", "\n"), sub)
	}
	return n
}

// headerOf parses the header of a rewritten message.
func headerOf(t testing.TB, out []byte) *Message {
	t.Helper()
	m, err := Parse(out, Limits{MaxMIMEDepth: 100, MaxParts: 10000, MaxHeaderBytes: 1 << 20})
	if err != nil {
		t.Fatalf("rewritten message does not re-parse: %v\n%s", err, out)
	}
	return m
}

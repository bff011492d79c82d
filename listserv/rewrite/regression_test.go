package rewrite

import (
	"bytes"
	"strings"
	"testing"

	"github.com/emersion/go-message"
	"io"
)

// F1: a post is refused (554) when the From display name uses a charset
// go-message does not know, or has the common unquoted "addr <addr>" form,
// although the address itself is perfectly usable.
func TestRegressionFromRefusedOverDisplayName(t *testing.T) {
	for _, from := range []string{
		"=?unknown-8bit?q?Fran=E7ois?= <francois@example.com>",
		"=?cp949?b?seg=?= <kim@example.co.kr>",
		"=?x-unknown?q?X?= <x@example.com>",
		"francois@example.com <francois@example.com>",
	} {
		raw := "From: " + from + "\r\nSubject: hello\r\nMessage-ID: <1@example.com>\r\n\r\nbody\r\n"
		if _, err := Parse([]byte(raw), Limits{}); err != nil {
			t.Errorf("From: %s\n  refused: %v", from, err)
		}
	}
}

// F3: a single-part text/plain attachment gets the footer appended to the
// attached file's content.
func TestRegressionFooterChangesAttachedFile(t *testing.T) {
	raw := crlf("From: a@example.com\nSubject: build log\nMessage-ID: <2@example.com>\nMIME-Version: 1.0\n" +
		"Content-Type: text/plain; charset=us-ascii; name=\"build.log\"\n" +
		"Content-Disposition: attachment; filename=\"build.log\"\n\nline1\nline2\n")
	o := baseOptions()
	o.Footer = "Team list"
	m := mustParse(t, raw)
	out, err := Rewrite(m, o)
	if err != nil {
		t.Fatal(err)
	}
	e, err := message.Read(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var file []byte
	if mr := e.MultipartReader(); mr != nil {
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			if _, ps, _ := p.Header.ContentDisposition(); ps["filename"] == "build.log" {
				file, _ = io.ReadAll(p.Body)
			}
		}
	} else {
		file, _ = io.ReadAll(e.Body)
	}
	if string(file) != "line1\r\nline2\r\n" {
		t.Errorf("attached build.log changed to %q\n%s", file, out)
	}
}

// F6: a decoded subject word longer than a header line is split by
// go-message's folding with an inserted space: the subject text changes.
func TestRegressionLongSubjectWordAltered(t *testing.T) {
	word := strings.Repeat("a", 1200)
	var enc []string
	for i := 0; i < len(word); i += 60 {
		enc = append(enc, "=?utf-8?q?"+word[i:i+60]+"?=")
	}
	raw := "From: a@example.com\r\nSubject: " + strings.Join(enc, "\r\n ") + "\r\nMessage-ID: <3@example.com>\r\n\r\nx\r\n"
	o := baseOptions()
	o.Footer = ""
	_, out := rewriteOf(t, raw, o)
	if got := headerOf(t, out).Subject; got != "[team] "+word {
		t.Errorf("subject changed: %d chars, contains %d spaces", len(got), strings.Count(got, " "))
	}
}

// F7: a non-ASCII list title with specials gives a List-Id whose encoded
// word carries '<', '"' and '(' (RFC 2047 §5(3)); the value then holds
// two <...> ids and the first is not the list's.
func TestRegressionListIDEncodedWordSpecials(t *testing.T) {
	v := ListIDValue("Café <Paris>", "team", "lists.example.org")
	if ids := msgIDs(v); len(ids) != 1 {
		t.Errorf("List-Id %q has ids %q", v, ids)
	}
}

// F0: a lone CR inside a header field is accepted by Parse as part of one
// field, but delivery (dotStuff, wireText) turns it into CRLF, so fields
// the list never saw appear on the wire: a second From and a second
// List-Unsubscribe here, neither stripped nor munged.
func TestRegressionLoneCRSmugglesHeaders(t *testing.T) {
	raw := "From: Alice <alice@example.com>\r\nX-Note: hi\rFrom: CEO <ceo@bank.example>\rList-Unsubscribe: <https://evil.example/u>\r\nSubject: x\r\nMessage-ID: <4@example.com>\r\n\r\nbody\r\n"
	m, err := Parse([]byte(raw), Limits{})
	if err != nil {
		return // refusing it is a correct outcome
	}
	o := baseOptions()
	o.MungeFrom = true
	out, err := Rewrite(m, o)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("\rFrom: CEO")) {
		t.Errorf("lone CR kept in a header; on the wire it becomes a second From and List-Unsubscribe:\n%q", out)
	}
}

// Read-receipt requests are not passed on to every member.
func TestRegressionReadReceiptsStripped(t *testing.T) {
	raw := "From: a@example.com\r\nSubject: x\r\nMessage-ID: <5@example.com>\r\nDisposition-Notification-To: a@example.com\r\nReturn-Receipt-To: a@example.com\r\n\r\nbody\r\n"
	_, out := rewriteOf(t, raw, baseOptions())
	if bytes.Contains(out, []byte("Disposition-Notification-To")) || bytes.Contains(out, []byte("Return-Receipt-To")) {
		t.Fatalf("receipt request passed on:\n%s", out)
	}
}

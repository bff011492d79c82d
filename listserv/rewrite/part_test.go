package rewrite

import (
	"bytes"
	"strings"
	"testing"
)

const tailLink = "https://lists.example.org/a/mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm"

// TestAddFooterPartKeepsItsLinesLiteral: whatever the post's shape and
// encoding, the tail's ASCII line arrives byte for byte in a part of its
// own, and the post's own text is untouched.
func TestAddFooterPartKeepsItsLinesLiteral(t *testing.T) {
	for _, c := range []struct{ name, raw, shape string }{
		{"plain", "From: a@example.com\n\nHello.\n", "multipart/mixed(text/plain,text/plain)"},
		{"base64", "From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nSGVsbG8u\n", "multipart/mixed(text/plain,text/plain)"},
		{"mixed", "From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nHello.\n--b--\n", "multipart/mixed(text/plain,text/plain)"},
		{"alternative", "From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nHello.\n--b\nContent-Type: text/html\n\n<p>Hello.</p>\n--b--\n", "multipart/mixed(multipart/alternative(text/plain,text/html),text/plain)"},
	} {
		m := mustParse(t, crlf(c.raw))
		if err := AddFooterPart(m, "Did you do it?\n\n"+tailLink+"\n\nOr reply: ¡hecho!"); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out := render(t, m)
		if !bytes.Contains(out, []byte("\r\n"+tailLink+"\r\n")) {
			t.Errorf("%s: the link is not literal:\n%s", c.name, out)
		}
		shape, texts := entityShape(t, out)
		if shape != c.shape || len(texts) < 2 || !strings.HasPrefix(texts[0], "Hello.") || !strings.Contains(texts[len(texts)-1], "¡hecho!") {
			t.Errorf("%s: shape %s, texts %q", c.name, shape, texts)
		}
	}
}

func TestAddFooterPartLeavesSignedAlone(t *testing.T) {
	raw := crlf("From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=sig\n\n--sig\nContent-Type: text/plain\n\nsigned\n--sig\nContent-Type: application/pgp-signature\n\nxx\n--sig--\n")
	m := mustParse(t, raw)
	before := render(t, m)
	if err := AddFooterPart(m, tailLink); err != nil {
		t.Fatal(err)
	}
	if after := render(t, m); !bytes.Equal(before, after) {
		t.Errorf("a signed post was changed:\n%s", after)
	}
}

// TestRewriteSubjectAndReplyTo: Options.Subject replaces the subject
// (also without a prefix, where the tag changes nothing), DropReplyTo
// leaves every Reply-To out, also the one DMARC mitigation adds.
func TestRewriteSubjectAndReplyTo(t *testing.T) {
	m := mustParse(t, crlf("From: Ann <ann@example.com>\nReply-To: ann@home.example\nSubject: Call #alert\n\nHi.\n"))
	for _, o := range []Options{
		{ListAddress: "act@lists.example.org", Subject: "Call", DropReplyTo: true},
		{ListAddress: "act@lists.example.org", Subject: "Call", DropReplyTo: true, Prefix: "[act] ", MungeFrom: true},
	} {
		out, err := Rewrite(m, o)
		if err != nil {
			t.Fatal(err)
		}
		want := "Subject: " + o.Prefix + "Call\r\n"
		if !bytes.Contains(out, []byte(want)) || bytes.Contains(out, []byte("#alert")) || bytes.Contains(out, []byte("Reply-To:")) {
			t.Errorf("%+v:\n%s", o, out)
		}
	}
	out, err := Rewrite(m, Options{ListAddress: "act@lists.example.org"})
	if err != nil || !bytes.Contains(out, []byte("Subject: Call #alert\r\n")) || !bytes.Contains(out, []byte("Reply-To: ann@home.example\r\n")) {
		t.Errorf("without the options the post changed: %v\n%s", err, out)
	}
}

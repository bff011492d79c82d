package deliver

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"testing"

	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-msgauth/dkim"
)

const utf8Post = "From: Alice <alice@example.net>\r\n" +
	"To: team@lists.example.org\r\n" +
	"Subject: Schabbat\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: 8bit\r\n" +
	"\r\n" +
	"Grüße aus Zürich — schöne Woche!\r\n" +
	"Line two = with an equals sign.\r\n"

const utf8Multipart = "From: Alice <alice@example.net>\r\n" +
	"Subject: Anhang\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n" +
	"\r\n" +
	"preamble\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: 8bit\r\n" +
	"\r\n" +
	"Grüße\r\n" +
	"--b1\r\n" +
	"Content-Type: application/octet-stream\r\n" +
	"\r\n" +
	"\xff\xfe binary\r\n" +
	"--b1--\r\n" +
	"epilogue\r\n"

// downgrade is what a relay does for a next hop without 8BITMIME: it
// re-encodes every 8-bit body. On a message that is 7-bit already it
// changes nothing, which is the point.
func downgrade(raw []byte) []byte { return SevenBit(raw) }

// TestSevenBitKeepsSignature: a post signed after SevenBit still
// verifies after the next hop's 7-bit downgrade, while the same post
// signed as 8bit does not; and the converted body decodes to the same
// text.
func TestSevenBitKeepsSignature(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	d, err := NewDKIM("lists.example.org", "minyan", key)
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := DKIMRecord(key.Public())
	lookup := func(string) ([]string, error) { return []string{rec}, nil }
	signed := func(body []byte) []byte {
		sig, err := d.Sign(nil, wireText(body))
		if err != nil {
			t.Fatal(err)
		}
		return append([]byte(sig), body...)
	}

	for name, raw := range map[string]string{"text": utf8Post, "multipart": utf8Multipart} {
		conv := SevenBit([]byte(raw))
		if hasEightBit(conv) {
			t.Fatalf("%s: still 8-bit after conversion:\n%s", name, conv)
		}
		if err := verifyErr(downgrade(signed(conv)), lookup); err != nil {
			t.Errorf("%s: converted before signing, the signature broke in the downgrade: %v", name, err)
		}
		// Without the conversion the downgrade breaks it: the test can
		// tell the difference.
		if err := verifyErr(downgrade(signed([]byte(raw))), lookup); err == nil {
			t.Errorf("%s: an 8-bit body survived the downgrade signed; the test proves nothing", name)
		}
	}

	// The text reads the same after decoding.
	e, err := gomessage.Read(bytes.NewReader(SevenBit([]byte(utf8Post))))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(e.Body)
	if want := "Grüße aus Zürich — schöne Woche!\r\nLine two = with an equals sign.\r\n"; string(got) != want {
		t.Errorf("decoded %q, want %q", got, want)
	}
	mr := mustMultipart(t, SevenBit([]byte(utf8Multipart)))
	var parts []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p.Body)
		parts = append(parts, string(b))
	}
	if len(parts) != 2 || parts[0] != "Grüße" || parts[1] != "\xff\xfe binary" {
		t.Errorf("decoded parts %q", parts)
	}
	// 7-bit mail is left exactly as it was.
	plain := []byte(strings.ReplaceAll(utf8Post, "Grüße aus Zürich — schöne Woche!", "Hello"))
	if out := SevenBit(plain); !bytes.Equal(out, plain) {
		t.Error("a 7-bit message was changed")
	}
}

// verifyErr is the verification result of msg's one signature.
func verifyErr(msg []byte, lookup func(string) ([]string, error)) error {
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{LookupTXT: lookup})
	if err != nil {
		return err
	}
	if len(vs) != 1 {
		return fmt.Errorf("%d signatures", len(vs))
	}
	return vs[0].Err
}

func mustMultipart(t *testing.T, raw []byte) gomessage.MultipartReader {
	t.Helper()
	e, err := gomessage.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mr := e.MultipartReader()
	if mr == nil {
		t.Fatal("not multipart")
	}
	return mr
}

// FuzzSevenBit: any input comes back without a panic, and 8-bit
// bodies in well-formed mail become 7-bit.
func FuzzSevenBit(f *testing.F) {
	f.Add([]byte(utf8Post))
	f.Add([]byte(utf8Multipart))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\n\n--x\n\xff\n--x"))
	f.Add([]byte("\xff"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		_ = SevenBit(raw)
	})
}

// TestSevenBitLabelsNonMIMEMail: a non-MIME post with 8-bit text was
// re-encoded quoted-printable without MIME-Version or Content-Type, so
// readers took the decoded bytes for US-ASCII. The conversion adds both:
// charset=utf-8 for UTF-8 text, unknown-8bit (RFC 1428) otherwise. A
// part without Content-Type inside a multipart gets one too.
func TestSevenBitLabelsNonMIMEMail(t *testing.T) {
	for _, c := range []struct{ name, raw, ct string }{
		{"utf-8", "From: a@example.net\r\nSubject: x\r\n\r\nGrüße aus Zürich\r\n", "text/plain; charset=utf-8"},
		{"latin-1", "From: a@example.net\r\nSubject: x\r\n\r\nGr\xfc\xdfe\r\n", "text/plain; charset=unknown-8bit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := SevenBit([]byte(c.raw))
			e, err := gomessage.Read(bytes.NewReader(out))
			if err != nil && !gomessage.IsUnknownCharset(err) {
				t.Fatal(err)
			}
			if e.Header.Get("Mime-Version") != "1.0" || e.Header.Get("Content-Type") != c.ct || e.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
				t.Fatalf("header of the 7-bit copy:\n%s", out)
			}
			body, _ := io.ReadAll(e.Body)
			want := c.raw[strings.Index(c.raw, "\r\n\r\n")+4:]
			if c.name == "utf-8" && string(body) != want {
				t.Errorf("decoded body %q, want %q", body, want)
			}
		})
	}
	// Already labelled: nothing added.
	out := string(SevenBit([]byte(utf8Post)))
	if strings.Count(out, "MIME-Version") != 1 || strings.Count(out, "Content-Type") != 1 {
		t.Errorf("a labelled post got more fields:\n%s", out)
	}
	mp := "From: a@example.net\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nGrüße\r\n--b--\r\n"
	out = string(SevenBit([]byte(mp)))
	if !strings.Contains(out, "--b\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset=utf-8\r\n") &&
		!strings.Contains(out, "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n") {
		t.Errorf("a part without Content-Type:\n%s", out)
	}
	if strings.Count(out, "MIME-Version") != 1 {
		t.Errorf("MIME-Version added to a part:\n%s", out)
	}
}

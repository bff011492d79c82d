package rewrite

import (
	"bytes"
	"strings"
	"testing"
)

const (
	asciiFooter   = "Team list: https://lists.example.org/team\nUnsubscribe: mailto:team-leave@lists.example.org"
	unicodeFooter = "Liste « Équipe » — désabonnement : https://lists.example.org/team"
)

// footerLines is the footer as AddFooter writes it (CRLF, normalized).
func footerLines(f string) string { return normalizeFooter(f) }

// render writes m the way Rewrite does, without any other change.
func render(t *testing.T, m *Message) []byte {
	t.Helper()
	var fs []rawField
	fs, err := fieldsOf(&m.Header)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, f := range fs {
		b.Write(f.raw)
	}
	b.WriteString("\r\n")
	b.Write(toCRLF(m.Body))
	return b.Bytes()
}

func TestAddFooterShapes(t *testing.T) {
	tests := []struct {
		name      string
		raw       string
		footer    string
		wantShape string
		wantCTE   string // top-level Content-Transfer-Encoding after the change
		wantText  string // a text that must still be present
		// wantCharset is the expected top-level charset param ("" skips).
		wantCharset string
	}{
		{
			name:      "no content-type, ascii footer",
			raw:       "From: a@example.com\nSubject: x\n\nHello list.\n",
			footer:    asciiFooter,
			wantShape: "text/plain", wantText: "Hello list.",
		},
		{
			name:      "no content-type, non-ascii footer becomes QP utf-8",
			raw:       "From: a@example.com\nSubject: x\n\nHello list.\n",
			footer:    unicodeFooter,
			wantShape: "text/plain", wantCTE: "quoted-printable", wantCharset: "utf-8", wantText: "Hello list.",
		},
		{
			name:      "us-ascii 7bit, non-ascii footer",
			raw:       "From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii; format=flowed\nContent-Transfer-Encoding: 7bit\n\nHello list.\n",
			footer:    unicodeFooter,
			wantShape: "text/plain", wantCTE: "quoted-printable", wantCharset: "utf-8", wantText: "Hello list.",
		},
		{
			name:      "utf-8 8bit",
			raw:       "From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGrüße aus Köln.\n",
			footer:    unicodeFooter,
			wantShape: "text/plain", wantCTE: "8bit", wantText: "Grüße aus Köln.",
		},
		{
			name:      "utf-8 quoted-printable",
			raw:       "From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nGr=C3=BC=C3=9Fe aus K=C3=B6ln, a long line that is soft-wrapped here so =\nthat it continues.\n",
			footer:    unicodeFooter,
			wantShape: "text/plain", wantCTE: "quoted-printable", wantText: "Grüße aus Köln, a long line that is soft-wrapped here so that it continues.",
		},
		{
			name:      "utf-8 base64",
			raw:       "From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nR3LDvMOfZSBhdXMgS8O2bG4uCg==\n",
			footer:    unicodeFooter,
			wantShape: "text/plain", wantCTE: "base64", wantText: "Grüße aus Köln.",
		},
		{
			name:      "latin-1 QP, ascii footer appended in place",
			raw:       "From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nCaf=E9 cr=E8me.\n",
			footer:    asciiFooter,
			wantShape: "text/plain", wantCTE: "quoted-printable", wantCharset: "iso-8859-1", wantText: "Café crème.",
		},
		{
			name:      "latin-1, non-ascii footer is wrapped",
			raw:       "From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nCaf=E9 cr=E8me.\n",
			footer:    unicodeFooter,
			wantShape: "multipart/mixed(text/plain,text/plain)", wantText: "Café crème.",
		},
		{
			name:      "utf-16 is wrapped even for an ascii footer",
			raw:       "From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-16\nContent-Transfer-Encoding: base64\n\n//5IAGkACgA=\n",
			footer:    asciiFooter,
			wantShape: "multipart/mixed(text/plain,text/plain)", wantText: "Hi\n",
		},
		{
			name:   "undecodable base64 is wrapped",
			raw:    "From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nnot base64 at all!!!\n",
			footer: asciiFooter,
			// The broken body stays broken ("!"), but the footer is readable.
			wantShape: "multipart/mixed(text/plain!,text/plain)",
		},
		{
			name:      "text/html is wrapped",
			raw:       "From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n<p>Hello</p>\n",
			footer:    unicodeFooter,
			wantShape: "multipart/mixed(text/html,text/plain)",
		},
		{
			name:      "multipart/alternative is wrapped",
			raw:       "From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"alt\"\n\npreamble\n--alt\nContent-Type: text/plain; charset=utf-8\n\nHello plain.\n--alt\nContent-Type: text/html; charset=utf-8\n\n<p>Hello</p>\n--alt--\nepilogue\n",
			footer:    asciiFooter,
			wantShape: "multipart/mixed(multipart/alternative(text/plain,text/html),text/plain)", wantText: "Hello plain.",
		},
		{
			name:      "multipart/mixed gets a part",
			raw:       "From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=mix\n\n--mix\nContent-Type: text/plain\n\nSee attached.\n--mix\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAECAw==\n--mix--\n",
			footer:    unicodeFooter,
			wantShape: "multipart/mixed(text/plain,application/octet-stream,text/plain)", wantText: "See attached.",
		},
		{
			name:      "multipart/mixed, CRLF, delimiter with transport padding",
			raw:       crlf("From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=mix\n\n--mix  \nContent-Type: text/plain\n\nSee attached.\n--mix-- \n"),
			footer:    asciiFooter,
			wantShape: "multipart/mixed(text/plain,text/plain)", wantText: "See attached.",
		},
		{
			name:   "multipart/mixed without close delimiter is wrapped",
			raw:    "From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=mix\n\n--mix\nContent-Type: text/plain\n\nTruncated.\n",
			footer: asciiFooter,
			// The truncated inner multipart stays truncated; the outer one is whole.
			wantShape: "multipart/mixed(multipart/mixed(text/plain!,!),text/plain)",
		},
		{
			name:      "8bit html keeps 8bit on the wrapper",
			raw:       "From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n<p>Grüße</p>\n",
			footer:    asciiFooter,
			wantShape: "multipart/mixed(text/html,text/plain)", wantCTE: "8bit",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw)
			orig := append([]byte(nil), m.Body...)
			if err := AddFooter(m, tt.footer); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(orig, m.Raw[len(m.Raw)-len(orig):]) {
				t.Fatal("AddFooter modified the original body bytes")
			}
			out := render(t, m)
			shape, texts := entityShape(t, out)
			if shape != tt.wantShape {
				t.Errorf("shape %s, want %s\n%s", shape, tt.wantShape, out)
			}
			if n := countIn(texts, footerLines(tt.footer)); n != 1 {
				t.Errorf("footer present %d times in %q\n%s", n, texts, out)
			}
			if tt.wantText != "" && countIn(texts, tt.wantText) != 1 {
				t.Errorf("original text %q lost: %q", tt.wantText, texts)
			}
			if tt.wantCTE != "" {
				if got := strings.ToLower(m.Header.Get("Content-Transfer-Encoding")); got != tt.wantCTE {
					t.Errorf("Content-Transfer-Encoding %q, want %q", got, tt.wantCTE)
				}
			}
			if tt.wantCharset != "" && !strings.Contains(strings.ToLower(m.Header.Get("Content-Type")), "charset="+tt.wantCharset) {
				t.Errorf("Content-Type %q, want charset %s", m.Header.Get("Content-Type"), tt.wantCharset)
			}
			if m.Header.Get("Content-Type") != "" && m.Header.Get("Mime-Version") == "" {
				t.Error("MIME fields without MIME-Version")
			}
			if strings.HasPrefix(shape, "text/plain") && countIn(texts, "\n-- \n") != 1 {
				t.Errorf("no signature separator in %q", texts)
			}
			for i, line := range strings.Split(string(out), "\r\n") {
				if len(line) > 998 || strings.Contains(line, "\n") {
					t.Errorf("output line %d is malformed: %q", i+1, line)
				}
			}
			// The result is still a message this package accepts.
			if _, err := Parse(out, Limits{}); err != nil {
				t.Errorf("result does not re-parse: %v", err)
			}
		})
	}
}

func TestAddFooterLeavesSignedAndEncryptedAlone(t *testing.T) {
	for _, ct := range []string{
		`multipart/signed; protocol="application/pgp-signature"; micalg=pgp-sha256; boundary=sig`,
		`multipart/encrypted; protocol="application/pgp-encrypted"; boundary=sig`,
		`application/pkcs7-mime; smime-type=enveloped-data`,
	} {
		raw := "From: a@example.com\nMIME-Version: 1.0\nContent-Type: " + ct + "\n\n--sig\nContent-Type: text/plain\n\nsigned\n--sig\nContent-Type: application/pgp-signature\n\nxx\n--sig--\n"
		m := mustParse(t, raw)
		before := render(t, m)
		if err := AddFooter(m, asciiFooter); err != nil {
			t.Fatal(err)
		}
		if after := render(t, m); !bytes.Equal(before, after) {
			t.Errorf("%s was changed:\n%s", ct, after)
		}
	}
}

func TestAddFooterEmptyFooterChangesNothing(t *testing.T) {
	m := mustParse(t, "From: a@example.com\n\nbody\n")
	before := render(t, m)
	for _, f := range []string{"", "  \n\t\n"} {
		if err := AddFooter(m, f); err != nil {
			t.Fatal(err)
		}
		if after := render(t, m); !bytes.Equal(before, after) {
			t.Errorf("footer %q changed the message:\n%s", f, after)
		}
	}
}

func TestAddFooterPlainLayout(t *testing.T) {
	m := mustParse(t, "From: a@example.com\n\nHello.\n")
	if err := AddFooter(m, "line one  \r\nline two\n\n"); err != nil {
		t.Fatal(err)
	}
	if want := "Hello.\r\n\r\n-- \r\nline one\r\nline two\r\n"; string(m.Body) != want {
		t.Errorf("body %q, want %q", m.Body, want)
	}
}

func TestAddFooterLongFooterLinesAreEncoded(t *testing.T) {
	m := mustParse(t, "From: a@example.com\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nHello.\n")
	long := strings.Repeat("word ", 300)
	if err := AddFooter(m, long); err != nil {
		t.Fatal(err)
	}
	if got := m.Header.Get("Content-Transfer-Encoding"); got != "quoted-printable" {
		t.Errorf("CTE %q, want quoted-printable for a 1500-octet footer line", got)
	}
	_, texts := entityShape(t, render(t, m))
	if countIn(texts, strings.TrimSpace(long)) != 1 {
		t.Errorf("footer lost: %q", texts)
	}
}

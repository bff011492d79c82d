package rewrite

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

const simplePost = `From: "Alice Example" <alice@example.com>
To: team@lists.example.org
Subject: =?iso-8859-2?q?=BF=F3=B3w?= and friends
Message-ID: < abc@example.com >
In-Reply-To: <parent@example.com> (the parent)
References: <root@example.com>
 <parent@example.com>
Date: Tue, 3 Mar 2026 10:00:00 +0100
List-Id: Other list <Other.Example.NET>
List-Id: <second.example.net>
Auto-Submitted: Auto-Replied (vacation); x=y
Precedence: BULK

Hello.
`

func TestParseFields(t *testing.T) {
	for _, ending := range []string{"\n", "\r\n"} {
		raw := strings.ReplaceAll(simplePost, "\n", ending)
		m := mustParse(t, raw)
		if m.From.Address != "alice@example.com" || m.From.Name != "Alice Example" {
			t.Errorf("From = %+v", m.From)
		}
		if want := "żółw and friends"; m.Subject != want {
			t.Errorf("Subject = %q, want %q", m.Subject, want)
		}
		if m.MessageID != "abc@example.com" {
			t.Errorf("MessageID = %q", m.MessageID)
		}
		if m.InReplyTo != "parent@example.com" {
			t.Errorf("InReplyTo = %q", m.InReplyTo)
		}
		if fmt.Sprint(m.References) != "[root@example.com parent@example.com]" {
			t.Errorf("References = %q", m.References)
		}
		if want := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC); !m.Date.Equal(want) {
			t.Errorf("Date = %v, want %v", m.Date, want)
		}
		if fmt.Sprint(m.ListIDs) != "[other.example.net second.example.net]" {
			t.Errorf("ListIDs = %q", m.ListIDs)
		}
		if m.AutoSubmitted != "auto-replied" || m.Precedence != "bulk" {
			t.Errorf("AutoSubmitted = %q, Precedence = %q", m.AutoSubmitted, m.Precedence)
		}
		if got := string(m.Body); got != "Hello."+ending {
			t.Errorf("Body = %q", got)
		}
		if !bytes.Equal(m.Raw, []byte(raw)) {
			t.Error("Raw is not the input")
		}
	}
}

func TestParseLenientFields(t *testing.T) {
	m := mustParse(t, "From: bob@example.com\nSubject: =?x-unknown?q?abc?=\nDate: yesterday\nMessage-ID: bare@example.com\n\nbody\n")
	if m.Subject != "=?x-unknown?q?abc?=" {
		t.Errorf("unknown charset subject = %q, want it raw", m.Subject)
	}
	if !m.Date.IsZero() {
		t.Errorf("bad Date parsed as %v", m.Date)
	}
	if m.MessageID != "bare@example.com" {
		t.Errorf("MessageID = %q", m.MessageID)
	}
	if m.From.Address != "bob@example.com" {
		t.Errorf("From = %v", m.From)
	}
	// A header with no body at all is a valid message.
	m = mustParse(t, "From: bob@example.com\nSubject: only a header")
	if len(m.Body) != 0 || m.Subject != "only a header" {
		t.Errorf("header-only message: body %q subject %q", m.Body, m.Subject)
	}
}

// nestedMultiparts builds a message whose MIME structure is depth
// multiparts deep.
func nestedMultiparts(depth int) string {
	var b strings.Builder
	b.WriteString("From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b0\n\n")
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b%d\nContent-Type: text/plain\n\ndeep\n", depth-1)
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\n", i)
	}
	return b.String()
}

func manyParts(n int) string {
	var b strings.Builder
	b.WriteString("From: a@example.com\nContent-Type: multipart/mixed; boundary=zz\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "--zz\nContent-Type: text/plain\n\npart %d\n", i)
	}
	b.WriteString("--zz--\n")
	return b.String()
}

func TestParseAcceptsLimits(t *testing.T) {
	mustParse(t, nestedMultiparts(20))
	mustParse(t, manyParts(500))
	mustParse(t, "From: a@example.com\n\n"+strings.Repeat("x", 998)+"\n")
	mustParse(t, "From: a@example.com\r\n\r\n"+strings.Repeat("x", 998)+"\r\n")
	mustParse(t, "From: a@example.com\nSubject: Grüße, UTF-8 raw (RFC 6532)\n\nx\n")
}

func TestParseRefusals(t *testing.T) {
	bigHeader := "From: a@example.com\n" + strings.Repeat("X-Filler: "+strings.Repeat("y", 80)+"\n", 4000) + "\nbody\n"
	garbage := make([]byte, 4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(r.UintN(256))
	}
	garbageNoNUL := bytes.ReplaceAll(garbage, []byte{0}, []byte{1})

	tests := []struct {
		name     string
		raw      string
		code     int
		enhanced [3]int
		reason   string // a substring the sender needs to see
	}{
		{"empty", "", 554, [3]int{5, 6, 0}, "empty"},
		{"blank lines only", "\r\n\r\n", 554, [3]int{5, 6, 0}, "empty"},
		{"no From", "To: b@example.com\nSubject: x\n\nbody\n", 554, [3]int{5, 6, 0}, "no From header"},
		{"From without address", "From: Alice\n\nbody\n", 554, [3]int{5, 6, 0}, "no valid address"},
		{"From empty group", "From: undisclosed-recipients:;\n\nbody\n", 554, [3]int{5, 6, 0}, "no valid address"},
		{"two From", "From: a@example.com\nFrom: b@example.com\n\nbody\n", 554, [3]int{5, 6, 0}, "more than one From"},
		{"NUL in body", "From: a@example.com\n\nbo\x00dy\n", 554, [3]int{5, 6, 0}, "NUL"},
		{"NUL in header", "From: a@exa\x00mple.com\n\nbody\n", 554, [3]int{5, 6, 0}, "NUL"},
		{"binary garbage", string(garbage), 554, [3]int{5, 6, 0}, "NUL"},
		{"binary garbage without NUL", string(garbageNoNUL), 554, [3]int{5, 6, 0}, ""},
		{"text, not a message", "Hello there,\nthis is not mail.\n", 554, [3]int{5, 6, 0}, "does not start with a header field"},
		{"starts with continuation", " From: a@example.com\n\nx\n", 554, [3]int{5, 6, 0}, "does not start with a header field"},
		{"starts with blank line", "\nFrom: a@example.com\n\nx\n", 554, [3]int{5, 6, 0}, "does not start with a header field"},
		{"broken header line", "From: a@example.com\nthis is no field\n\nx\n", 554, [3]int{5, 6, 0}, "header line 2 is not a header field"},
		{"100 KB header line", "From: a@example.com\nX-Long: " + strings.Repeat("a", 100<<10) + "\n\nx\n", 554, [3]int{5, 6, 0}, "line 2 is longer than 998 characters"},
		{"999-octet body line", "From: a@example.com\n\nok\n" + strings.Repeat("b", 999) + "\n", 554, [3]int{5, 6, 0}, "line 4 is longer than 998"},
		{"200 nested multiparts", nestedMultiparts(200), 554, [3]int{5, 6, 0}, "nested more than 20 levels"},
		{"21 nested multiparts", nestedMultiparts(21), 554, [3]int{5, 6, 0}, "nested more than 20 levels"},
		{"too many parts", manyParts(501), 552, [3]int{5, 3, 4}, "more than 500 MIME parts"},
		{"Latin-1 raw header", "From: a@example.com\nSubject: caf\xe9\n\nx\n", 554, [3]int{5, 6, 0}, "8-bit characters that are not UTF-8; encode them (RFC 2047)"},
		{"oversized header", bigHeader, 552, [3]int{5, 3, 4}, "header is larger than 262144 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.raw), Limits{})
			if err == nil {
				t.Fatalf("accepted: %+v", m)
			}
			p := problemOf(t, err)
			if p.Code != tt.code || p.Enhanced != tt.enhanced {
				t.Errorf("code %d %v, want %d %v (%s)", p.Code, p.Enhanced, tt.code, tt.enhanced, p.Reason)
			}
			if !strings.Contains(p.Reason, tt.reason) {
				t.Errorf("reason %q does not say %q", p.Reason, tt.reason)
			}
			if strings.ContainsAny(p.Reason, "\r\n") {
				t.Errorf("reason %q has a line break", p.Reason)
			}
			if !strings.HasPrefix(p.Error(), fmt.Sprintf("%d %d.%d.%d ", p.Code, p.Enhanced[0], p.Enhanced[1], p.Enhanced[2])) {
				t.Errorf("Error() = %q", p.Error())
			}
		})
	}
}

func TestParseCustomLimits(t *testing.T) {
	_, err := Parse([]byte(nestedMultiparts(3)), Limits{MaxMIMEDepth: 2})
	if p := problemOf(t, err); !strings.Contains(p.Reason, "nested more than 2 levels") {
		t.Errorf("reason %q", p.Reason)
	}
	_, err = Parse([]byte(manyParts(11)), Limits{MaxParts: 10})
	if p := problemOf(t, err); !strings.Contains(p.Reason, "more than 10 MIME parts") {
		t.Errorf("reason %q", p.Reason)
	}
	_, err = Parse([]byte("From: a@example.com\n\n"+strings.Repeat("x", 80)+"\n"), Limits{MaxLineBytes: 78})
	if p := problemOf(t, err); !strings.Contains(p.Reason, "line 3 is longer than 78") {
		t.Errorf("reason %q", p.Reason)
	}
}

func TestParseNestedMessageRFC822CountsDepth(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 30; i++ {
		b.WriteString("From: a@example.com\nContent-Type: message/rfc822\n\n")
	}
	b.WriteString("From: a@example.com\n\ninnermost\n")
	_, err := Parse([]byte(b.String()), Limits{})
	if p := problemOf(t, err); !strings.Contains(p.Reason, "nested") {
		t.Errorf("reason %q", p.Reason)
	}
}

// TestParseRefusesMultipartWithoutParts: a multipart post with no body
// parts was accepted and archived; its page showed nothing and IMAP
// BODYSTRUCTURE of it ended the command handler. It is refused at DATA
// with a reason, at any depth; a multipart with one part is still fine.
func TestParseRefusesMultipartWithoutParts(t *testing.T) {
	head := "From: a@example.com\nMIME-Version: 1.0\n"
	for _, c := range []struct{ name, raw string }{
		{"close delimiter only", head + "Content-Type: multipart/mixed; boundary=b\n\n--b--\n"},
		{"no delimiter", head + "Content-Type: multipart/alternative; boundary=b\n\njust text\n"},
		{"no boundary", head + "Content-Type: multipart/mixed\n\njust text\n"},
		{"empty body", head + "Content-Type: multipart/mixed; boundary=b\n\n"},
		{"nested", head + "Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: text/plain\n\nhi\n--o\nContent-Type: multipart/alternative; boundary=i\n\n--i--\n--o--\n"},
		{"forwarded", head + "Content-Type: message/rfc822\n\nFrom: b@example.com\nContent-Type: multipart/mixed; boundary=x\n\n--x--\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse([]byte(c.raw), Limits{})
			if err == nil {
				t.Fatalf("accepted: %q", m.Body)
			}
			if p := problemOf(t, err); p.Code != 554 || !strings.Contains(p.Reason, "has no parts") {
				t.Errorf("refusal %v", p)
			}
		})
	}
	mustParse(t, head+"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n--b--\n")
}

package rewrite

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzPrefixSubject(f *testing.F) {
	for _, s := range []string{
		"hi", "[team] hi", "Re: [team] hi", "[team] Re: [team] hi", "RE: Re: [TEAM] hi",
		"Re: [team] Re: [team] hi", "AW: [team] hi", "Fwd: [team] x", "", "Re:", "[[team]team]",
		"Re[2]: Sv: x", "  ", "日本語 [team]", "\xff\xfe", "Re: \u00a0[team]\u2003x",
	} {
		f.Add(s, "team")
	}
	f.Add("[a] Re: [a]", "a")
	f.Add("Re: x", "")
	f.Fuzz(func(t *testing.T, subject, name string) {
		// List names are a-z0-9._- (listserv.ValidListName); anything
		// that cannot be a list name is skipped rather than reshaped, so
		// the fuzzer explores subjects.
		for _, c := range name {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				t.Skip()
			}
		}
		prefix := ""
		if name != "" {
			prefix = "[" + name + "] "
		}
		got := PrefixSubject(subject, prefix)
		if again := PrefixSubject(got, prefix); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", subject, got, again)
		}
		if prefix == "" {
			if got != strings.TrimSpace(subject) {
				t.Fatalf("empty prefix changed %q to %q", subject, got)
			}
			return
		}
		tag := "[" + name + "]"
		if n := strings.Count(asciiLower(got), tag); n != 1 {
			t.Fatalf("tag %q appears %d times in %q (from %q)", tag, n, got, subject)
		}
		if !strings.HasPrefix(got, tag+" ") && !strings.HasPrefix(got, "Re: "+tag+" ") {
			t.Fatalf("%q does not start with the tag", got)
		}
		if utf8.ValidString(subject) && !utf8.ValidString(got) {
			t.Fatalf("valid UTF-8 %q became invalid %q", subject, got)
		}
	})
}

// fuzzOptions exercises every rewrite at once.
func fuzzOptions() Options {
	o := baseOptions()
	o.ReplyToList = true
	o.MungeFrom = true
	o.Footer = "Team list\nDésabonnement : https://lists.example.org/u"
	return o
}

// reparseLimits are the default limits loosened by what a rewrite may add:
// a wrapper level, two parts and the list header fields.
var reparseLimits = Limits{MaxMIMEDepth: 21, MaxParts: 502, MaxHeaderBytes: 256<<10 + 8<<10}

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		post,
		simplePost,
		"From: a@example.com\n\nbody\n",
		"From: a@example.com\r\nSubject: =?utf-8?q?x?=\r\n\r\nbody",
		"From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n--b--\n",
		"From: a@example.com\nContent-Type: multipart/alternative; boundary=b\n\n--b\n\nx\n--b\nContent-Type: text/html\n\n<p>x\n--b--\n",
		"From: a@example.com\nContent-Type: multipart/signed; boundary=b\n\n--b\n\nx\n--b--\n",
		"From: a@example.com\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nR3LDvMOfZQ==\n",
		"From: a@example.com\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nGr=C3=BC=\n=C3=9Fe\n",
		"From: a@example.com\nContent-Type: message/rfc822\n\nFrom: b@example.com\n\ninner\n",
		"From: a@example.com\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\ncaf\xe9\n",
		nestedMultiparts(5),
		manyParts(3),
		// Hand-picked awkward shapes.
		"From: a@example.com\nX-Odd: a\rb\nSubject: \u00a0Re:\u2003x\n\nbody",
		"From: a@example.com\nContent-Type: multipart/mixed\n\nno boundary\n",
		"From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b--\n",
		"From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\n--b\n--b--",
		"From: a@example.com\nContent-Type: text/plain; charset=\"utf-8\"\n\nno newline at end",
		"From: a@example.com\nContent-Type: text/plain; charset=utf-16\nContent-Transfer-Encoding: base64\n\n//5IAGkA\n",
		"From: a@example.com\nContent-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 x\n",
		"From: a@example.com\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 8bit\n\ncaf\xc3\xa9\n",
		"From: =?utf-8?q?a=0D=0Ab?= <a@example.com>\nCc: a@example.com\nReply-To: x@example.com\n\nx\n",
		"From: a@example.com\nSubject: =?utf-8?q?=3D=3Futf-8=3Fq=3F=3D5Bteam=3D5D=3F=3D?=\n\nx\n",
		"From: a@example.com\n",
	} {
		f.Add([]byte(s))
	}
}

func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, Limits{})
		if err != nil {
			if _, ok := err.(*Problem); !ok {
				t.Fatalf("refusal is not a *Problem: %v", err)
			}
			return
		}
		if m.FromAddresses < 1 {
			t.Fatalf("author %v but FromAddresses %d", m.From, m.FromAddresses)
		}
		// A trace field on top leaves the author as it was (the sender
		// check records its verdict that way, without a second parse).
		traced := *m
		if err := traced.PrependField("Authentication-Results: lists.example.org; none\r\n", func(k, v string) bool {
			return strings.EqualFold(k, "Authentication-Results")
		}); err == nil {
			again, err := Parse(traced.Raw, reparseLimits)
			if err != nil {
				t.Fatalf("traced message does not re-parse: %v\n%q", err, traced.Raw)
			}
			if again.From.Address != m.From.Address || again.FromAddresses != m.FromAddresses {
				t.Fatalf("trace changed the author: %v (%d) -> %v (%d)", m.From, m.FromAddresses, again.From, again.FromAddresses)
			}
		}
		out, err := Rewrite(m, fuzzOptions())
		if err != nil {
			t.Fatalf("Rewrite failed on an accepted message: %v", err)
		}
		r, err := Parse(out, reparseLimits)
		if err != nil {
			t.Fatalf("rewritten message does not re-parse: %v\n%q", err, out)
		}
		if r.From.Address != "team@lists.example.org" {
			t.Fatalf("From after munging: %v", r.From)
		}
		if n := strings.Count(asciiLower(r.Subject), "[team]"); n != 1 {
			t.Fatalf("subject %q has the tag %d times", r.Subject, n)
		}
	})
}

func FuzzAddFooter(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, Limits{})
		if err != nil {
			return
		}
		const footer = "Footer-Marker-7f3a: https://lists.example.org/u"
		signed := false
		if ct := strings.ToLower(m.Header.Get("Content-Type")); strings.Contains(ct, "signed") || strings.Contains(ct, "encrypted") || strings.Contains(ct, "pkcs7") {
			signed = true
		}
		if err := AddFooter(m, footer); err != nil {
			t.Fatalf("AddFooter: %v", err)
		}
		out := renderFuzz(t, m)
		r, err := Parse(out, reparseLimits)
		if err != nil {
			t.Fatalf("message with footer does not re-parse: %v\n%q", err, out)
		}
		if signed {
			return
		}
		if !containsFooter(t, r, footer) {
			t.Fatalf("footer not found in\n%q", out)
		}
	})
}

// renderFuzz writes m as header plus CRLF body.
func renderFuzz(t *testing.T, m *Message) []byte {
	t.Helper()
	fs, err := fieldsOf(&m.Header)
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	for _, f := range fs {
		b = append(b, f.raw...)
	}
	b = append(b, "\r\n"...)
	return append(b, toCRLF(m.Body)...)
}

// containsFooter finds the footer either as plain text (7bit/8bit, or in
// a footer part) or inside the decoded text of the single text part.
func containsFooter(t *testing.T, m *Message, footer string) bool {
	if strings.Contains(string(m.Body), footer) {
		return true
	}
	_, texts := entityShape(t, renderFuzz(t, m))
	return countIn(texts, footer) >= 1
}

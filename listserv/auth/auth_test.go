package auth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"

	"minyan/listserv/rewrite"
	"minyan/listserv/testkit"
)

const msg = "From: Alice <alice@example.net>\r\nTo: team@lists.example.org\r\nSubject: hello\r\nDate: Mon, 02 Nov 2026 10:00:00 -0500\r\nMessage-ID: <1@example.net>\r\n\r\nHello.\r\n"

func verifier(dns Resolver) Verifier {
	return Verifier{Resolver: dns, Timeout: 50 * time.Millisecond, AuthServID: "lists.example.org"}
}

// signed returns msg signed by domain with a new Ed25519 key published
// in dns.
func signed(t *testing.T, dns *testkit.DNS, domain, m string) []byte {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dns.SetTXT("sel._domainkey."+domain, "v=DKIM1; k=ed25519; p="+base64.StdEncoding.EncodeToString(pub))
	var out bytes.Buffer
	err = dkim.Sign(&out, strings.NewReader(m), &dkim.SignOptions{
		Domain: domain, Selector: "sel", Signer: priv,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestVerify(t *testing.T) {
	cases := []struct {
		name       string
		dns        map[string][]string
		sign       string // domain that DKIM-signs the message, if any
		envFrom    string
		remote     string
		spf, dkim  string
		dmarc      string
		aligned    bool
		failed     bool
		tempError  bool
		policyWant string
	}{
		{
			name:    "nothing published: nothing to verify, nothing failed",
			envFrom: "alice@example.net", remote: "127.0.0.1:4000",
			spf: "none", dkim: "none", dmarc: "none",
		},
		{
			name:    "spoof: SPF fails, no DKIM, no DMARC record",
			dns:     map[string][]string{"example.net": {"v=spf1 ip4:192.0.2.0/24 -all"}},
			envFrom: "alice@example.net", remote: "127.0.0.1:4000",
			spf: "fail", dkim: "none", dmarc: "none", failed: true,
		},
		{
			name:    "SPF softfail without DMARC is not proof of forgery",
			dns:     map[string][]string{"example.net": {"v=spf1 ip4:192.0.2.0/24 ~all"}},
			envFrom: "alice@example.net", remote: "127.0.0.1:4000",
			spf: "softfail", dkim: "none", dmarc: "none",
		},
		{
			name: "SPF pass, aligned",
			dns: map[string][]string{
				"example.net":        {"v=spf1 ip4:127.0.0.0/8 -all"},
				"_dmarc.example.net": {"v=DMARC1; p=reject"},
			},
			envFrom: "alice@example.net", remote: "127.0.0.1:4000",
			spf: "pass", dkim: "none", dmarc: "pass", aligned: true, policyWant: "reject",
		},
		{
			name: "DMARC p=reject, SPF fails",
			dns: map[string][]string{
				"example.net":        {"v=spf1 ip4:192.0.2.0/24 -all"},
				"_dmarc.example.net": {"v=DMARC1; p=reject; rua=mailto:d@example.net"},
			},
			envFrom: "alice@example.net", remote: "127.0.0.1:4000",
			spf: "fail", dkim: "none", dmarc: "fail", failed: true, policyWant: "reject",
		},
		{
			name: "DMARC p=none still fails the check",
			dns: map[string][]string{
				"_dmarc.example.net": {"v=DMARC1; p=none"},
			},
			envFrom: "alice@example.net", remote: "127.0.0.1:4000",
			spf: "none", dkim: "none", dmarc: "fail", failed: true, policyWant: "none",
		},
		{
			name: "SPF passes for another domain: not aligned",
			dns: map[string][]string{
				"esp.example":        {"v=spf1 ip4:127.0.0.1 -all"},
				"_dmarc.example.net": {"v=DMARC1; p=quarantine"},
			},
			envFrom: "bounce@esp.example", remote: "127.0.0.1:4000",
			spf: "pass", dkim: "none", dmarc: "fail", failed: true, policyWant: "quarantine",
		},
		{
			name: "relaxed alignment: subdomain of the author's organization",
			dns: map[string][]string{
				"mail.example.net":   {"v=spf1 ip4:127.0.0.1 -all"},
				"_dmarc.example.net": {"v=DMARC1; p=reject"},
			},
			envFrom: "bounce@mail.example.net", remote: "127.0.0.1:4000",
			spf: "pass", dkim: "none", dmarc: "pass", aligned: true, policyWant: "reject",
		},
		{
			name: "strict SPF alignment refuses the subdomain",
			dns: map[string][]string{
				"mail.example.net":   {"v=spf1 ip4:127.0.0.1 -all"},
				"_dmarc.example.net": {"v=DMARC1; p=reject; aspf=s"},
			},
			envFrom: "bounce@mail.example.net", remote: "127.0.0.1:4000",
			spf: "pass", dkim: "none", dmarc: "fail", failed: true, policyWant: "reject",
		},
		{
			name: "DKIM aligned passes although SPF fails (forwarded)",
			dns: map[string][]string{
				"example.net":        {"v=spf1 ip4:192.0.2.0/24 -all"},
				"_dmarc.example.net": {"v=DMARC1; p=reject"},
			},
			sign:    "example.net",
			envFrom: "alice@example.net", remote: "127.0.0.1:4000",
			spf: "fail", dkim: "pass", dmarc: "pass", aligned: true, policyWant: "reject",
		},
		{
			name: "DKIM by an unrelated domain does not align",
			dns: map[string][]string{
				"_dmarc.example.net": {"v=DMARC1; p=reject"},
			},
			sign:    "other.example",
			envFrom: "alice@example.net", remote: "127.0.0.1:4000",
			spf: "none", dkim: "pass", dmarc: "fail", failed: true, policyWant: "reject",
		},
		{
			name: "subdomain without a record takes the organization's sp=",
			dns: map[string][]string{
				"_dmarc.example.net": {"v=DMARC1; p=none; sp=reject"},
			},
			envFrom: "alice@dept.example.net", remote: "127.0.0.1:4000",
			spf: "none", dkim: "none", dmarc: "fail", failed: true, policyWant: "reject",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dns := testkit.NewDNS(c.dns)
			m := msg
			if strings.HasPrefix(c.envFrom, "alice@dept.") {
				m = strings.Replace(m, "alice@example.net", "alice@dept.example.net", 1)
			}
			raw := []byte(m)
			if c.sign != "" {
				raw = signed(t, dns, c.sign, m)
			}
			r := verifier(dns).Verify(context.Background(), raw, c.envFrom, c.remote, "mx.test")
			if r.SPF != c.spf || r.DKIM != c.dkim || r.DMARC != c.dmarc || r.Aligned != c.aligned || r.Failed() != c.failed || r.TempError != c.tempError || string(r.Policy) != c.policyWant {
				t.Errorf("got spf=%s dkim=%s dmarc=%s aligned=%v failed=%v temp=%v p=%q (%s)\nwant spf=%s dkim=%s dmarc=%s aligned=%v failed=%v temp=%v p=%q",
					r.SPF, r.DKIM, r.DMARC, r.Aligned, r.Failed(), r.TempError, r.Policy, r.Why,
					c.spf, c.dkim, c.dmarc, c.aligned, c.failed, c.tempError, c.policyWant)
			}
			if r.Failed() && r.Why == "" {
				t.Error("a failure without an explanation")
			}
			if _, results, err := authres.Parse(strings.TrimSpace(strings.TrimPrefix(r.Header(), "Authentication-Results:"))); err != nil || len(results) < 3 {
				t.Errorf("header %q does not parse back: %v", r.Header(), err)
			}
		})
	}
}

func TestVerifyDNSTimeout(t *testing.T) {
	dns := testkit.NewDNS(nil)
	dns.Hang(testkit.Every, true)
	start := time.Now()
	r := verifier(dns).Verify(context.Background(), []byte(msg), "alice@example.net", "127.0.0.1:4000", "mx.test")
	if !r.TempError || r.Failed() || r.Aligned || r.DMARC != "temperror" {
		t.Errorf("DNS down: temp=%v failed=%v aligned=%v dmarc=%s spf=%s", r.TempError, r.Failed(), r.Aligned, r.DMARC, r.SPF)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v with a 50 ms per-query timeout", d)
	}

	// Only the DMARC record is unreachable, SPF fails: still no verdict.
	dns = testkit.NewDNS(nil)
	dns.SetTXT("example.net", "v=spf1 ip4:192.0.2.0/24 -all")
	dns.Hang("_dmarc.example.net", true)
	r = verifier(dns).Verify(context.Background(), []byte(msg), "alice@example.net", "127.0.0.1:4000", "mx.test")
	if !r.TempError || r.Failed() {
		t.Errorf("DMARC lookup timed out: temp=%v failed=%v", r.TempError, r.Failed())
	}
}

func TestClientIPFromReceived(t *testing.T) {
	dns := testkit.NewDNS(nil)
	dns.SetTXT("example.net", "v=spf1 ip4:192.0.2.0/24 -all")
	dns.SetTXT("_dmarc.example.net", "v=DMARC1; p=reject")
	viaMX := "Received: from filter.internal (filter.internal [10.0.0.9])\r\n\tby mx.lists.example.org; Mon, 2 Nov 2026 15:00:01 +0000\r\n" +
		"Received: from out.example.net (out.example.net [192.0.2.7])\r\n\tby filter.internal; Mon, 2 Nov 2026 15:00:00 +0000\r\n" + msg
	// From a private address (the MX), the Received chain is trusted.
	r := verifier(dns).Verify(context.Background(), []byte(viaMX), "alice@example.net", "10.0.0.2:3000", "mx.internal")
	if r.ClientIP != "192.0.2.7" || r.SPF != "pass" || !r.Aligned {
		t.Errorf("via MX: client %s spf %s aligned %v", r.ClientIP, r.SPF, r.Aligned)
	}
	// From a public address the Received fields are the sender's own
	// words and are ignored.
	r = verifier(dns).Verify(context.Background(), []byte(viaMX), "alice@example.net", "198.51.100.9:3000", "evil.example")
	if r.ClientIP != "198.51.100.9" || r.SPF != "fail" || !r.Failed() {
		t.Errorf("direct: client %s spf %s failed %v", r.ClientIP, r.SPF, r.Failed())
	}
}

func TestNullSenderUsesHELO(t *testing.T) {
	dns := testkit.NewDNS(nil)
	dns.SetTXT("mx.example.net", "v=spf1 ip4:127.0.0.1 -all")
	r := verifier(dns).Verify(context.Background(), []byte(msg), "", "127.0.0.1:25", "mx.example.net")
	if r.SPF != "pass" || r.SPFDomain != "mx.example.net" || !r.Aligned {
		t.Errorf("null sender: spf %s for %q, aligned %v", r.SPF, r.SPFDomain, r.Aligned)
	}
}

func TestPrependStripsOwnResults(t *testing.T) {
	forged := "Authentication-Results: lists.example.org;\r\n\tdmarc=pass header.from=example.net\r\n" +
		"Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=example.net\r\n" + msg
	m, err := rewrite.Parse([]byte(forged), rewrite.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	r := verifier(testkit.NewDNS(nil)).Check(context.Background(), m, Envelope{From: "alice@example.net", RemoteAddr: "127.0.0.1:1", Helo: "mx.test"})
	if err := r.AddTo(m); err != nil {
		t.Fatal(err)
	}
	out := string(m.Raw)
	if strings.Count(out, "Authentication-Results: lists.example.org") != 1 || strings.Contains(out, "dmarc=pass header.from=example.net\r\n") {
		t.Errorf("forged result kept:\n%s", out)
	}
	if !strings.Contains(out, "Authentication-Results: mx.example.net; spf=pass") {
		t.Errorf("another server's result dropped:\n%s", out)
	}
	if !strings.HasSuffix(out, "\r\n\r\nHello.\r\n") {
		t.Errorf("body damaged:\n%s", out)
	}
	if !strings.HasPrefix(out, r.Header()) {
		t.Errorf("own header not first")
	}
}

func TestAdapt(t *testing.T) {
	full := testkit.NewDNS(nil)
	if Adapt(full) != Resolver(full) {
		t.Error("a full resolver is not used as is")
	}
	txt := struct{ TXTResolver }{full}
	r := Adapt(txt)
	var dnsErr *net.DNSError
	if _, err := r.LookupMX(context.Background(), "example.net"); !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Errorf("TXT-only resolver MX: %v", err)
	}
	if Adapt(nil) == nil {
		t.Error("nil resolver")
	}
}

package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-smtp"

	"minyan/listserv/outbox/deliver"
	"minyan/listserv/testkit"
)

// TestPostfix runs minyan between two halves of a real Postfix, as
// docs/postfix.md sets it up: Postfix takes mail for the list domain on
// its front port and hands it to minyan over LMTP (list team) or SMTP
// (list smtplist, and the cross-post lists xa and xb), with
// reject_unverified_recipient so an unknown list address is refused at
// RCPT instead of bounced later to a possibly forged sender; minyan
// relays outgoing mail through Postfix's relay port, and Postfix
// delivers it to the test's sink (the members' mail servers).
func TestPostfix(t *testing.T) {
	// Side by side with the others: Postfix binds ports chosen free a
	// moment before, below the range the kernel hands out for :0
	// listeners and outgoing connections (fixedPort), so no other test
	// can take one in between.
	t.Parallel()
	requirePostfix(t)
	began := time.Now()
	front, relay := fixedPort(t), fixedPort(t)
	for relay == front {
		relay = fixedPort(t)
	}

	// DKIM: minyan signs as lists.example.org; the verifier below asks a
	// fake DNS for the key.
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	keyFile := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	record, err := deliver.DKIMRecord(pub)
	if err != nil {
		t.Fatal(err)
	}

	e := startEnv(t, func(c *Config) {
		c.Relay.Address = relay
		c.Relay.TLS = "none"
		c.DKIM.Selector = "pf"
		c.DKIM.PrivateKey = keyFile
	})
	// The sink stands for the members' mail servers: one mailbox is gone.
	e.sink.OnRcpt(func(rcpt string) *smtp.SMTPError {
		if rcpt == "gone@example.net" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<gone@example.net>: Recipient address rejected: User unknown"}
		}
		return nil
	})
	lmtpHost, lmtpPort, _ := net.SplitHostPort(e.srv.LMTPAddr)
	smtpHost, smtpPort, _ := net.SplitHostPort(e.srv.SMTPAddr)
	lmtpNext := fmt.Sprintf("lmtp:inet:%s:%s", lmtpHost, lmtpPort)
	smtpNext := fmt.Sprintf("smtp:[%s]:%s", smtpHost, smtpPort)
	sinkHost, sinkPort, _ := net.SplitHostPort(e.sink.Addr)

	pf := startPostfix(t,
		// Postfix's own part of docs/postfix.md, with the test's ports.
		fmt.Sprintf(`relay_domains = lists.example.org
relayhost = [%s]:%s
unverified_recipient_reject_code = 550
address_verify_poll_delay = 1s
smtpd_recipient_restrictions =
`, sinkHost, sinkPort),
		fmt.Sprintf(`%s inet n - n - - smtpd
  -o smtpd_relay_restrictions=reject_unauth_destination
  -o smtpd_recipient_restrictions=reject_unauth_destination,reject_unverified_recipient
%s inet n - n - - smtpd
  -o mynetworks=127.0.0.0/8
  -o smtpd_relay_restrictions=permit_mynetworks,reject
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
`, front, relay),
		// Per-address routes pick SMTP for some lists; the rest of the
		// domain goes over LMTP.
		fmt.Sprintf("smtplist@lists.example.org %[1]s\nghost@lists.example.org %[1]s\nxa@lists.example.org %[1]s\nxb@lists.example.org %[1]s\nlists.example.org %[2]s\n", smtpNext, lmtpNext))
	t.Logf("postfix started in %v", time.Since(began).Round(time.Millisecond))

	members := map[string]string{"alice@example.net": "member", "bob@example.net": "member", "olive@example.net": "owner"}
	e.setup("smtplist", "discussion", members)
	e.setup("xa", "discussion", members)
	e.setup("xb", "discussion", map[string]string{"alice@example.net": "member", "carol@example.net": "member"})
	members["gone@example.net"] = "member"
	e.setup("team", "discussion", members)

	// delivered waits until rcpt got a copy whose text holds subject.
	delivered := func(t *testing.T, rcpt, subject string) []byte {
		t.Helper()
		var got []byte
		waitFor(t, rcpt+" to get "+subject, func() bool {
			c := copiesTo(e, rcpt, subject)
			if len(c) > 0 {
				got = c[0].Data
			}
			return got != nil
		})
		return got
	}

	t.Run("post over LMTP reaches members, DKIM verifies after Postfix", func(t *testing.T) {
		if err := sendSMTP(front, false, "alice@example.net", []string{"team@lists.example.org"},
			post("alice@example.net", "team@lists.example.org", "Agenda over LMTP", "Thursday at 19:00.")); err != nil {
			t.Fatalf("Postfix refused the post: %v", err)
		}
		raw := delivered(t, "bob@example.net", "Agenda over LMTP")
		delivered(t, "olive@example.net", "Agenda over LMTP")
		if !bytes.Contains(raw, []byte("by mx.example.test (Postfix)")) {
			t.Errorf("the copy did not pass through Postfix:\n%s", raw)
		}
		dns := testkit.NewDNS(map[string][]string{"pf._domainkey.lists.example.org": {record}})
		verifs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: dns.TXT})
		if err != nil {
			t.Fatal(err)
		}
		ok := false
		for _, v := range verifs {
			if v.Domain == "lists.example.org" && v.Err == nil {
				ok = true
			} else {
				t.Logf("signature d=%s: %v", v.Domain, v.Err)
			}
		}
		if !ok {
			t.Errorf("no valid lists.example.org DKIM signature after Postfix (%d signatures)\n%s", len(verifs), raw)
		}
	})

	t.Run("a mailbox the final server rejects comes back as a DSN and is counted", func(t *testing.T) {
		// The post above went to gone@ too: the sink refused it, Postfix
		// bounced it to minyan's VERP address, and minyan counted it.
		waitFor(t, "gone@example.net to be counted as bouncing", func() bool {
			return memberStatus(t, e, "team", "gone@example.net") == "bouncing"
		})
		// Postfix logs the DSN's delivery just after minyan took it.
		waitFor(t, "Postfix's log to show the bounce and the DSN to the VERP address", func() bool {
			return pf.logHas("to=<gone@example.net>", "status=bounced") && pf.logHas("to=<team-bounces+", "status=sent")
		})
		if n, _, _ := archiveCount(e, "team"); n != 1 {
			t.Errorf("team's archive holds %d posts; the DSN must not reach the list", n)
		}
	})

	t.Run("post over SMTP reaches members", func(t *testing.T) {
		if err := sendSMTP(front, false, "alice@example.net", []string{"smtplist@lists.example.org"},
			post("alice@example.net", "smtplist@lists.example.org", "Agenda over SMTP", "Friday at 19:00.")); err != nil {
			t.Fatalf("Postfix refused the post: %v", err)
		}
		delivered(t, "bob@example.net", "Agenda over SMTP")
		delivered(t, "olive@example.net", "Agenda over SMTP")
	})

	t.Run("an unknown list address is refused at Postfix's RCPT", func(t *testing.T) {
		for _, rcpt := range []string{"nosuchlist@lists.example.org", "ghost@lists.example.org"} {
			err := sendSMTP(front, false, "mallory@forged.example", []string{rcpt},
				post("mallory@forged.example", rcpt, "Backscatter bait", "x"))
			if smtpCode(err) != 550 {
				t.Errorf("RCPT TO:<%s> through Postfix: %v, want 550 at RCPT", rcpt, err)
			}
		}
		// A known list still passes the same check.
		if err := sendSMTP(front, false, "alice@example.net", []string{"team@lists.example.org"},
			post("alice@example.net", "team@lists.example.org", "Still open", "x")); err != nil {
			t.Errorf("a known list after the unknown ones: %v", err)
		}
		delivered(t, "bob@example.net", "Still open")
		if pf.logHas("to=<mallory@forged.example>") {
			t.Errorf("Postfix tried to send something to the forged sender")
		}
	})

	t.Run("a cross-post over SMTP reaches both lists at once", func(t *testing.T) {
		msg := post("alice@example.net", "xa@lists.example.org", "Cross-posted agenda", "Both lists.", "Cc: xb@lists.example.org")
		if err := sendSMTP(front, false, "alice@example.net", []string{"xa@lists.example.org", "xb@lists.example.org"}, msg); err != nil {
			t.Fatalf("Postfix refused the cross-post: %v", err)
		}
		delivered(t, "bob@example.net", "Cross-posted agenda") // via xa
		// Postfix retries a deferred recipient only on its next queue
		// run (queue_run_delay, 5 minutes): the post must reach xb in the
		// same delivery, well within a minute of xa's.
		deadline := time.Now().Add(time.Minute)
		for len(copiesTo(e, "carol@example.net", "Cross-posted agenda")) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("xb's member got nothing within a minute of xa's; Postfix deferred it:\n%s", pf.logTail())
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	t.Logf("TestPostfix ran in %v", time.Since(began).Round(time.Millisecond))
}

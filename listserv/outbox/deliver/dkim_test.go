package deliver

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"minyan/listserv/testkit"
	"minyan/store"
)

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// testRSAKey is one RSA-2048 key per test binary (generating is slow).
// startSigningWorker starts a worker that signs for lists.example.org
// (selector s1) and relays to a sink, with the DNS look-up that finds
// its public key.
func startSigningWorker(t testing.TB) (*sink, *harness, func(string) ([]string, error)) {
	t.Helper()
	s := startSink(t)
	key := testRSAKey(t)
	d, err := NewDKIM("lists.example.org", "s1", key)
	if err != nil {
		t.Fatal(err)
	}
	h := startWorker(t, relayTo(s), func(o *Options) { o.DKIM = d })
	return s, h, keyDNS(t, "s1", "lists.example.org", &key.PublicKey)
}

func testRSAKey(t testing.TB) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		rsaKey = k
	})
	return rsaKey
}

// keyDNS answers the selector's TXT query with the record DKIMRecord
// makes, as a DNS server publishing it would.
func keyDNS(t testing.TB, selector, domain string, pub crypto.PublicKey) func(string) ([]string, error) {
	rec, err := DKIMRecord(pub)
	if err != nil {
		t.Fatal(err)
	}
	return testkit.NewDNS(map[string][]string{selector + "._domainkey." + domain: {rec}}).TXT
}

// verify checks every DKIM signature of msg and returns them; it fails
// the test unless there is exactly one and it verifies.
func verifyOne(t testing.TB, msg []byte, lookup func(string) ([]string, error)) *dkim.Verification {
	t.Helper()
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{LookupTXT: lookup})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if len(vs) != 1 {
		t.Fatalf("%d signatures, want 1\n%s", len(vs), msg)
	}
	if vs[0].Err != nil {
		t.Fatalf("signature does not verify: %v\n%s", vs[0].Err, msg)
	}
	return vs[0]
}

func TestDKIMSignAndVerify(t *testing.T) {
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]struct {
		priv crypto.Signer
		pub  crypto.PublicKey
	}{
		"rsa":     {testRSAKey(t), &testRSAKey(t).PublicKey},
		"ed25519": {edPriv, edPub},
	}
	for name, k := range keys {
		t.Run(name, func(t *testing.T) {
			// Round trip through PEM, as the config file holds it.
			pemBytes, err := MarshalDKIMKey(k.priv)
			if err != nil {
				t.Fatal(err)
			}
			key, err := ParseDKIMKey(pemBytes)
			if err != nil {
				t.Fatal(err)
			}
			d, err := NewDKIM("lists.example.org", "s1", key)
			if err != nil {
				t.Fatal(err)
			}
			head := []byte("List-Unsubscribe: <https://lists.example.org/u/abc>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
			body := []byte(testBody)
			sig, err := d.Sign(head, body)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(sig, "\r\n") {
				if len(line) > 998 {
					t.Fatalf("signature line of %d characters", len(line))
				}
			}
			msg := append(append([]byte(sig), head...), body...)
			lookup := keyDNS(t, "s1", "lists.example.org", k.pub)
			v := verifyOne(t, msg, lookup)
			if v.Domain != "lists.example.org" {
				t.Errorf("d= %q", v.Domain)
			}
			signed := strings.ToLower(strings.Join(v.HeaderKeys, ":"))
			for _, h := range []string{"from", "to", "subject", "date", "message-id", "list-id", "list-unsubscribe", "list-unsubscribe-post", "reply-to", "mime-version", "content-type"} {
				if !strings.Contains(signed, h) {
					t.Errorf("%s not signed (h=%s)", h, signed)
				}
			}
			if !strings.Contains(sig, "c=relaxed/relaxed") {
				t.Errorf("not relaxed/relaxed: %s", sig)
			}

			// Relaxed canonicalization survives refolding and
			// trailing whitespace; the content does not change.
			relaxed := bytes.Replace(msg, []byte("Subject: [test] hello"), []byte("Subject:   [test]\r\n  hello  "), 1)
			verifyOne(t, relaxed, lookup)

			// Tampering breaks it: a changed body, and a List-Id or a
			// second List-Unsubscribe added later (over-signing).
			for what, bad := range map[string][]byte{
				"body":             bytes.Replace(msg, []byte("Hello, list."), []byte("Hello, world."), 1),
				"added List-Id":    append([]byte("List-Id: <evil.example.com>\r\n"), msg...),
				"added List-Unsub": append([]byte("List-Unsubscribe: <https://evil.example/>\r\n"), msg...),
				"added From":       append([]byte("From: ceo@example.org\r\n"), msg...),
			} {
				vs, err := dkim.VerifyWithOptions(bytes.NewReader(bad), &dkim.VerifyOptions{LookupTXT: lookup})
				if err != nil || len(vs) != 1 || vs[0].Err == nil {
					t.Errorf("%s: signature still verifies (err %v)", what, err)
				}
			}
		})
	}
}

func TestParseDKIMKeyErrors(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":   nil,
		"not pem": []byte("hello"),
		"public":  []byte("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n"),
		"garbage": []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
	} {
		if _, err := ParseDKIMKey(data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestWireText(t *testing.T) {
	for in, want := range map[string]string{
		"a\r\nb\r\n": "a\r\nb\r\n",
		"a\nb":       "a\r\nb\r\n",
		"a\rb\r\n":   "a\r\nb\r\n",
		"a\r\n\nb\n": "a\r\n\r\nb\r\n",
		"":           "",
	} {
		if got := string(wireText([]byte(in))); got != want {
			t.Errorf("wireText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDKIMWorker sends through the worker and checks what the relay got:
// personalized copies are each signed over their own header, batched
// copies share one signature, and every copy verifies as received.
func TestDKIMWorker(t *testing.T) {
	s, h, lookup := startSigningWorker(t)

	// A body with bare LFs and a line starting with a dot: what is
	// signed must be what arrives after dot-stuffing and CRLF repair.
	body := strings.ReplaceAll(testBody, "\r\n", "\n") + ".dot line\n"
	var personal []store.QueuedRcpt
	for i := range 3 {
		personal = append(personal, store.QueuedRcpt{
			Address: addrN(i), EnvelopeFrom: "test-bounces+" + addrN(i)[:2] + "@lists.example.org",
			Header: "List-Unsubscribe: <https://lists.example.org/u/" + addrN(i)[:2] + ">\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
		})
	}
	h.enqueue(t, false, body, personal)
	batch := rcpts(25) // 3 transactions at MaxRecipients 10
	for i := range batch {
		batch[i].Address = "b" + batch[i].Address
	}
	h.enqueue(t, true, testBody, batch)
	waitFor(t, "all delivered", func() bool { return s.deliveredCount() == 28 })

	sigs := map[string]bool{}
	batchSigs := map[string]bool{}
	for _, tx := range s.transactions() {
		v := verifyOne(t, tx.Data, lookup)
		if len(tx.Rcpts) == 1 && strings.HasPrefix(tx.Rcpts[0], "m") {
			if !strings.Contains(strings.ToLower(strings.Join(v.HeaderKeys, ":")), "list-unsubscribe-post") {
				t.Errorf("personalized copy: List-Unsubscribe-Post not signed")
			}
			if !bytes.HasPrefix(tx.Data, []byte("DKIM-Signature:")) {
				t.Errorf("signature is not the first field")
			}
			sigs[sigValue(tx.Data)] = true
			if !bytes.Contains(tx.Data, []byte("\r\n.dot line\r\n")) {
				t.Errorf("dot line damaged")
			}
		} else {
			batchSigs[sigValue(tx.Data)] = true
		}
	}
	if len(sigs) != 3 {
		t.Errorf("%d distinct signatures for 3 personalized copies", len(sigs))
	}
	if len(batchSigs) != 1 {
		t.Errorf("%d distinct signatures for one batched message, want 1 (made once)", len(batchSigs))
	}
}

func sigValue(msg []byte) string {
	i := bytes.Index(msg, []byte(" b="))
	if i < 0 {
		return ""
	}
	return string(msg[i : i+60])
}

func TestDKIMMaildir(t *testing.T) {
	key := testRSAKey(t)
	d, err := NewDKIM("lists.example.org", "s1", key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	h := startWorker(t, Relay{}, func(o *Options) { o.OutboxDir = dir; o.DKIM = d })
	h.enqueue(t, false, testBody, []store.QueuedRcpt{{Address: "a@example.net", EnvelopeFrom: "test-bounces@lists.example.org", Header: "X-Per: 1\r\n"}})
	var files []os.DirEntry
	waitFor(t, "the outbox file", func() bool {
		files, _ = os.ReadDir(filepath.Join(dir, "new"))
		return len(files) == 1
	})
	data, err := os.ReadFile(filepath.Join(dir, "new", files[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	verifyOne(t, data, keyDNS(t, "s1", "lists.example.org", &key.PublicKey))
}

// TestOutcomeStageAndKind checks what the hook learns: the stage of a
// failure and the message kind, so bounce accounting can tell a dead
// mailbox (RCPT) from a relay refusing the sender (MAIL) and a probe
// from a post.
func TestOutcomeStageAndKind(t *testing.T) {
	s := startSink(t, func(s *sink) {
		s.rcpt = func(addr string, n int) error {
			if addr == "gone@example.net" {
				return errUnknownUser
			}
			return nil
		}
	})
	var mu sync.Mutex
	got := map[string]store.Outcome{}
	kinds := map[string]string{}
	h := startWorker(t, relayTo(s), func(o *Options) {
		o.Hook = func(tx *store.Tx, m store.QueuedMessage, r store.QueuedRcpt, o store.Outcome) error {
			mu.Lock()
			got[r.Address] = o
			kinds[r.Address] = m.Kind
			mu.Unlock()
			return nil
		}
	})
	id := enqueue(t, h.st, store.QueuedMessage{List: "test", Kind: "probe", Created: h.clock.Now()}, []byte(testBody),
		[]store.QueuedRcpt{{Address: "gone@example.net", EnvelopeFrom: "test-bounces@lists.example.org"}, {Address: "ok@example.net", EnvelopeFrom: "test-bounces@lists.example.org"}})
	h.w.Kick()
	waitFor(t, "both outcomes", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 2 })
	mu.Lock()
	defer mu.Unlock()
	if o := got["gone@example.net"]; !o.Permanent || o.Stage != store.StageRcpt || kinds["gone@example.net"] != "probe" || !strings.Contains(o.Error, "5.1.1") {
		t.Errorf("rejected recipient: %+v", o)
	}
	if o := got["ok@example.net"]; !o.Delivered || o.Stage != store.StageData || kinds["ok@example.net"] != "probe" || o.Key.Msg != id {
		t.Errorf("delivered recipient: %+v", o)
	}
}

// TestOutcomeStageSize: a message over the relay's SIZE limit is refused
// for the whole transaction (stage mail), which is not the recipient's
// bounce.
func TestOutcomeStageSize(t *testing.T) {
	s := startSink(t, func(s *sink) { s.srv.MaxMessageBytes = 64 })
	var mu sync.Mutex
	var got []store.Outcome
	var kinds []string
	h := startWorker(t, relayTo(s), func(o *Options) {
		o.Hook = func(tx *store.Tx, m store.QueuedMessage, r store.QueuedRcpt, o store.Outcome) error {
			mu.Lock()
			got = append(got, o)
			kinds = append(kinds, m.Kind)
			mu.Unlock()
			return nil
		}
	})
	h.enqueue(t, false, testBody, []store.QueuedRcpt{{Address: "a@example.net", EnvelopeFrom: "test-bounces@lists.example.org"}})
	waitFor(t, "the outcome", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 1 })
	if o := got[0]; !o.Permanent || o.Stage != store.StageMail || kinds[0] != "post" {
		t.Errorf("oversized: %+v", o)
	}
}

// BenchmarkDKIMSign is the cost of one signature, which personalized
// mail pays per recipient: body hash plus one private-key operation.
func BenchmarkDKIMSign(b *testing.B) {
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	body := []byte(strings.Repeat("A line of a typical list post, about sixty-five characters long.\r\n", 120)) // ~8 KB
	msg := append([]byte("From: a@example.org\r\nTo: t@lists.example.org\r\nSubject: x\r\n\r\n"), body...)
	head := []byte("List-Unsubscribe: <https://lists.example.org/u/abc>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
	for name, key := range map[string]crypto.Signer{"rsa2048": testRSAKey(b), "ed25519": edPriv} {
		d, err := NewDKIM("lists.example.org", "s1", key)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := d.Sign(head, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

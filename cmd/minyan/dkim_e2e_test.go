package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"minyan/listserv/outbox/deliver"
)

// keygen runs `minyan dkim keygen` in direct mode and returns the TXT
// record it printed, its strings joined as a resolver joins them.
func keygen(t *testing.T, args ...string) (record, stdout string) {
	t.Helper()
	app := cliApp(t, cliConfig(t))
	r := cliRun(t, app, append([]string{"dkim", "keygen"}, args...)...)
	if r.code != 0 {
		t.Fatalf("keygen: exit %d: %s", r.code, r.stderr)
	}
	line := strings.TrimSpace(r.stdout)
	if strings.Contains(line, "\n") {
		t.Fatalf("stdout is not one line: %q", r.stdout)
	}
	for _, s := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(line, -1) {
		if len(s[1]) > 255 {
			t.Errorf("TXT string of %d characters (max 255)", len(s[1]))
		}
		record += s[1]
	}
	return record, line
}

func TestDKIMKeygen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct{ typ, want string }{{"rsa", "v=DKIM1; k=rsa; p="}, {"ed25519", "v=DKIM1; k=ed25519; p="}} {
		file := filepath.Join(dir, c.typ+".pem")
		rec, line := keygen(t, "--type", c.typ, "--selector", "s2026", "-o", file)
		if !strings.HasPrefix(line, "s2026._domainkey.lists.example.org IN TXT \"") || !strings.HasPrefix(rec, c.want) {
			t.Errorf("%s: printed %q", c.typ, line)
		}
		st, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: key file mode %v, want 0600", c.typ, st.Mode().Perm())
		}
		data, _ := os.ReadFile(file)
		key, err := deliver.ParseDKIMKey(data)
		if err != nil {
			t.Fatalf("%s: the written key does not load: %v", c.typ, err)
		}
		if pub, _ := deliver.DKIMRecord(key.Public()); pub != rec {
			t.Errorf("%s: the record does not match the key", c.typ)
		}
	}
	// The default selector (an Ed25519 key here and below: making an RSA
	// key costs a tenth of a second or more, and the RSA case is above).
	if _, line := keygen(t, "--type", "ed25519", "-o", filepath.Join(dir, "default.pem")); !strings.HasPrefix(line, "minyan._domainkey.lists.example.org IN TXT ") {
		t.Errorf("default selector: %q", line)
	}
	// An existing key is never replaced by accident.
	app := cliApp(t, cliConfig(t))
	file := filepath.Join(dir, "rsa.pem")
	before, _ := os.ReadFile(file)
	r := cliRun(t, app, "dkim", "keygen", "-o", file)
	after, _ := os.ReadFile(file)
	if r.code != 1 || !strings.Contains(r.stderr, "already exists") || !bytes.Equal(before, after) {
		t.Errorf("overwrite without --force: exit %d, stderr %q, changed %v", r.code, r.stderr, !bytes.Equal(before, after))
	}
	if r := cliRun(t, app, "dkim", "keygen", "--type", "ed25519", "--force", "-o", file); r.code != 0 {
		t.Errorf("--force: exit %d %s", r.code, r.stderr)
	}
	if r := cliRun(t, app, "dkim", "keygen", "--type", "dsa", "-o", filepath.Join(dir, "x.pem")); r.code != 1 || !strings.Contains(r.stderr, "rsa or ed25519") {
		t.Errorf("bad --type: exit %d, %q", r.code, r.stderr)
	}
}

// TestDKIMKeygenThroughDaemon: with a daemon running, the key is written
// where the command was typed, with mode 0600, and never over a file.
func TestDKIMKeygenThroughDaemon(t *testing.T) {
	t.Parallel()
	cfg := cliConfig(t)
	app := cliApp(t, cfg)
	startAdmin(t, cfg, app)
	file := filepath.Join(t.TempDir(), "k.pem")
	r := cliAdmin(t, cfg, "dkim", "keygen", "--type", "ed25519", "--selector", "sock", "-o", file)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "sock._domainkey.lists.example.org IN TXT \"v=DKIM1; k=ed25519; p=") {
		t.Fatalf("keygen over the socket: %+v", r)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", err, st)
	}
	data, _ := os.ReadFile(file)
	if _, err := deliver.ParseDKIMKey(data); err != nil {
		t.Fatal(err)
	}
	if r := cliAdmin(t, cfg, "dkim", "keygen", "-o", file); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("overwrite over the socket: %+v", r)
	}
}

func TestDKIMConfigErrors(t *testing.T) {
	t.Parallel()
	// A missing or broken key stops the daemon at start with a clear
	// error; a bad selector is refused with the config.
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	os.WriteFile(garbage, []byte("not a key"), 0o600)
	for file, want := range map[string]string{
		filepath.Join(dir, "missing.pem"): "dkim keygen",
		garbage:                           "no PEM private key",
	} {
		cfg := cliConfig(t)
		cfg.Server.SMTPListen, cfg.Server.HTTPListen, cfg.Server.IMAPListen = "127.0.0.1:0", "127.0.0.1:0", ""
		cfg.DKIM = DKIMConfig{Selector: "s1", PrivateKey: file}
		srv, err := startServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), serverDeps{})
		if err == nil {
			srv.Close()
			t.Errorf("%s: the daemon started", file)
			continue
		}
		if !strings.Contains(err.Error(), "dkim.private_key") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q", file, err)
		}
	}
	cfg := cliConfig(t)
	cfg.DKIM = DKIMConfig{Selector: "bad selector!", PrivateKey: garbage}
	if err := cfg.validate(); err == nil || !strings.Contains(err.Error(), "dkim.selector") {
		t.Errorf("bad selector: %v", err)
	}
}

// TestDKIMSignedListMail: with [dkim] set, every message the relay
// receives (personalized and batched posts, a DMARC-munged post, a
// notice) carries a signature by the list domain that verifies against
// the published key, over the unsubscribe headers too.
func TestDKIMSignedListMail(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "dkim.pem")
	record, _ := keygen(t, "--selector", "s2026", "-o", keyFile)
	e := startEnv(t, func(c *Config) {
		c.DKIM = DKIMConfig{Selector: "s2026", PrivateKey: keyFile}
	})
	e.dns.SetTXT("s2026._domainkey.lists.example.org", record)
	e.dns.SetTXT("_dmarc.example.com", "v=DMARC1; p=reject")
	e.dns.SetTXT("example.com", "v=spf1 ip4:127.0.0.0/8 -all") // carol's posts pass the sender check
	e.setup("team", "discussion", map[string]string{"alice@example.net": "member", "bob@example.net": "member", "carol@example.com": "member"})
	e.setup("news", "discussion", map[string]string{"alice@example.net": "member", "bob@example.net": "member"}, "personalize=false", "nonmember_action=reject")

	send := func(from, to, subject string) {
		t.Helper()
		if err := e.send(from, []string{to}, post(from, to, subject, "Body text.\n.leading dot\n")); err != nil {
			t.Fatal(err)
		}
	}
	send("alice@example.net", "team@lists.example.org", "personal")   // 3 copies
	send("carol@example.com", "team@lists.example.org", "munged")     // 3 copies, From rewritten
	send("alice@example.net", "news@lists.example.org", "batched")    // 2 recipients, 1 transaction
	send("stranger@example.org", "news@lists.example.org", "refused") // a rejection notice
	if !e.sink.WaitDelivered(9, 20*time.Second) {
		t.Fatalf("delivered %d of 9", e.sink.Delivered())
	}
	lookup := e.dns.TXT
	seen := map[string]int{}
	for _, m := range e.sink.Messages() {
		vs, err := dkim.VerifyWithOptions(bytes.NewReader(m.Data), &dkim.VerifyOptions{LookupTXT: lookup})
		if err != nil || len(vs) != 1 || vs[0].Err != nil {
			t.Errorf("copy to %v does not verify: %v %+v\n%s", m.Rcpts, err, vs, m.Data)
			continue
		}
		if vs[0].Domain != "lists.example.org" {
			t.Errorf("d=%s", vs[0].Domain)
		}
		signed := strings.ToLower(strings.Join(vs[0].HeaderKeys, ":"))
		h := header(t, m.Data)
		subj, _ := h.Subject()
		switch {
		case strings.Contains(subj, "personal") || strings.Contains(subj, "munged"):
			seen["personal"]++
			// Personalized: one-click unsubscribe (RFC 8058), signed.
			if !strings.HasPrefix(h.Get("List-Unsubscribe"), "<http") || h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
				t.Errorf("%s: List-Unsubscribe %q / %q", subj, h.Get("List-Unsubscribe"), h.Get("List-Unsubscribe-Post"))
			}
			if !strings.Contains(signed, "list-unsubscribe:list-unsubscribe:list-unsubscribe-post") {
				t.Errorf("%s: unsubscribe headers not (over-)signed: h=%s", subj, signed)
			}
			if strings.Contains(subj, "munged") {
				from, _ := h.AddressList("From")
				if len(from) != 1 || from[0].Address != "team@lists.example.org" {
					t.Errorf("munged From = %v", from)
				}
			}
		case strings.Contains(subj, "batched"):
			seen["batched"]++
			if h.Get("List-Unsubscribe") != "<mailto:news-leave@lists.example.org>" || !strings.Contains(signed, "list-unsubscribe") {
				t.Errorf("batched: List-Unsubscribe %q, h=%s", h.Get("List-Unsubscribe"), signed)
			}
		default:
			seen["notice"]++
		}
		// Relayed unchanged, it still verifies; a List-Id added on the
		// way breaks it (over-signing).
		tampered := append([]byte("List-Id: <other.example.com>\r\n"), m.Data...)
		if vs, _ := dkim.VerifyWithOptions(bytes.NewReader(tampered), &dkim.VerifyOptions{LookupTXT: lookup}); len(vs) == 1 && vs[0].Err == nil {
			t.Errorf("copy to %v: an added List-Id did not break the signature", m.Rcpts)
		}
	}
	if seen["personal"] != 6 || seen["batched"] != 1 || seen["notice"] != 1 {
		t.Errorf("copies seen: %v", seen)
	}
}

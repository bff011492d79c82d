package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"golang.org/x/crypto/bcrypt"
	"log/slog"
	"minyan/listserv/testkit"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// startIMAPEnv is startEnv with the IMAP listener on.
func startIMAPEnv(t *testing.T, mutate func(*Config)) *testEnv {
	return startEnv(t, func(c *Config) {
		c.Server.IMAPListen = "127.0.0.1:0"
		if mutate != nil {
			mutate(c)
		}
	})
}

// restart stops the daemon and starts it again on the same data dir.
func (e *testEnv) restart() {
	e.t.Helper()
	if err := e.srv.Close(); err != nil {
		e.t.Fatal(err)
	}
	srv, err := startServer(e.cfg, slog.New(slog.DiscardHandler), serverDeps{Clock: e.clock, Resolver: e.dns, AppPasswordCost: bcrypt.MinCost})
	if err != nil {
		e.t.Fatal(err)
	}
	e.srv = srv // the cleanup startEnv registered closes this one
}

// imapLogin connects to the env's IMAP listener and logs in.
func (e *testEnv) imapLogin(addr, pw string, h *imapclient.UnilateralDataHandler) *imapclient.Client {
	e.t.Helper()
	c, err := imapclient.DialInsecure(e.srv.IMAPAddr, &imapclient.Options{UnilateralDataHandler: h})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	if err := c.Login(addr, pw).Wait(); err != nil {
		e.t.Fatalf("login %s: %v", addr, err)
	}
	return c
}

func mailboxNames(t *testing.T, c *imapclient.Client) string {
	t.Helper()
	ls, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		out = append(out, l.Mailbox)
	}
	return strings.Join(out, ",")
}

func imapErrCode(err error) imap.ResponseCode {
	var ie *imap.Error
	if errors.As(err, &ie) {
		return ie.Code
	}
	return ""
}

// TestIMAPArchive drives the whole daemon: posts arrive over SMTP and are
// read over IMAP, by role, live (IDLE) and across a restart.
func TestIMAPArchive(t *testing.T) {
	t.Parallel()
	e := startIMAPEnv(t, nil)
	if e.srv.IMAPAddr == "" {
		t.Fatal("no IMAP listener")
	}
	e.setup("team", "discussion", map[string]string{"alice@example.org": "owner", "bob@example.net": "member"})
	e.setup("circle", "caucus", map[string]string{"carol@example.org": "member"})
	e.setup("news", "announce", map[string]string{"alice@example.org": "owner"})
	svc := e.srv.App.Svc
	pw := map[string]string{}
	for _, a := range []string{"alice@example.org", "bob@example.net", "carol@example.org", "out@example.org"} {
		p, err := svc.NewAppPassword(a)
		if err != nil {
			t.Fatal(err)
		}
		pw[a] = p
	}
	if err := e.send("alice@example.org", []string{"team@lists.example.org"}, post("Alice <alice@example.org>", "team@lists.example.org", "Training curriculum", "The spring curriculum draft.")); err != nil {
		t.Fatal(err)
	}
	if err := e.send("carol@example.org", []string{"circle@lists.example.org"}, post("Carol <carol@example.org>", "circle@lists.example.org", "Caucus only", "Private.")); err != nil {
		t.Fatal(err)
	}

	// Login: a wrong password fails, the app password works.
	c, err := imapclient.DialInsecure(e.srv.IMAPAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("alice@example.org", "not-the-password").Wait(); imapErrCode(err) != imap.ResponseCodeAuthenticationFailed {
		t.Errorf("bad login: %v", err)
	}

	// LIST per role and privacy.
	alice := e.imapLogin("alice@example.org", pw["alice@example.org"], nil)
	if got := mailboxNames(t, alice); got != "INBOX,news,team" {
		t.Errorf("alice sees %s", got)
	}
	carol := e.imapLogin("carol@example.org", pw["carol@example.org"], nil)
	if got := mailboxNames(t, carol); got != "INBOX,circle,news" {
		t.Errorf("carol sees %s", got)
	}
	out := e.imapLogin("out@example.org", pw["out@example.org"], nil)
	if got := mailboxNames(t, out); got != "INBOX,news" {
		t.Errorf("an outsider sees %s", got)
	}
	if _, err := out.Select("circle", nil).Wait(); imapErrCode(err) != imap.ResponseCodeNonExistent {
		t.Errorf("outsider selects the caucus: %v", err)
	}
	if _, err := out.Status("circle", &imap.StatusOptions{NumMessages: true}).Wait(); imapErrCode(err) != imap.ResponseCodeNonExistent {
		t.Errorf("outsider STATUS of the caucus: %v", err)
	}

	// SELECT / EXAMINE, FETCH of the distributed post.
	sel, err := alice.Select("team", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil || sel.NumMessages != 1 || sel.UIDNext != 2 {
		t.Fatalf("EXAMINE team: %+v %v", sel, err)
	}
	list, _ := svc.GetList("team")
	if sel.UIDValidity != list.UIDValidity {
		t.Errorf("UIDVALIDITY %d, list has %d", sel.UIDValidity, list.UIDValidity)
	}
	msgs, err := alice.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{UID: true, Flags: true, Envelope: true, RFC822Size: true,
		BodySection: []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"List-Id"}, Peek: true}}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch: %v", err)
	}
	raw, _ := archived(e, "team", 1)
	if m := msgs[0]; m.UID != 1 || m.Envelope.Subject != "[team] Training curriculum" || m.RFC822Size != int64(len(raw)) ||
		!strings.HasPrefix(string(m.BodySection[0].Bytes), "List-Id: ") {
		t.Errorf("fetched %+v %q", m.Envelope, m.BodySection[0].Bytes)
	}
	if d, err := alice.UIDSearch(&imap.SearchCriteria{Text: []string{"spring curriculum"}}, nil).Wait(); err != nil || d.All.String() != "1" {
		t.Errorf("search: %v %v", d, err)
	}
	if err := alice.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); imapErrCode(err) != imap.ResponseCodeNoPerm {
		t.Errorf("STORE: %v", err)
	}

	// IDLE: bob's post over SMTP shows up as EXISTS.
	exists := make(chan uint32, 4)
	idler := e.imapLogin("alice@example.org", pw["alice@example.org"], &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				exists <- *d.NumMessages
			}
		}})
	if _, err := idler.Select("team", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := idler.Idle()
	if err != nil {
		t.Fatal(err)
	}
	if err := e.send("bob@example.net", []string{"team@lists.example.org"}, post("Bob <bob@example.net>", "team@lists.example.org", "Re: Training curriculum", "Looks good.")); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-exists:
		if n != 2 {
			t.Errorf("EXISTS %d", n)
		}
	case <-time.After(60 * time.Second): // only matters when broken
		t.Fatal("IDLE did not see the new post")
	}
	idle.Close()
	idle.Wait()

	// Restart on the same data dir: same UIDVALIDITY, same UIDs.
	before, err := idler.Fetch(imap.SeqSet{{Start: 1, Stop: 2}}, &imap.FetchOptions{UID: true, Envelope: true}).Collect()
	if err != nil || len(before) != 2 {
		t.Fatalf("before restart: %v", err)
	}
	e.restart()
	again := e.imapLogin("alice@example.org", pw["alice@example.org"], nil)
	sel2, err := again.Select("team", nil).Wait()
	if err != nil || sel2.UIDValidity != sel.UIDValidity || sel2.NumMessages != 2 || sel2.UIDNext != 3 {
		t.Fatalf("after restart: %+v %v", sel2, err)
	}
	after, err := again.Fetch(imap.UIDSet{{Start: 1, Stop: 2}}, &imap.FetchOptions{UID: true, Envelope: true}).Collect()
	if err != nil || len(after) != 2 {
		t.Fatalf("after restart: %v", err)
	}
	for i := range before {
		if before[i].UID != after[i].UID || before[i].Envelope.MessageID != after[i].Envelope.MessageID {
			t.Errorf("message %d: UID %d %s before, UID %d %s after", i, before[i].UID, before[i].Envelope.MessageID, after[i].UID, after[i].Envelope.MessageID)
		}
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 as PEM files.
func writeCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	c, err := testkit.NewCert()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, c.CertPEM, 0o600)
	os.WriteFile(keyFile, c.KeyPEM, 0o600)
	return certFile, keyFile, c.Pool
}

func TestIMAPTLS(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := writeCert(t)
	e := startIMAPEnv(t, func(c *Config) {
		c.TLS = TLSConfig{Cert: certFile, Key: keyFile}
		c.Server.IMAPSListen = "127.0.0.1:0"
	})
	e.setup("team", "discussion", map[string]string{"alice@example.org": "owner"})
	pw, _ := e.srv.App.Svc.NewAppPassword("alice@example.org")
	tlsConf := &tls.Config{RootCAs: pool}
	ic, err := imapclient.DialTLS(e.srv.IMAPSAddr, &imapclient.Options{TLSConfig: tlsConf})
	if err != nil {
		t.Fatal(err)
	}
	defer ic.Close()
	if err := ic.Login("alice@example.org", pw).Wait(); err != nil {
		t.Errorf("implicit TLS login: %v", err)
	}
	sc, err := imapclient.DialStartTLS(e.srv.IMAPAddr, &imapclient.Options{TLSConfig: tlsConf})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	if err := sc.Login("alice@example.org", pw).Wait(); err != nil {
		t.Errorf("STARTTLS login: %v", err)
	}
}

func TestTLSConfigValidation(t *testing.T) {
	t.Parallel()
	certFile, keyFile, _ := writeCert(t)
	load := func(extra string) error {
		p := filepath.Join(t.TempDir(), "c.toml")
		os.WriteFile(p, []byte("[server]\ndata_dir = \"./d\"\n"+extra), 0o600)
		_, err := LoadConfig(p)
		return err
	}
	for conf, want := range map[string]string{
		"imap_listen = \"0.0.0.0:1143\"\n":                          "is not a loopback address",
		"imap_listen = \":1143\"\n":                                 "is not a loopback address",
		"imaps_listen = \"127.0.0.1:993\"\n":                        "implicit TLS",
		"[tls]\ncert = \"" + certFile + "\"\n":                      "go together",
		"[tls]\ncert = \"/nonexistent.pem\"\nkey = \"/nope.pem\"\n": "no such file",
	} {
		if err := load(conf); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", conf, err, want)
		}
	}
	for _, ok := range []string{
		"imap_listen = \"localhost:1143\"\n",
		"imap_listen = \"[::1]:1143\"\n",
		"imap_listen = \"0.0.0.0:1143\"\nimaps_listen = \"0.0.0.0:993\"\n[tls]\ncert = \"" + certFile + "\"\nkey = \"" + keyFile + "\"\n",
	} {
		if err := load(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

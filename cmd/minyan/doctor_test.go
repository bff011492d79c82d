package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"minyan/listserv/outbox/deliver"
)

// fakeZone is a DNS server on 127.0.0.1 (UDP and TCP on one port)
// answering from the test's records, the way an authoritative server
// would: NXDOMAIN for unknown names, truncation of long UDP answers.
type fakeZone struct {
	mu      sync.Mutex
	records map[string][]dns.RR // key: lower-case FQDN + "/" + type
	addr    string
	// tcp counts queries over TCP (answers too long for a datagram).
	tcp int
}

func (z *fakeZone) add(t *testing.T, rrs ...string) {
	t.Helper()
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, s := range rrs {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatalf("bad test record %q: %v", s, err)
		}
		k := strings.ToLower(rr.Header().Name) + "/" + dns.TypeToString[rr.Header().Rrtype]
		z.records[k] = append(z.records[k], rr)
	}
}

// replace drops every record of name and type.
func (z *fakeZone) replace(t *testing.T, name, typ string, rrs ...string) {
	z.mu.Lock()
	delete(z.records, strings.ToLower(dns.Fqdn(name))+"/"+typ)
	z.mu.Unlock()
	z.add(t, rrs...)
}

func (z *fakeZone) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	q := req.Question[0]
	z.mu.Lock()
	known := false
	for k := range z.records {
		if strings.HasPrefix(k, strings.ToLower(q.Name)+"/") {
			known = true
		}
	}
	m.Answer = append(m.Answer, z.records[strings.ToLower(q.Name)+"/"+dns.TypeToString[q.Qtype]]...)
	z.mu.Unlock()
	if !known {
		m.Rcode = dns.RcodeNameError
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		m.Truncate(dns.MinMsgSize)
	} else {
		z.mu.Lock()
		z.tcp++
		z.mu.Unlock()
	}
	w.WriteMsg(m)
}

// startFakeZone serves records on 127.0.0.1:PORT for UDP and TCP.
func startFakeZone(t *testing.T) *fakeZone {
	z := &fakeZone{records: map[string][]dns.RR{}}
	var pc net.PacketConn
	var ln net.Listener
	for i := 0; ; i++ {
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
		if i == 20 {
			t.Fatalf("no port free for both UDP and TCP: %v", err)
		}
	}
	z.addr = pc.LocalAddr().String()
	for _, s := range []*dns.Server{{PacketConn: pc, Handler: z}, {Listener: ln, Handler: z}} {
		started := make(chan struct{})
		s.NotifyStartedFunc = func() { close(started) }
		go s.ActivateAndServe()
		<-started
		t.Cleanup(func() { s.Shutdown() })
	}
	return z
}

// testCA makes a CA and a server certificate for host, signed by it;
// it returns the server's TLS certificate and the CA's PEM.
func testCA(t *testing.T, host string) (tls.Certificate, []byte) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "minyan test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(60 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

// fakeRelay greets like a mail server named name and hangs up.
func fakeRelay(t *testing.T, name string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "220 %s ESMTP\r\n", name)
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// doctorSite is a whole deployment for the doctor to check: DNS zone,
// https front with a test CA, relay, DKIM key, data and backup dirs.
type doctorSite struct {
	zone    *fakeZone
	dir     string
	cfgPath string
	caFile  string
	keyPEM  []byte
	record  string // the DKIM record of the configured key
}

const (
	doctorDomain = "lists.example.test"
	doctorMX     = "mail.example.test"
)

// doctorKeys are two RSA keys the doctor tests share: the site's DKIM key
// and another one whose record does not match it. What the doctor checks
// does not depend on which keys they are, and an RSA key of 2,048 bits
// takes a tenth of a second or more of CPU to make.
var doctorKeys = sync.OnceValues(func() ([2]*rsa.PrivateKey, error) {
	var keys [2]*rsa.PrivateKey
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return keys, err
		}
		keys[i] = k
	}
	return keys, nil
})

// newDoctorSite sets everything up correctly; httpBackend is what the
// https front passes requests to (nil: a handler answering /healthz).
func newDoctorSite(t *testing.T, smtpListen, httpListen string, httpBackend *url.URL) *doctorSite {
	t.Helper()
	s := &doctorSite{zone: startFakeZone(t), dir: t.TempDir()}
	cert, caPEM := testCA(t, doctorDomain)
	s.caFile = filepath.Join(s.dir, "ca.pem")
	if err := os.WriteFile(s.caFile, caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			w.Write([]byte("ok\n"))
			return
		}
		http.NotFound(w, r)
	})
	if httpBackend != nil {
		h = httputil.NewSingleHostReverseProxy(httpBackend)
	}
	front := httptest.NewUnstartedServer(h)
	front.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	front.StartTLS()
	t.Cleanup(front.Close)
	_, frontPort, _ := net.SplitHostPort(front.Listener.Addr().String())

	keys, err := doctorKeys()
	if err != nil {
		t.Fatal(err)
	}
	key := keys[0]
	if s.keyPEM, err = deliver.MarshalDKIMKey(key); err != nil {
		t.Fatal(err)
	}
	if s.record, err = deliver.DKIMRecord(key.Public()); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(s.dir, "dkim.pem")
	if err := os.WriteFile(keyFile, s.keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(s.dir, "data")
	backups := filepath.Join(s.dir, "backups")
	for _, d := range []string{data, backups} {
		if err := os.Mkdir(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(backups, "minyan-today.db"), []byte("backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	relay := fakeRelay(t, doctorMX)

	s.zone.add(t,
		doctorDomain+". MX 10 "+doctorMX+".",
		doctorDomain+". A 127.0.0.1",
		doctorDomain+`. TXT "v=spf1 mx -all"`,
		// Apex TXT sets grow with verification tokens until the answer
		// no longer fits a datagram.
		doctorDomain+`. TXT "site-verification=`+strings.Repeat("x", 240)+`" "`+strings.Repeat("y", 200)+`"`,
		doctorMX+". A 127.0.0.1",
		doctorMX+`. TXT "v=spf1 a -all"`,
		"1.0.0.127.in-addr.arpa. PTR "+doctorMX+".",
		"_dmarc."+doctorDomain+`. TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@`+doctorDomain+`"`,
		dkimTXTLine("minyan", doctorDomain+".", s.record),
	)
	s.cfgPath = filepath.Join(s.dir, "config.toml")
	conf := fmt.Sprintf(`[server]
domain = %q
data_dir = "data"
backup_dir = "backups"
smtp_listen = %q
http_listen = %q
imap_listen = ""
resolver = "off"
public_url = "https://%s:%s"

[relay]
address = %q

[dkim]
selector = "minyan"
private_key = "dkim.pem"

[web]
trusted_proxies = ["127.0.0.1"]
`, doctorDomain, smtpListen, httpListen, doctorDomain, frontPort, relay)
	if err := os.WriteFile(s.cfgPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// args are the doctor's arguments for this site.
func (s *doctorSite) args() []string {
	return []string{"--config", s.cfgPath, "doctor", "--dns", s.zone.addr, "--public-ip", "127.0.0.1", "--ca-file", s.caFile}
}

// runDoctorHere runs the doctor in this process.
func runDoctorHere(t *testing.T, args []string) (int, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, processEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
	if errb.Len() > 0 {
		t.Logf("stderr: %s", errb.String())
	}
	return code, out.String()
}

// reportLines splits the report into STATUS, CHECK, DETAIL, failing the
// test on a malformed line.
func reportLines(t *testing.T, out string) [][3]string {
	t.Helper()
	var rows [][3]string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		f := strings.SplitN(l, "\t", 3)
		if len(f) != 3 || (f[0] != "ok" && f[0] != "warn" && f[0] != "fail") {
			t.Fatalf("malformed report line %q", l)
		}
		rows = append(rows, [3]string{f[0], f[1], f[2]})
	}
	return rows
}

// listenAny opens a listener the checks can connect to.
func listenAny(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func TestDoctorCorrectZoneAllOK(t *testing.T) {
	t.Parallel()
	s := newDoctorSite(t, listenAny(t), listenAny(t), nil)
	if err := os.WriteFile(filepath.Join(s.dir, "data", "minyan.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out := runDoctorHere(t, s.args())
	rows := reportLines(t, out)
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r[1]] = true
		if r[0] != "ok" {
			t.Errorf("%s %s: %s", r[0], r[1], r[2])
		}
	}
	for _, c := range []string{"mx", "spf", "dkim", "dmarc", "ptr", "helo", "spf-helo", "https", "proxy", "listen-smtp", "listen-http", "data-dir", "dkim-key", "clock", "backup"} {
		if !seen[c] {
			t.Errorf("no %s line in:\n%s", c, out)
		}
	}
	if code != 0 {
		t.Errorf("exit status %d, want 0:\n%s", code, out)
	}
	// The apex TXT set does not fit a 512-byte datagram: the doctor
	// asked again over TCP.
	s.zone.mu.Lock()
	defer s.zone.mu.Unlock()
	if s.zone.tcp == 0 {
		t.Error("no query came over TCP")
	}
}

func TestDoctorBrokenRecordsFail(t *testing.T) {
	t.Parallel()
	s := newDoctorSite(t, listenAny(t), listenAny(t), nil)
	if err := os.WriteFile(filepath.Join(s.dir, "data", "minyan.db"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	keys, err := doctorKeys()
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := deliver.DKIMRecord(keys[1].Public())
	s.zone.replace(t, "minyan._domainkey."+doctorDomain, "TXT", dkimTXTLine("minyan", doctorDomain+".", rec))
	s.zone.replace(t, "_dmarc."+doctorDomain, "TXT")
	s.zone.replace(t, doctorDomain, "MX", doctorDomain+". MX 10 elsewhere.example.test.")
	code, out := runDoctorHere(t, s.args())
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	got := map[string]string{}
	for _, r := range reportLines(t, out) {
		if r[0] == "fail" {
			got[r[1]] = r[2]
		}
	}
	for check, want := range map[string]string{
		"dkim":     "minyan._domainkey." + doctorDomain + " does not publish the key",
		"dmarc":    "has no DMARC record",
		"mx":       "no MX of " + doctorDomain + " points to this host",
		"data-dir": "minyan.db is mode -rw-r--r--",
		// "mx" in the SPF record no longer names this host.
		"spf": `"v=spf1 mx -all" gives fail for 127.0.0.1`,
	} {
		if !strings.Contains(got[check], want) {
			t.Errorf("fail %s = %q, want it to say %q\n%s", check, got[check], want, out)
		}
	}
	if len(got) != 5 {
		t.Errorf("want exactly 5 failing checks, got %v", got)
	}
}

func TestDoctorHTTPAndDownListenersFail(t *testing.T) {
	t.Parallel()
	s := newDoctorSite(t, "127.0.0.1:1", listenAny(t), nil)
	conf, _ := os.ReadFile(s.cfgPath)
	conf = []byte(strings.Replace(string(conf), `public_url = "https://`, `public_url = "http://`, 1))
	os.WriteFile(s.cfgPath, conf, 0o600)
	code, out := runDoctorHere(t, s.args())
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if !strings.Contains(out, "fail\thttps\tserver.public_url http://") {
		t.Errorf("no https failure:\n%s", out)
	}
	if !strings.Contains(out, "fail\tlisten-smtp\tserver.smtp_listen = 127.0.0.1:1 does not accept") {
		t.Errorf("no listener failure:\n%s", out)
	}
	if !strings.Contains(out, "warn\tclock\t") {
		t.Errorf("the clock check should say it could not run:\n%s", out)
	}
}

// TestDoctorBinaryAgainstDaemon runs the built binary against a running
// daemon behind an https front, with the DNS of the test's zone: the
// way an admin runs it after following docs/deploy.md.
func TestDoctorBinaryAgainstDaemon(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "")
	backend, _ := url.Parse("http://" + e.http)
	s := newDoctorSite(t, e.smtp, e.http, backend)
	conf, _ := os.ReadFile(s.cfgPath)
	if err := os.WriteFile(e.cfg, bytes.Replace(conf, []byte(`data_dir = "data"`), []byte(fmt.Sprintf("data_dir = %q", filepath.Join(e.dir, "data"))), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"dkim.pem", "backups"} {
		if err := os.Rename(filepath.Join(s.dir, f), filepath.Join(e.dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	e.start()
	args := s.args()
	args[1] = e.cfg
	cmd := exec.Command(e.bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	for _, r := range reportLines(t, out.String()) {
		if r[0] != "ok" {
			t.Errorf("%s %s: %s", r[0], r[1], r[2])
		}
	}
	if err != nil {
		t.Fatalf("minyan doctor: %v\n%s%s", err, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "ok\thttps\thttps://"+doctorDomain) {
		t.Errorf("no https line:\n%s", out.String())
	}

	// A broken DKIM record: the binary names it and exits 1.
	s.zone.replace(t, "minyan._domainkey."+doctorDomain, "TXT", "minyan._domainkey."+doctorDomain+`. TXT "v=DKIM1; k=rsa; p="`)
	cmd = exec.Command(e.bin, args...)
	out.Reset()
	cmd.Stdout = &out
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "fail\tdkim\tminyan._domainkey."+doctorDomain+" does not publish the key") {
		t.Errorf("no dkim failure:\n%s", out.String())
	}

	// The container probe.
	hc, err := exec.Command(e.bin, "--config", e.cfg, "healthcheck").CombinedOutput()
	if err != nil || strings.TrimSpace(string(hc)) != "ok" {
		t.Errorf("healthcheck: %v: %s", err, hc)
	}
}

func TestHealthcheckFailsWhenDown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	os.WriteFile(cfg, []byte("[server]\ndata_dir = \"data\"\nhttp_listen = \"127.0.0.1:1\"\n"), 0o600)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--config", cfg, "healthcheck", "--timeout", "1s"},
		processEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
	if code != 1 || !strings.Contains(errb.String(), "minyan: healthcheck:") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"blitiri.com.ar/go/spf"

	"minyan/listserv/auth"
	"minyan/listserv/outbox/deliver"
)

// `minyan doctor` checks, as the rest of the internet sees it, what a list
// domain needs: mail can reach this host (MX), mail from it is accepted
// (SPF, DKIM, DMARC, reverse DNS and the relay's HELO name), people can
// reach the pages (https with a valid certificate answering /healthz),
// and the host itself is sound (listeners, data dir permissions, clock,
// backups). Each check prints one line, STATUS<TAB>CHECK<TAB>DETAIL, so
// a script or a monitoring job can read it; a fail sets exit status 1.
//
// It runs beside the daemon, never through its admin socket, and opens
// no store: the daemon holds the store's lock, and a check of the world
// must not depend on the process it checks.

// checkStatus is the verdict of one check.
type checkStatus int

const (
	statusOK checkStatus = iota
	statusWarn
	statusFail
)

// String is the word the report prints.
func (s checkStatus) String() string {
	switch s {
	case statusOK:
		return "ok"
	case statusWarn:
		return "warn"
	}
	return "fail"
}

// checkResult is one line of the report.
type checkResult struct {
	status checkStatus
	check  string
	detail string
}

// Tolerances of the checks, with why.
const (
	// certWarnBefore: certificates renew 30 days ahead (ACME clients);
	// one with two weeks left means renewal is failing.
	certWarnBefore = 14 * 24 * time.Hour
	// clockWarnSkew and clockFailSkew: DKIM signatures, sign-in links and
	// webhook timestamps carry times that receivers compare with theirs.
	clockWarnSkew = 10 * time.Second
	clockFailSkew = 2 * time.Minute
	// backupWarnAge and backupFailAge: a daily backup job with an hour's
	// slack, and two missed days.
	backupWarnAge = 26 * time.Hour
	backupFailAge = 50 * time.Hour
)

// doctor holds what the checks need.
type doctor struct {
	cfg *Config
	// dns answers every lookup; doctorDNS asks one server directly.
	dns auth.Resolver
	// publicIPs are this host's addresses as the world sees them: from
	// --public-ip, else the global addresses of its interfaces.
	publicIPs []net.IP
	// roots verifies public_url's certificate (nil: the system's).
	roots   *x509.CertPool
	timeout time.Duration
	now     func() time.Time
	// healthzDate is the Date header of public_url's answer (for the
	// clock check); zero when it did not answer.
	healthzDate time.Time
	// heloName is the relay's greeting name, when it answered.
	heloName string
}

// doctorCommands is the deployment check and the container health probe.
func doctorCommands() []*command {
	return []*command{
		{name: "doctor", args: "[--dns HOST:PORT] [--public-ip IP,...] [--ca-file FILE] [--timeout D]",
			summary: "check DNS, certificate, listeners, permissions, clock and backups as the world sees them (ok|warn|fail<TAB>CHECK<TAB>DETAIL)",
			setup:   setupDoctor},
		{name: "healthcheck", args: "[--timeout D]", summary: "exit 0 when the daemon's http_listen answers /healthz (for container HEALTHCHECK)",
			setup: setupHealthcheck},
	}
}

// setupDoctor builds `minyan doctor`; main runs it in this process (see
// runsWithoutStore).
func setupDoctor(fs *flag.FlagSet) action {
	server := fs.String("dns", "", "ask the DNS server at `HOST:PORT` (default: the first nameserver in /etc/resolv.conf)")
	ips := fs.String("public-ip", "", "this host's public `IP` addresses, comma-separated (default: its interfaces' global addresses; needed behind NAT)")
	caFile := fs.String("ca-file", "", "also trust the CA certificates in `FILE` (PEM) for public_url, e.g. a private PKI")
	timeout := fs.Duration("timeout", 5*time.Second, "give up on each network check after `D`")
	return func(ctx context.Context, env *cmdEnv, _ []string) error {
		d := &doctor{cfg: env.app.Cfg, timeout: *timeout, now: time.Now}
		var err error
		if d.dns, err = newDoctorDNS(*server, *timeout); err != nil {
			return err
		}
		if *ips != "" {
			for _, s := range strings.Split(*ips, ",") {
				ip := net.ParseIP(strings.TrimSpace(s))
				if ip == nil {
					return env.usage(fmt.Sprintf("--public-ip: %q is not an IP address", s))
				}
				d.publicIPs = append(d.publicIPs, ip)
			}
		} else {
			d.publicIPs = interfaceIPs()
		}
		if *caFile != "" {
			pem, err := os.ReadFile(*caFile)
			if err != nil {
				return fmt.Errorf("--ca-file: %w", err)
			}
			if d.roots, err = x509.SystemCertPool(); err != nil || d.roots == nil {
				d.roots = x509.NewCertPool()
			}
			if !d.roots.AppendCertsFromPEM(pem) {
				return fmt.Errorf("--ca-file %s holds no PEM certificate", *caFile)
			}
		}
		failed := false
		for _, r := range d.run(ctx) {
			row(env.io.Stdout, r.status.String(), r.check, r.detail)
			failed = failed || r.status == statusFail
		}
		if failed {
			return errSomeFailed
		}
		return nil
	}
}

// run performs every check in report order.
func (d *doctor) run(ctx context.Context) []checkResult {
	var out []checkResult
	add := func(rs ...checkResult) { out = append(out, rs...) }
	add(d.checkMX(ctx))
	add(d.checkSPF(ctx))
	add(d.checkDKIM(ctx))
	add(d.checkDMARC(ctx))
	add(d.checkPTR(ctx)...)
	add(d.checkHELO(ctx)...)
	add(d.checkHTTPS(ctx))
	add(d.checkProxy())
	add(d.checkListeners()...)
	add(d.checkDataDir()...)
	add(d.checkClock())
	add(d.checkBackup())
	return out
}

func okResult(check, format string, a ...any) checkResult {
	return checkResult{statusOK, check, fmt.Sprintf(format, a...)}
}

func warnResult(check, format string, a ...any) checkResult {
	return checkResult{statusWarn, check, fmt.Sprintf(format, a...)}
}

func failResult(check, format string, a ...any) checkResult {
	return checkResult{statusFail, check, fmt.Sprintf(format, a...)}
}

// interfaceIPs are the host's global unicast addresses outside the
// private ranges: on a VPS, its public address.
func interfaceIPs() []net.IP {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.IsGlobalUnicast() && !n.IP.IsPrivate() {
			out = append(out, n.IP)
		}
	}
	return out
}

// isPublic tells whether ip is one of this host's public addresses.
func (d *doctor) isPublic(ip net.IP) bool {
	for _, p := range d.publicIPs {
		if p.Equal(ip) {
			return true
		}
	}
	return false
}

// outboundIPs are the addresses receivers see mail from: this host's
// when the relay runs here (or there is none), else the relay's.
func (d *doctor) outboundIPs(ctx context.Context) ([]net.IP, string) {
	host, _, err := net.SplitHostPort(d.cfg.Relay.Address)
	if d.cfg.Relay.Address == "" || err != nil || isLocalHost(host) {
		return d.publicIPs, "this host"
	}
	addrs, err := d.dns.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, "relay " + host
	}
	ips := make([]net.IP, len(addrs))
	for i, a := range addrs {
		ips[i] = a.IP
	}
	return ips, "relay " + host
}

// isLocalHost tells whether a listen or relay host is this machine.
func isLocalHost(host string) bool {
	if host == "" || host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// ipList prints addresses for a detail.
func ipList(ips []net.IP) string {
	s := make([]string, len(ips))
	for i, ip := range ips {
		s[i] = ip.String()
	}
	return strings.Join(s, ", ")
}

// checkMX: mail to LIST@DOMAIN must arrive at this host.
func (d *doctor) checkMX(ctx context.Context) checkResult {
	domain := d.cfg.Server.Domain
	mxs, err := d.dns.LookupMX(ctx, domain)
	if err != nil {
		if isNotFound(err) {
			return failResult("mx", "%s has no MX record: mail to its lists cannot arrive (publish %s. MX 10 <this host's name>.)", domain, domain)
		}
		return failResult("mx", "looking up the MX of %s: %v", domain, err)
	}
	if len(d.publicIPs) == 0 {
		return warnResult("mx", "%s has MX %s, but this host's public address is unknown (give --public-ip)", domain, strings.TrimSuffix(mxs[0].Host, "."))
	}
	var seen []string
	for _, mx := range mxs {
		host := strings.TrimSuffix(mx.Host, ".")
		addrs, err := d.dns.LookupIPAddr(ctx, host)
		if err != nil {
			seen = append(seen, host+" (no address)")
			continue
		}
		for _, a := range addrs {
			if d.isPublic(a.IP) {
				return okResult("mx", "%s MX %d %s -> %s (this host)", domain, mx.Pref, host, a.IP)
			}
			seen = append(seen, host+" -> "+a.IP.String())
		}
	}
	return failResult("mx", "no MX of %s points to this host (%s): %s", domain, ipList(d.publicIPs), strings.Join(seen, "; "))
}

// spfRecord finds the v=spf1 record of name.
func (d *doctor) spfRecord(ctx context.Context, name string) (string, error) {
	txts, err := d.dns.LookupTXT(ctx, name)
	if err != nil {
		return "", err
	}
	for _, t := range txts {
		if strings.HasPrefix(strings.ToLower(t), "v=spf1") {
			return t, nil
		}
	}
	return "", &net.DNSError{Err: "no v=spf1 record", Name: name, IsNotFound: true}
}

// checkSPF: the list domain is the envelope sender of every post
// (LIST-bounces@DOMAIN), so its SPF record must pass the outbound
// addresses.
func (d *doctor) checkSPF(ctx context.Context) checkResult {
	domain := d.cfg.Server.Domain
	rec, err := d.spfRecord(ctx, domain)
	if err != nil {
		if isNotFound(err) {
			return failResult("spf", "%s has no SPF record (publish %s. TXT \"v=spf1 mx -all\")", domain, domain)
		}
		return failResult("spf", "looking up the SPF record of %s: %v", domain, err)
	}
	ips, from := d.outboundIPs(ctx)
	if len(ips) == 0 {
		return warnResult("spf", "%s: %q; the outbound address (%s) is unknown, so it was not evaluated (give --public-ip)", domain, rec, from)
	}
	return d.evalSPF(ctx, "spf", domain, "minyan-bounces@"+domain, rec, ips, from)
}

// evalSPF evaluates the SPF record of sender's domain for each address.
func (d *doctor) evalSPF(ctx context.Context, check, helo, sender, rec string, ips []net.IP, from string) checkResult {
	for _, ip := range ips {
		res, err := spf.CheckHostWithSender(ip, helo, sender, spf.WithResolver(d.dns), spf.WithContext(ctx))
		if res != spf.Pass {
			detail := fmt.Sprintf("%q gives %s for %s (%s), not pass", rec, res, ip, from)
			if err != nil {
				detail += ": " + err.Error()
			}
			return failResult(check, "%s", detail)
		}
	}
	return okResult(check, "%q passes %s (%s)", rec, ipList(ips), from)
}

// checkDKIM: the public key published under the selector must be the
// configured private key's.
func (d *doctor) checkDKIM(ctx context.Context) checkResult {
	c := d.cfg.DKIM
	if !c.Enabled() {
		return warnResult("dkim", "[dkim] is not configured: outgoing mail is unsigned (see `minyan dkim keygen`)")
	}
	name := c.Selector + "._domainkey." + d.cfg.Server.Domain
	data, err := os.ReadFile(c.PrivateKey)
	if err != nil {
		return failResult("dkim", "dkim.private_key: %v", err)
	}
	key, err := deliver.ParseDKIMKey(data)
	if err != nil {
		return failResult("dkim", "dkim.private_key %s: %v", c.PrivateKey, err)
	}
	want, err := deliver.DKIMRecord(key.Public())
	if err != nil {
		return failResult("dkim", "dkim.private_key %s: %v", c.PrivateKey, err)
	}
	txts, err := d.dns.LookupTXT(ctx, name)
	if err != nil {
		if isNotFound(err) {
			return failResult("dkim", "%s has no TXT record: publish %s", name, want)
		}
		return failResult("dkim", "looking up %s: %v", name, err)
	}
	wantP := dkimTag(want, "p")
	for _, t := range txts {
		if dkimTag(t, "p") == wantP {
			return okResult("dkim", "%s publishes the public key of %s", name, c.PrivateKey)
		}
	}
	return failResult("dkim", "%s does not publish the key of %s (revoked, mistyped or another key): publish %s", name, c.PrivateKey, want)
}

// dkimTag returns the value of a tag of a DKIM record, whitespace
// removed (long keys are often split over several quoted strings).
func dkimTag(rec, tag string) string {
	for _, part := range strings.Split(rec, ";") {
		k, v, found := strings.Cut(part, "=")
		if found && strings.TrimSpace(k) == tag {
			return strings.Join(strings.Fields(v), "")
		}
	}
	return ""
}

// checkDMARC: receivers such as the large mailbox providers want a DMARC
// record on the domains that send bulk mail.
func (d *doctor) checkDMARC(ctx context.Context) checkResult {
	name := "_dmarc." + d.cfg.Server.Domain
	txts, err := d.dns.LookupTXT(ctx, name)
	if err != nil && !isNotFound(err) {
		return failResult("dmarc", "looking up %s: %v", name, err)
	}
	for _, t := range txts {
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(t)), "V=DMARC1") {
			return okResult("dmarc", "%s: %q", name, t)
		}
	}
	return failResult("dmarc", "%s has no DMARC record (publish %s. TXT \"v=DMARC1; p=none\" at least)", name, name)
}

// checkPTR: receivers refuse mail from addresses without a reverse name
// that resolves back to them.
func (d *doctor) checkPTR(ctx context.Context) []checkResult {
	ips, from := d.outboundIPs(ctx)
	if len(ips) == 0 {
		return []checkResult{warnResult("ptr", "the outbound address (%s) is unknown (give --public-ip)", from)}
	}
	var out []checkResult
	for _, ip := range ips {
		names, err := d.dns.LookupAddr(ctx, ip.String())
		if err != nil {
			out = append(out, failResult("ptr", "%s (%s) has no reverse DNS name: %v (ask the hosting provider to set it)", ip, from, err))
			continue
		}
		confirmed := ""
		for _, n := range names {
			addrs, err := d.dns.LookupIPAddr(ctx, strings.TrimSuffix(n, "."))
			if err != nil {
				continue
			}
			for _, a := range addrs {
				if a.IP.Equal(ip) {
					confirmed = strings.TrimSuffix(n, ".")
				}
			}
		}
		if confirmed == "" {
			out = append(out, failResult("ptr", "%s (%s) reverses to %s, which does not resolve back to it", ip, from, strings.Join(names, ", ")))
			continue
		}
		out = append(out, okResult("ptr", "%s -> %s -> %s (%s)", ip, confirmed, ip, from))
	}
	return out
}

// checkHELO reads the relay's greeting: the name it gives (and uses in
// HELO, as mail servers do by default) should resolve to the outbound
// address, and an SPF record for it keeps its own bounces deliverable.
func (d *doctor) checkHELO(ctx context.Context) []checkResult {
	addr := d.cfg.Relay.Address
	if addr == "" {
		return []checkResult{warnResult("helo", "relay.address is empty: mail is written to DATA_DIR/outbox and never sent")}
	}
	name, err := d.relayGreeting(ctx, addr)
	if err != nil {
		return []checkResult{failResult("helo", "relay %s: %v", addr, err)}
	}
	d.heloName = name
	ips, from := d.outboundIPs(ctx)
	addrs, err := d.dns.LookupIPAddr(ctx, name)
	if err != nil {
		return []checkResult{failResult("helo", "the relay greets as %s, which has no address in DNS: %v", name, err)}
	}
	var out []checkResult
	match := false
	for _, a := range addrs {
		for _, ip := range ips {
			match = match || a.IP.Equal(ip)
		}
	}
	if !match && len(ips) > 0 {
		out = append(out, failResult("helo", "the relay greets as %s, which resolves to %s, not the outbound %s (%s)", name, ipAddrList(addrs), ipList(ips), from))
	} else {
		out = append(out, okResult("helo", "the relay greets as %s -> %s", name, ipAddrList(addrs)))
	}
	rec, err := d.spfRecord(ctx, name)
	switch {
	case isNotFound(err):
		out = append(out, warnResult("spf-helo", "%s (the relay's HELO name) has no SPF record; bounces it sends itself may be refused (publish %s. TXT \"v=spf1 a -all\")", name, name))
	case err != nil:
		out = append(out, failResult("spf-helo", "looking up the SPF record of %s: %v", name, err))
	case len(ips) == 0:
		out = append(out, warnResult("spf-helo", "%s: %q; the outbound address is unknown (give --public-ip)", name, rec))
	default:
		out = append(out, d.evalSPF(ctx, "spf-helo", name, "postmaster@"+name, rec, ips, from))
	}
	return out
}

func ipAddrList(addrs []net.IPAddr) string {
	ips := make([]net.IP, len(addrs))
	for i, a := range addrs {
		ips[i] = a.IP
	}
	return ipList(ips)
}

// relayGreeting connects to the relay and returns the host name of its
// 220 greeting.
func (d *doctor) relayGreeting(ctx context.Context, addr string) (string, error) {
	dialer := &net.Dialer{Timeout: d.timeout}
	var conn net.Conn
	var err error
	if d.cfg.Relay.TLS == "tls" {
		host, _, _ := net.SplitHostPort(addr)
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: &tls.Config{ServerName: host}}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(d.timeout))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("no greeting: %w", err)
	}
	fmt.Fprint(conn, "QUIT\r\n")
	f := strings.Fields(strings.TrimSpace(line))
	if len(f) < 2 || !strings.HasPrefix(f[0], "220") {
		return "", fmt.Errorf("unexpected greeting %q", strings.TrimSpace(line))
	}
	return strings.TrimSuffix(f[1], "."), nil
}

// checkHTTPS fetches public_url/healthz as a browser elsewhere would:
// the host name resolved through the checked DNS, the certificate
// verified.
func (d *doctor) checkHTTPS(ctx context.Context) checkResult {
	pub := strings.TrimRight(d.cfg.Server.PublicURL, "/")
	u, err := url.Parse(pub)
	if err != nil {
		return failResult("https", "server.public_url %q: %v", pub, err)
	}
	if u.Scheme != "https" {
		return failResult("https", "server.public_url %s is not https: sign-in links and cookies would travel in clear (put Caddy in front, see docs/deploy.md)", pub)
	}
	port := u.Port()
	if port == "" {
		port = "443"
	}
	dialer := &net.Dialer{Timeout: d.timeout}
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: d.roots, ServerName: u.Hostname()},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			addrs, err := d.dns.LookupIPAddr(ctx, u.Hostname())
			if err != nil {
				return nil, err
			}
			var last error
			for _, a := range addrs {
				c, err := dialer.DialContext(ctx, network, net.JoinHostPort(a.IP.String(), port))
				if err == nil {
					return c, nil
				}
				last = err
			}
			return nil, last
		},
		ForceAttemptHTTP2: true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: d.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pub+"/healthz", nil)
	if err != nil {
		return failResult("https", "%v", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return failResult("https", "GET %s/healthz: %v", pub, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		d.healthzDate = t
	}
	if resp.StatusCode != http.StatusOK {
		return failResult("https", "GET %s/healthz answered %s: %s", pub, resp.Status, strings.TrimSpace(string(body)))
	}
	if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 {
		return failResult("https", "GET %s/healthz: no certificate", pub)
	}
	cert := resp.TLS.PeerCertificates[0]
	left := cert.NotAfter.Sub(d.now())
	if left < certWarnBefore {
		return warnResult("https", "%s answers /healthz, but its certificate expires %s (renewal failing?)", pub, cert.NotAfter.UTC().Format(time.RFC3339))
	}
	return okResult("https", "%s answers /healthz; certificate for %s valid until %s", pub, u.Hostname(), cert.NotAfter.UTC().Format("2006-01-02"))
}

// checkProxy: public_url on https while minyan itself serves plain
// HTTP on loopback means a proxy in front; without trusted_proxies its
// rate limits would count every visitor as the proxy.
func (d *doctor) checkProxy() checkResult {
	host, _, _ := net.SplitHostPort(d.cfg.Server.HTTPListen)
	behind := strings.HasPrefix(d.cfg.Server.PublicURL, "https://") && isLocalHost(host)
	switch {
	case behind && len(d.cfg.Web.TrustedProxies) == 0:
		return warnResult("proxy", "a proxy serves public_url, but [web] trusted_proxies is empty: the form rate limits count all visitors as one (set it to [\"127.0.0.1\", \"::1\"])")
	case behind:
		return okResult("proxy", "clients are named by X-Forwarded-For from %s", strings.Join(d.cfg.Web.TrustedProxies, ", "))
	}
	return okResult("proxy", "no proxy in front of http_listen %s", d.cfg.Server.HTTPListen)
}

// checkListeners connects to every configured listener.
func (d *doctor) checkListeners() []checkResult {
	s := d.cfg.Server
	var out []checkResult
	for _, l := range []struct{ name, key, addr string }{
		{"listen-smtp", "server.smtp_listen", s.SMTPListen},
		{"listen-lmtp", "server.lmtp_listen", s.LMTPListen},
		{"listen-http", "server.http_listen", s.HTTPListen},
		{"listen-imap", "server.imap_listen", s.IMAPListen},
		{"listen-imaps", "server.imaps_listen", s.IMAPSListen},
	} {
		if l.addr == "" {
			continue
		}
		network, addr := "tcp", dialableAddr(l.addr)
		if p, isUnix := strings.CutPrefix(l.addr, "unix:"); isUnix {
			network, addr = "unix", p
		}
		c, err := net.DialTimeout(network, addr, d.timeout)
		if err != nil {
			out = append(out, failResult(l.name, "%s = %s does not accept connections (is `minyan serve` running?): %v", l.key, l.addr, err))
			continue
		}
		c.Close()
		out = append(out, okResult(l.name, "%s accepts connections", l.addr))
	}
	return out
}

// dialableAddr turns a listen address into one to connect to: a
// wildcard host means this host's loopback.
func dialableAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		if ip != nil && ip.To4() == nil {
			host = "::1"
		} else {
			host = "127.0.0.1"
		}
	}
	return net.JoinHostPort(host, port)
}

// checkDataDir: the store holds every member's address and the archive
// (members-only lists too); nobody but the daemon's user may read it.
func (d *doctor) checkDataDir() []checkResult {
	dir := d.cfg.Server.DataDir
	st, err := os.Stat(dir)
	if err != nil {
		return []checkResult{failResult("data-dir", "%v", err)}
	}
	var out []checkResult
	if m := st.Mode().Perm(); m&0o007 != 0 {
		out = append(out, failResult("data-dir", "%s is mode %s: other users can list or change it (chmod 750 %s)", dir, m, dir))
	} else {
		out = append(out, okResult("data-dir", "%s is mode %s", dir, m))
	}
	for _, f := range []struct{ check, path string }{
		{"data-dir", filepath.Join(dir, "minyan.db")},
		{"dkim-key", d.cfg.DKIM.PrivateKey},
	} {
		if f.path == "" {
			continue
		}
		st, err := os.Stat(f.path)
		if err != nil {
			out = append(out, failResult(f.check, "%v", err))
			continue
		}
		if m := st.Mode().Perm(); m&0o077 != 0 {
			out = append(out, failResult(f.check, "%s is mode %s: readable by others (chmod 600 %s)", f.path, m, f.path))
		} else {
			out = append(out, okResult(f.check, "%s is mode %s", f.path, m))
		}
	}
	return out
}

// checkClock compares this host's clock with the Date of public_url's
// answer. When the front runs on this host too the two share a clock,
// and the detail says what was compared.
func (d *doctor) checkClock() checkResult {
	if d.healthzDate.IsZero() {
		return warnResult("clock", "not checked: public_url gave no Date to compare with")
	}
	skew := d.now().Sub(d.healthzDate)
	if skew < 0 {
		skew = -skew
	}
	skew = skew.Truncate(time.Second)
	switch {
	case skew > clockFailSkew:
		return failResult("clock", "this host's clock is %s off public_url's (run an NTP client such as systemd-timesyncd)", skew)
	case skew > clockWarnSkew:
		return warnResult("clock", "this host's clock is %s off public_url's", skew)
	}
	return okResult("clock", "within %s of public_url's Date", clockWarnSkew)
}

// checkBackup looks at the age of the newest file in server.backup_dir.
func (d *doctor) checkBackup() checkResult {
	dir := d.cfg.Server.BackupDir
	if dir == "" {
		return warnResult("backup", "server.backup_dir is not set, so backups are not checked (see docs/deploy.md)")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return failResult("backup", "%v", err)
	}
	var newest time.Time
	name := ""
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		if info.ModTime().After(newest) {
			newest, name = info.ModTime(), e.Name()
		}
	}
	if name == "" {
		return failResult("backup", "%s holds no backup (schedule `minyan backup %s/minyan-$(date +%%F).db`)", dir, dir)
	}
	age := d.now().Sub(newest).Truncate(time.Minute)
	switch {
	case age > backupFailAge:
		return failResult("backup", "the newest backup %s is %s old", name, age)
	case age > backupWarnAge:
		return warnResult("backup", "the newest backup %s is %s old", name, age)
	}
	return okResult("backup", "the newest backup %s is %s old", name, age)
}

// setupHealthcheck builds `minyan healthcheck`: a container's health
// probe. Distroless and scratch images have no shell or curl, so the
// binary itself asks the daemon's http_listen for /healthz.
func setupHealthcheck(fs *flag.FlagSet) action {
	timeout := fs.Duration("timeout", 3*time.Second, "give up after `D`")
	return func(ctx context.Context, env *cmdEnv, _ []string) error {
		addr := env.app.Cfg.Server.HTTPListen
		if addr == "" {
			return fmt.Errorf("healthcheck: server.http_listen is empty")
		}
		client := &http.Client{Timeout: *timeout}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+dialableAddr(addr)+"/healthz", nil)
		if err != nil {
			return fmt.Errorf("healthcheck: %w", err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("healthcheck: %w", err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("healthcheck: %s: %s", resp.Status, strings.TrimSpace(string(body)))
		}
		fmt.Fprint(env.io.Stdout, string(body))
		return nil
	}
}

// runsWithoutStore names the commands main runs itself with the config
// alone: they check the running daemon from outside.
func runsWithoutStore(name string) bool {
	return name == "doctor" || name == "healthcheck"
}

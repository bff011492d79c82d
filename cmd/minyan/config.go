package main

import (
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"minyan/listserv/web"
)

// defaultConfig is config.example.toml, embedded so `minyan serve` runs
// with no file at all on a fresh machine.
//
//go:embed config.example.toml
var defaultConfig string

// Config is the daemon's static configuration; one struct is the schema.
// Per-list settings live in the store, not here.
type Config struct {
	Server ServerConfig `toml:"server"`
	Relay  RelayConfig  `toml:"relay"`
	DKIM   DKIMConfig   `toml:"dkim"`
	TLS    TLSConfig    `toml:"tls"`
	Web    WebConfig    `toml:"web"`
	// Network is relationships across the lists (serve_intros.go).
	Network NetworkConfig `toml:"network"`

	// Path is where it was read from ("" = embedded default); not a key.
	Path string `toml:"-"`
}

// ServerConfig is the [server] table.
type ServerConfig struct {
	Domain      string `toml:"domain"`
	DataDir     string `toml:"data_dir"`
	SMTPListen  string `toml:"smtp_listen"`
	LMTPListen  string `toml:"lmtp_listen"`
	HTTPListen  string `toml:"http_listen"`
	IMAPListen  string `toml:"imap_listen"`
	IMAPSListen string `toml:"imaps_listen"`
	// Resolver is the DNS server for the sender and DMARC checks: ""
	// uses the system's (/etc/resolv.conf), "host:port" a given one,
	// "off" none (checks then report a temporary error).
	Resolver        ResolverSetting `toml:"resolver"`
	PublicURL       string          `toml:"public_url"`
	Timezone        string          `toml:"timezone"`
	MaxMessageBytes int64           `toml:"max_message_bytes"`
	// SkipStoreCheck opens minyan.db without reading it whole first
	// (store.OpenOptions.SkipCheck): for stores of gigabytes, where the
	// check slows every start and command (`serve --skip-check` for one
	// start).
	SkipStoreCheck bool `toml:"skip_store_check"`
	// BackupDir is where the operator's scheduled `minyan backup` files
	// go; only `minyan doctor` reads it, to warn when the newest is old.
	BackupDir string `toml:"backup_dir"`
}

// RelayConfig is the [relay] table: where outbound mail goes.
type RelayConfig struct {
	Address       string     `toml:"address"`
	TLS           string     `toml:"tls"`
	Username      string     `toml:"username"`
	Password      string     `toml:"password"`
	MaxRecipients int        `toml:"max_recipients"`
	Connections   int        `toml:"connections"`
	Retry         []Duration `toml:"retry"`
	GiveUpAfter   Duration   `toml:"give_up_after"`
}

// DKIMConfig is the [dkim] table: outbound signing as server.domain.
// PrivateKey is the path of a PEM file (PKCS#8 RSA or Ed25519, or PKCS#1
// RSA), such as `minyan dkim keygen` writes; it is read once when the
// daemon starts (loadDKIM), so a bad key stops `minyan serve` at once.
type DKIMConfig struct {
	Selector   string `toml:"selector"`
	PrivateKey string `toml:"private_key"`
}

// Enabled tells whether outbound mail is signed.
func (d DKIMConfig) Enabled() bool { return d.Selector != "" }

// TLSConfig is the [tls] table: the certificate the IMAP listeners use
// for STARTTLS (imap_listen) and implicit TLS (imaps_listen). Empty means
// no TLS; then IMAP may only listen on loopback.
type TLSConfig struct {
	Cert string `toml:"cert"`
	Key  string `toml:"key"`
}

// Enabled tells whether a certificate is configured.
func (t TLSConfig) Enabled() bool { return t.Cert != "" }

// Duration reads Go durations ("90s", "2h") from TOML strings.
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 90s, 5m or 2h", string(b))
	}
	if v < 0 {
		return fmt.Errorf("%q: a duration cannot be negative", string(b))
	}
	d.Duration = v
	return nil
}

// RetryDurations returns the retry schedule as plain durations.
func (r RelayConfig) RetryDurations() []time.Duration {
	out := make([]time.Duration, len(r.Retry))
	for i, d := range r.Retry {
		out[i] = d.Duration
	}
	return out
}

// LoadConfig reads path over the embedded defaults, so a file need only
// name what differs. path "" means the embedded default alone. Unknown
// keys and bad values are refused with the file, key and reason.
func LoadConfig(path string) (*Config, error) {
	var c Config
	if _, err := toml.Decode(defaultConfig, &c); err != nil {
		return nil, fmt.Errorf("embedded default config: %w", err)
	}
	name := "(built-in default)"
	if path != "" {
		name = path
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		c.Relay.Retry = nil // a file that sets retry replaces the list
		md, err := toml.Decode(string(data), &c)
		if err != nil {
			var pe toml.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("config %s: line %d: %s", path, pe.Position.Line, pe.Message)
			}
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			keys := make([]string, len(und))
			for i, k := range und {
				keys[i] = k.String()
			}
			return nil, fmt.Errorf("config %s: unknown key(s) %s (check the spelling against config.example.toml)", path, strings.Join(keys, ", "))
		}
		if !md.IsDefined("relay", "retry") {
			var d Config
			toml.Decode(defaultConfig, &d)
			c.Relay.Retry = d.Relay.Retry
		}
	}
	c.Path = path
	if path != "" {
		// Relative paths in a file mean "next to this file": run from any
		// folder with --config /etc/minyan/config.toml, data_dir = "./data"
		// is still the daemon's data, never a new empty database here.
		base := filepath.Dir(path)
		for _, p := range []*string{&c.Server.DataDir, &c.Server.BackupDir, &c.DKIM.PrivateKey, &c.TLS.Cert, &c.TLS.Key} {
			if *p != "" && !filepath.IsAbs(*p) {
				*p = filepath.Join(base, *p)
			}
		}
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	return &c, nil
}

func (c *Config) validate() error {
	s := &c.Server
	if s.Domain == "" || strings.ContainsAny(s.Domain, " @/") || !strings.Contains(s.Domain, ".") {
		return fmt.Errorf("server.domain: %q is not a domain name such as lists.example.org", s.Domain)
	}
	s.Domain = strings.ToLower(s.Domain)
	if s.DataDir == "" {
		return errors.New("server.data_dir: must name a directory, such as ./data")
	}
	for key, v := range map[string]string{"server.smtp_listen": s.SMTPListen, "server.http_listen": s.HTTPListen, "server.imap_listen": s.IMAPListen, "server.imaps_listen": s.IMAPSListen} {
		if v == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("%s: %q is not host:port (e.g. 127.0.0.1:2525)", key, v)
		}
	}
	if v := s.LMTPListen; v != "" && !strings.HasPrefix(v, "unix:") {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("server.lmtp_listen: %q is not host:port or unix:/path", v)
		}
	}
	if err := s.Resolver.check(); err != nil {
		return err
	}
	if _, err := web.ParseProxies(c.Web.TrustedProxies); err != nil {
		return fmt.Errorf("web.trusted_proxies: %w (give addresses such as \"127.0.0.1\" or networks such as \"10.0.0.0/8\")", err)
	}
	if s.SMTPListen == "" && s.LMTPListen == "" {
		return errors.New("server.smtp_listen and server.lmtp_listen are both empty: minyan would receive no mail")
	}
	u, err := url.Parse(s.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("server.public_url: %q is not an http(s) URL such as https://lists.example.org", s.PublicURL)
	}
	s.PublicURL = strings.TrimRight(s.PublicURL, "/")
	if _, err := time.LoadLocation(s.Timezone); err != nil || s.Timezone == "" {
		return fmt.Errorf("server.timezone: %q is not an IANA time zone such as America/New_York", s.Timezone)
	}
	if s.MaxMessageBytes < 1024 {
		return fmt.Errorf("server.max_message_bytes: %d is too small (at least 1024)", s.MaxMessageBytes)
	}
	r := &c.Relay
	switch r.TLS {
	case "none", "starttls", "tls":
	default:
		return fmt.Errorf("relay.tls: %q must be none, starttls or tls", r.TLS)
	}
	if r.Address != "" {
		if _, _, err := net.SplitHostPort(r.Address); err != nil {
			return fmt.Errorf("relay.address: %q is not host:port (e.g. 127.0.0.1:25)", r.Address)
		}
	}
	if (r.Username == "") != (r.Password == "") {
		return errors.New("relay.username and relay.password go together: set both or neither")
	}
	if r.MaxRecipients < 1 || r.MaxRecipients > 10000 {
		return fmt.Errorf("relay.max_recipients: %d must be between 1 and 10000", r.MaxRecipients)
	}
	if r.Connections < 1 || r.Connections > 64 {
		return fmt.Errorf("relay.connections: %d must be between 1 and 64", r.Connections)
	}
	if len(r.Retry) == 0 {
		return errors.New("relay.retry: needs at least one interval, such as [\"1m\", \"5m\"]")
	}
	for i, d := range r.Retry {
		if d.Duration <= 0 {
			return fmt.Errorf("relay.retry[%d]: must be more than 0", i)
		}
	}
	if r.GiveUpAfter.Duration <= 0 {
		return errors.New("relay.give_up_after: must be more than 0, such as \"120h\"")
	}
	if (c.DKIM.Selector == "") != (c.DKIM.PrivateKey == "") {
		return errors.New("dkim.selector and dkim.private_key go together: set both or neither")
	}
	if sel := c.DKIM.Selector; sel != "" && !validSelector(sel) {
		return fmt.Errorf("dkim.selector: %q is not a DNS label such as minyan2026 (letters, digits, '-', dots between labels)", sel)
	}
	if err := c.validateTLS(); err != nil {
		return err
	}
	return c.Network.validate()
}

// validateTLS checks [tls] and the IMAP listeners that depend on it:
// passwords never cross a network in clear text, so an IMAP listener
// off loopback needs a certificate (STARTTLS), and imaps_listen is
// implicit TLS by definition.
func (c *Config) validateTLS() error {
	t := &c.TLS
	if (t.Cert == "") != (t.Key == "") {
		return errors.New("tls.cert and tls.key go together: set both (PEM files) or neither")
	}
	for key, path := range map[string]string{"tls.cert": t.Cert, "tls.key": t.Key} {
		if path == "" {
			continue
		}
		if st, err := os.Stat(path); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		} else if st.IsDir() {
			return fmt.Errorf("%s: %s is a directory, not a PEM file", key, path)
		}
	}
	if c.Server.IMAPSListen != "" && !t.Enabled() {
		return errors.New("server.imaps_listen is implicit TLS: set tls.cert and tls.key, or leave imaps_listen empty")
	}
	if l := c.Server.IMAPListen; l != "" && !t.Enabled() && !IsLoopbackListen(l) {
		return fmt.Errorf("server.imap_listen: %q is not a loopback address, and without tls.cert and tls.key "+
			"members' passwords would cross the network in clear text; set [tls] or listen on 127.0.0.1", l)
	}
	return nil
}

// IsLoopbackListen tells whether a listen address (host:port) only
// accepts connections from this machine: a loopback IP or "localhost".
// An empty host ("":1143) listens everywhere.
func IsLoopbackListen(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validSelector checks a DKIM selector: one or more DNS labels, as it
// becomes SELECTOR._domainkey.DOMAIN.
func validSelector(sel string) bool {
	if len(sel) > 63*2 {
		return false
	}
	for _, label := range strings.Split(sel, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

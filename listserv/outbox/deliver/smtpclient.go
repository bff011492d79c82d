package deliver

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// client is one SMTP connection to the relay: a small client of our own
// on net/textproto, because go-smtp's cannot pipeline (RFC 2920) and a
// personalized fan-out is one transaction per recipient. It is used by one
// goroutine at a time.
type client struct {
	conn net.Conn
	text *textproto.Reader
	bw   *bufio.Writer
	// exts are the EHLO keywords (upper case) and their parameters.
	exts       map[string]string
	pipelining bool
	eightBit   bool
	smtputf8   bool
	// maxSize is the relay's SIZE limit (0: none announced).
	maxSize int64
	isTLS   bool
	// stop is a hard deadline (unix nanoseconds, 0: none) set at shutdown,
	// shared with the owning sender.
	stop *atomic.Int64
}

// dial connects to the relay and gets the session ready for mail:
// greeting, EHLO, STARTTLS or implicit TLS, and AUTH PLAIN.
func dial(r Relay, helo string, stop *atomic.Int64) (*client, error) {
	host, _, err := net.SplitHostPort(r.Address)
	if err != nil {
		return nil, fmt.Errorf("relay address %q: %w", r.Address, err)
	}
	deadline := time.Now().Add(dialTimeout)
	if s := stop.Load(); s != 0 && s < deadline.UnixNano() {
		deadline = time.Unix(0, s)
	}
	d := &net.Dialer{Deadline: deadline}
	var conn net.Conn
	if r.TLS == "tls" {
		conn, err = (&tls.Dialer{NetDialer: d, Config: tlsConfig(r, host)}).DialContext(context.Background(), "tcp", r.Address)
	} else {
		conn, err = d.DialContext(context.Background(), "tcp", r.Address)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to relay %s: %w", r.Address, err)
	}
	c := &client{conn: conn, stop: stop, isTLS: r.TLS == "tls"}
	c.setConn(conn)
	if err := c.open(r, host, helo); err != nil {
		c.conn.Close()
		return nil, fmt.Errorf("relay %s: %w", r.Address, err)
	}
	return c, nil
}

// open runs the session set-up after the TCP (or TLS) connection.
func (c *client) open(r Relay, host, helo string) error {
	c.deadline(commandTimeout)
	if rep, err := c.read(); err != nil {
		return fmt.Errorf("greeting: %w", err)
	} else if rep.Code != 220 {
		return &replyError{"greeting", rep}
	}
	if err := c.hello(helo); err != nil {
		return err
	}
	if r.TLS == "starttls" {
		if _, ok := c.exts["STARTTLS"]; !ok {
			return errors.New("relay does not offer STARTTLS, which relay.tls = starttls requires")
		}
		if _, err := c.cmd(220, "STARTTLS"); err != nil {
			return err
		}
		tc := tls.Client(c.conn, tlsConfig(r, host))
		ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			return fmt.Errorf("TLS handshake: %w", err)
		}
		c.setConn(tc)
		c.isTLS = true
		if err := c.hello(helo); err != nil {
			return err
		}
	}
	if r.Username != "" {
		if !c.isTLS && !isLoopback(host) {
			return errors.New("refusing to send the relay password without TLS (set relay.tls)")
		}
		if !strings.Contains(" "+strings.ToUpper(c.exts["AUTH"])+" ", " PLAIN ") {
			return errors.New("relay does not offer AUTH PLAIN")
		}
		ir := base64.StdEncoding.EncodeToString([]byte("\x00" + r.Username + "\x00" + r.Password))
		if _, err := c.cmd(235, "AUTH PLAIN %s", ir); err != nil {
			var re *replyError
			if errors.As(err, &re) {
				re.cmd = "AUTH PLAIN" // keep the credentials out of logs
			}
			return err
		}
	}
	return nil
}

// setConn (re)builds the buffered reader and writer, as after STARTTLS.
func (c *client) setConn(conn net.Conn) {
	c.conn = conn
	c.text = textproto.NewReader(bufio.NewReaderSize(conn, 4096))
	c.bw = bufio.NewWriterSize(conn, 32<<10)
}

// hello sends EHLO (HELO if the relay does not know EHLO) and records
// the extensions offered.
func (c *client) hello(name string) error {
	rep, err := c.cmd(250, "EHLO %s", name)
	c.exts = map[string]string{}
	if err != nil {
		var re *replyError
		if !errors.As(err, &re) || re.reply.Code/100 != 5 {
			return err
		}
		if _, err := c.cmd(250, "HELO %s", name); err != nil {
			return err
		}
	} else {
		lines := strings.Split(rep.Text, "\n")
		for _, l := range lines[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(l), " ")
			c.exts[strings.ToUpper(k)] = v
		}
	}
	_, c.pipelining = c.exts["PIPELINING"]
	_, c.eightBit = c.exts["8BITMIME"]
	_, c.smtputf8 = c.exts["SMTPUTF8"]
	c.maxSize = 0
	if v, ok := c.exts["SIZE"]; ok {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n > 0 {
			c.maxSize = n
		}
	}
	return nil
}

// cmd sends one command, waits for its reply and checks the reply's
// class against want.
func (c *client) cmd(want int, format string, args ...any) (reply, error) {
	c.deadline(commandTimeout)
	fmt.Fprintf(c.bw, format, args...)
	c.bw.WriteString("\r\n")
	if err := c.bw.Flush(); err != nil {
		return reply{}, fmt.Errorf("%s: %w", verb(format), err)
	}
	rep, err := c.read()
	if err != nil {
		return rep, fmt.Errorf("%s: %w", verb(format), err)
	}
	if rep.Code/100 != want/100 {
		return rep, &replyError{verb(format), rep}
	}
	return rep, nil
}

// read reads one (possibly multi-line) reply.
func (c *client) read() (reply, error) {
	code, msg, err := c.text.ReadResponse(0)
	if err != nil {
		return reply{}, err
	}
	return reply{Code: code, Text: msg}, nil
}

// deadline bounds the next reads and writes by d, or by the shutdown
// deadline if that comes first.
func (c *client) deadline(d time.Duration) {
	t := time.Now().Add(d).UnixNano()
	if s := c.stop.Load(); s != 0 && s < t {
		t = s
	}
	c.conn.SetDeadline(time.Unix(0, t))
	// abort may have set the shutdown deadline just now; make sure ours
	// did not overwrite it.
	if s := c.stop.Load(); s != 0 && s < t {
		c.conn.SetDeadline(time.Unix(0, s))
	}
}

// quit ends the session politely and closes the connection.
func (c *client) quit() {
	c.deadline(quitTimeout)
	c.bw.WriteString("QUIT\r\n")
	if c.bw.Flush() == nil {
		c.read()
	}
	c.conn.Close()
}

// close drops the connection without a word, after an error.
func (c *client) close() { c.conn.Close() }

func tlsConfig(r Relay, host string) *tls.Config {
	if r.TLSConfig == nil {
		return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	cfg := r.TLSConfig.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	return cfg
}

// isLoopback says whether host is this machine, where a password in
// clear does not travel.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// verb is a command's name for error messages, never its arguments.
func verb(format string) string {
	v, _, _ := strings.Cut(format, " ")
	return strings.TrimSpace(v)
}

// Package netlimit caps how many connections one client address may hold
// open on a listener, so a single host cannot take every slot of a server
// (SMTP or IMAP) and lock everyone else out.
package netlimit

import (
	"net"
	"sync"
	"time"
)

// Options shape a PerClient listener.
type Options struct {
	// Max is the number of connections one IP address may hold; <= 0
	// means no cap.
	Max int
	// Refusal is written to a connection over the cap before it is
	// closed, e.g. "421 4.7.0 too many connections from your address\r\n".
	Refusal string
	// CountLoopback applies the cap to loopback clients too. By default
	// they are exempt: a mail server in front of minyan on the same host
	// connects from there, as one client with many connections.
	CountLoopback bool
	// OnRefuse, if set, is told about each refused connection (logging).
	OnRefuse func(ip string)
}

// PerClient wraps ln: Accept returns only connections within the cap;
// one over it gets the refusal and is closed without reaching the
// server. The slot is freed when the returned connection is closed.
func PerClient(ln net.Listener, o Options) net.Listener {
	return &listener{Listener: ln, o: o, open: map[string]int{}}
}

type listener struct {
	net.Listener
	o    Options
	mu   sync.Mutex
	open map[string]int
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip, counted := l.key(c)
		if !counted || l.o.Max <= 0 {
			return c, nil
		}
		l.mu.Lock()
		over := l.open[ip] >= l.o.Max
		if !over {
			l.open[ip]++
		}
		l.mu.Unlock()
		if over {
			if l.o.OnRefuse != nil {
				l.o.OnRefuse(ip)
			}
			go refuse(c, l.o.Refusal)
			continue
		}
		return &conn{Conn: c, release: func() { l.release(ip) }}, nil
	}
}

// key is the client's IP, and whether it counts against the cap.
func (l *listener) key(c net.Conn) (string, bool) {
	tcp, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return "", false // unix sockets: local by construction
	}
	if tcp.IP.IsLoopback() && !l.o.CountLoopback {
		return "", false
	}
	return tcp.IP.String(), true
}

func (l *listener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

// refuse answers a connection over the cap, without waiting on it long.
func refuse(c net.Conn, text string) {
	if text != "" {
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte(text))
	}
	c.Close()
}

// conn frees its slot once, on the first Close.
type conn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// Open reports how many counted connections ip holds (tests, metrics).
func Open(ln net.Listener, ip string) int {
	l, ok := ln.(*listener)
	if !ok {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[ip]
}

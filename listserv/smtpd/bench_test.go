package smtpd

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"minyan/listserv/testkit"
)

// BenchmarkConcurrentLargePosts posts 20 messages of 10 MB at once and
// reports the peak Go heap and how many were asked to retry (452) by the
// default budget.
//
//	go test ./listserv/smtpd -run '^$' -bench ConcurrentLargePosts -benchtime 3x
func BenchmarkConcurrentLargePosts(b *testing.B) {
	const posts, size = 20, 10 << 20
	// The core keeps nothing: the adapter's own memory is measured.
	core := &fakeCore{max: 12 << 20, drop: true}
	srv := NewServer(core, Options{Logger: slog.New(slog.DiscardHandler)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go Serve(srv, ln, 0)
	defer srv.Close()
	line := strings.Repeat("z", 998) + "\r\n"
	body := []byte("Subject: big\r\n\r\n" + strings.Repeat(line, size/len(line)))

	stopPeak := testkit.HeapPeak(2 * time.Millisecond)
	var refused atomic.Int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		for p := 0; p < posts; p++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := post(ln.Addr().String(), body); err != nil {
					if se, ok := err.(*smtp.SMTPError); ok && se.Code == 452 {
						refused.Add(1)
						return
					}
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	b.StopTimer()
	b.ReportMetric(float64(stopPeak())/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(refused.Load())/float64(b.N), "retried/op")
}

// post sends one message over a plain connection, writing the shared
// body directly (the client side adds no copies of its own).
func post(addr string, body []byte) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	r := textproto.NewConn(c)
	expect := func(code int) error {
		_, _, err := r.ReadResponse(code)
		if te, ok := err.(*textproto.Error); ok {
			return &smtp.SMTPError{Code: te.Code, Message: te.Msg}
		}
		return err
	}
	if err := expect(220); err != nil {
		return err
	}
	for _, step := range []struct {
		cmd  string
		code int
	}{
		{"EHLO bench.example", 250},
		{fmt.Sprintf("MAIL FROM:<a@example.org> SIZE=%d", len(body)), 250},
		{"RCPT TO:<team@lists.example.org>", 250},
		{"DATA", 354},
	} {
		if _, err := io.WriteString(c, step.cmd+"\r\n"); err != nil {
			return err
		}
		if err := expect(step.code); err != nil {
			return err
		}
	}
	if _, err := c.Write(body); err != nil {
		return err
	}
	if _, err := io.WriteString(c, ".\r\n"); err != nil {
		return err
	}
	return expect(250)
}

package deliver

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"minyan/store"
)

// BenchmarkFanout measures one ~4 KB post to 10,000 recipients, from the
// enqueue commit until the in-test sink has accepted every recipient.
// s/drained adds the time until the last outcome is committed (the queue
// is empty).
func BenchmarkFanout(b *testing.B) {
	const n = 10000
	body := benchBody()
	for _, mode := range []struct {
		name  string
		batch bool
		rcpts func() []store.QueuedRcpt
		mark  string
	}{
		{"batched", true, func() []store.QueuedRcpt { return rcpts(n) }, ""},
		{"personalized", false, func() []store.QueuedRcpt { return personalized(n) }, ""},
		// An action alert: personalized, plus a token spliced into the
		// body's I-did-it link and a Reply-To header per recipient.
		{"alert", false, func() []store.QueuedRcpt { return alertRcpts(n) }, fillMark},
	} {
		b.Run(mode.name, func(b *testing.B) {
			var total, drained time.Duration
			for range b.N {
				b.StopTimer()
				s := startSink(b, func(s *sink) {
					s.discard = true
					s.want = n
					s.srv.MaxRecipients = 0
				})
				st := openStore(b)
				w := New(Options{
					Store:    st,
					Relay:    Relay{Address: s.addr, MaxRecipients: 500, Connections: 4},
					Logger:   testLogger(),
					HeloName: "lists.example.org",
				})
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- w.Run(ctx) }()
				rs := mode.rcpts()
				b.StartTimer()

				start := time.Now()
				msgBody := body
				if mode.mark != "" {
					msgBody = append(append([]byte(nil), body...), "\r\nDid you do it? https://lists.example.org/a/"+mode.mark+"\r\n"...)
				}
				enqueue(b, st, store.QueuedMessage{List: "bench", Kind: "post", Created: time.Now(), Batch: mode.batch, Mark: mode.mark}, msgBody, rs)
				w.Kick()
				select {
				case <-s.done:
				case <-time.After(2 * time.Minute):
					b.Fatalf("sink got %d of %d", s.deliveredCount(), n)
				}
				total += time.Since(start)
				for st.QueueDepth() != 0 {
					time.Sleep(time.Millisecond)
				}
				drained += time.Since(start)

				b.StopTimer()
				cancel()
				if err := <-done; err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/total.Seconds(), "rcpt/s")
			b.ReportMetric(total.Seconds()/float64(b.N), "s/fanout")
			b.ReportMetric(drained.Seconds()/float64(b.N), "s/drained")
		})
	}
}

// alertRcpts are personalized recipients with an alert's personal parts.
func alertRcpts(n int) []store.QueuedRcpt {
	out := personalized(n)
	for i := range out {
		tok := fmt.Sprintf("%039d", i)
		out[i].Fill = tok
		out[i].Header += "Reply-To: bench-act+" + tok + "@lists.example.org\r\n"
	}
	return out
}

// benchBody is a plausible ~4.4 KB list post.
func benchBody() []byte {
	var sb strings.Builder
	sb.WriteString("From: Ann Example <ann@example.com>\r\nTo: bench@lists.example.org\r\n" +
		"Subject: [bench] A question about the meeting\r\nDate: Sat, 21 Nov 2026 12:00:00 +0000\r\n" +
		"Message-ID: <bench.1@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"List-Id: \"Bench\" <bench.lists.example.org>\r\nList-Post: <mailto:bench@lists.example.org>\r\n" +
		"Precedence: list\r\n\r\n")
	for i := 0; sb.Len() < 4400; i++ {
		fmt.Fprintf(&sb, "Line %03d of the post, long enough to look like prose in a mail.\r\n", i)
	}
	return []byte(sb.String())
}

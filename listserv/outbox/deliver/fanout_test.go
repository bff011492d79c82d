package deliver

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"minyan/store"
)

func TestBatchedSharesTransactions(t *testing.T) {
	s := startSink(t)
	h := startWorker(t, relayTo(s))
	const n = 25 // MaxRecipients 10 -> 3 transactions
	h.enqueue(t, true, testBody, rcpts(n))
	waitFor(t, "all recipients", func() bool { return s.deliveredCount() == n })
	waitFor(t, "an empty queue", func() bool { return h.st.QueueDepth() == 0 })

	txs := s.transactions()
	if len(txs) != 3 {
		t.Fatalf("got %d transactions, want 3", len(txs))
	}
	var got []string
	for _, tx := range txs {
		if len(tx.Rcpts) > 10 {
			t.Errorf("transaction with %d recipients, max is 10", len(tx.Rcpts))
		}
		if tx.From != "test-bounces@lists.example.org" {
			t.Errorf("envelope sender %q", tx.From)
		}
		if string(tx.Data) != testBody {
			t.Errorf("body arrived as %q", tx.Data)
		}
		got = append(got, tx.Rcpts...)
	}
	slices.Sort(got)
	var want []string
	for i := range n {
		want = append(want, addrN(i))
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("recipients %v, want %v", got, want)
	}
	waitFor(t, "the ok counter", func() bool { return h.counter(t, "ok") == n })
}

// personalized makes n recipients with their own VERP sender and
// unsubscribe header.
func personalized(n int) []store.QueuedRcpt {
	out := make([]store.QueuedRcpt, n)
	for i := range out {
		out[i] = store.QueuedRcpt{
			Address:      addrN(i),
			EnvelopeFrom: fmt.Sprintf("test-bounces+tok%d@lists.example.org", i),
			Header:       fmt.Sprintf("List-Unsubscribe: <https://lists.example.org/u/tok%d>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", i),
		}
	}
	return out
}

func TestPersonalizedOneTransactionEach(t *testing.T) {
	s := startSink(t)
	relay := relayTo(s)
	relay.Connections = 1
	h := startWorker(t, relay)
	const n = 20
	rs := personalized(n)
	h.enqueue(t, false, testBody, rs)
	waitFor(t, "all recipients", func() bool { return s.deliveredCount() == n })
	waitFor(t, "an empty queue", func() bool { return h.st.QueueDepth() == 0 })

	txs := s.transactions()
	if len(txs) != n {
		t.Fatalf("got %d transactions, want %d", len(txs), n)
	}
	byAddr := map[string]sinkTx{}
	for _, tx := range txs {
		if len(tx.Rcpts) != 1 {
			t.Fatalf("personalized transaction with recipients %v", tx.Rcpts)
		}
		byAddr[tx.Rcpts[0]] = tx
	}
	for _, r := range rs {
		tx, ok := byAddr[r.Address]
		if !ok {
			t.Errorf("%s got nothing", r.Address)
			continue
		}
		if tx.From != r.EnvelopeFrom {
			t.Errorf("%s: envelope sender %q, want %q", r.Address, tx.From, r.EnvelopeFrom)
		}
		if want := r.Header + testBody; string(tx.Data) != want {
			t.Errorf("%s: data %q, want %q", r.Address, tx.Data, want)
		}
		if c := strings.Count(string(tx.Data), "List-Unsubscribe:"); c != 1 {
			t.Errorf("%s: %d List-Unsubscribe headers", r.Address, c)
		}
	}
	if c := s.conns.Load(); c != 1 {
		t.Errorf("%d connections for one connection goroutine; want the connection reused", c)
	}
}

func TestConnectionsReusedAcrossMessages(t *testing.T) {
	s := startSink(t)
	h := startWorker(t, relayTo(s)) // 2 connections
	total := 0
	for range 5 {
		h.enqueue(t, false, testBody, personalized(8))
		total += 8
		waitFor(t, "delivery", func() bool { return s.deliveredCount() == total })
	}
	if c := s.conns.Load(); c > 2 {
		t.Errorf("%d connections, want at most 2", c)
	}
}

func TestDotStuffingRoundTrip(t *testing.T) {
	s := startSink(t)
	h := startWorker(t, relayTo(s))
	body := "Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nnot the end\r\n. \r\nend\r\n"
	h.enqueue(t, false, body, personalized(1))
	waitFor(t, "delivery", func() bool { return s.deliveredCount() == 1 })
	txs := s.transactions()
	if want := personalized(1)[0].Header + body; string(txs[0].Data) != want {
		t.Errorf("data %q\nwant %q", txs[0].Data, want)
	}
}

func TestBareLineEndingsBecomeCRLF(t *testing.T) {
	s := startSink(t)
	h := startWorker(t, relayTo(s))
	h.enqueue(t, true, "Subject: lf\n\nline one\n.dot\nno end", rcpts(1))
	waitFor(t, "delivery", func() bool { return s.deliveredCount() == 1 })
	if got, want := string(s.transactions()[0].Data), "Subject: lf\r\n\r\nline one\r\n.dot\r\nno end\r\n"; got != want {
		t.Errorf("data %q, want %q", got, want)
	}
}

func TestWithoutPipelining(t *testing.T) {
	s := startSink(t, func(s *sink) {
		s.noPipelining = true
		s.rcpt = func(addr string, _ int) error {
			if addr == addrN(1) {
				return errUnknownUser
			}
			return nil
		}
	})
	h := startWorker(t, relayTo(s))
	h.enqueue(t, true, testBody, rcpts(3))
	h.enqueue(t, true, testBody, []store.QueuedRcpt{{Address: addrN(1), EnvelopeFrom: "x@lists.example.org"}})
	waitFor(t, "an empty queue", func() bool { return h.st.QueueDepth() == 0 })
	if got := s.deliveredCount(); got != 2 {
		t.Errorf("%d delivered, want 2", got)
	}
	if f := h.failed(t); len(f) != 2 {
		t.Errorf("failure log %+v, want both attempts at %s", f, addrN(1))
	}
	// The rejected-only transaction was reset and the connection reused.
	if c := s.conns.Load(); c > 2 {
		t.Errorf("%d connections", c)
	}
}

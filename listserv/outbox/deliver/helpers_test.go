package deliver

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"minyan/listserv/testkit"
	"minyan/store"
)

// fakeClock is a clock the test moves by hand.
type fakeClock = testkit.Clock

func newFakeClock() *fakeClock {
	return testkit.NewClock(time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))
}

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func enqueue(t testing.TB, st *store.Store, msg store.QueuedMessage, body []byte, rcpts []store.QueuedRcpt) uint64 {
	t.Helper()
	var id uint64
	err := st.Update(func(tx *store.Tx) error {
		var err error
		id, err = tx.Enqueue(msg, body, rcpts)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func testLogger() *slog.Logger {
	if os.Getenv("DELIVER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// harness is a running worker with its store, clock and counters.
type harness struct {
	st    *store.Store
	clock *fakeClock
	reg   *prometheus.Registry
	w     *Worker
	stop  func()
}

// startWorker runs a worker over a fresh store until the test ends (or
// stop is called); Run must return nil.
func startWorker(t testing.TB, relay Relay, tweak ...func(*Options)) *harness {
	t.Helper()
	h := &harness{st: openStore(t), clock: newFakeClock(), reg: prometheus.NewRegistry()}
	deliveries := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "deliveries_total", Help: "test"}, []string{"result"})
	h.reg.MustRegister(deliveries)
	o := Options{
		Store:      h.st,
		Relay:      relay,
		Clock:      h.clock,
		Logger:     testLogger(),
		Deliveries: deliveries,
		HeloName:   "lists.example.org",
	}
	for _, f := range tweak {
		f(&o)
	}
	h.w = New(o)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- h.w.Run(ctx) }()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-errc:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(h.stop)
	return h
}

// enqueue queues a message and kicks the worker, as listserv does.
func (h *harness) enqueue(t testing.TB, batch bool, body string, rcpts []store.QueuedRcpt) uint64 {
	t.Helper()
	id := enqueue(t, h.st, store.QueuedMessage{List: "test", Kind: "post", Created: h.clock.Now(), Batch: batch}, []byte(body), rcpts)
	h.w.Kick()
	return id
}

// counter reads the deliveries counter for one result label.
func (h *harness) counter(t testing.TB, result string) float64 {
	t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func (h *harness) queued(t testing.TB) []store.QueuedRcpt {
	t.Helper()
	var out []store.QueuedRcpt
	err := h.st.View(func(tx *store.Tx) error {
		return tx.EachQueued(func(_ store.QueuedMessage, r store.QueuedRcpt) error {
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (h *harness) failed(t testing.TB) []store.QueuedRcpt {
	t.Helper()
	var out []store.QueuedRcpt
	err := h.st.View(func(tx *store.Tx) error {
		return tx.EachFailed(func(_ store.QueuedMessage, r store.QueuedRcpt) error {
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitFor polls cond until it holds; it fails the test after 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// rcpts makes n plain recipients a0@example.net ... sharing one
// envelope sender.
func rcpts(n int) []store.QueuedRcpt {
	out := make([]store.QueuedRcpt, n)
	for i := range out {
		out[i] = store.QueuedRcpt{Address: addrN(i), EnvelopeFrom: "test-bounces@lists.example.org"}
	}
	return out
}

func addrN(i int) string { return "m" + strconv.Itoa(i) + "@example.net" }

const testBody = "From: Ann <ann@example.com>\r\nTo: test@lists.example.org\r\nSubject: [test] hello\r\nMessage-ID: <1@example.com>\r\n\r\nHello, list.\r\n"

func relayTo(s *sink) Relay {
	return Relay{Address: s.addr, MaxRecipients: 10, Connections: 2, Retry: []time.Duration{time.Minute, 5 * time.Minute}, GiveUpAfter: time.Hour}
}

package listserv

import "github.com/prometheus/client_golang/prometheus"

// Metrics are minyan's Prometheus counters. They live in a registry of
// their own so tests can build many servers in one process.
type Metrics struct {
	Registry   *prometheus.Registry
	Posts      *prometheus.CounterVec
	Deliveries *prometheus.CounterVec
	Notices    prometheus.Counter
	// Bounces counts bounce handling events by label "event".
	Bounces *prometheus.CounterVec
}

// NewMetrics registers the counters in reg (a new registry if nil).
func NewMetrics(reg *prometheus.Registry) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &Metrics{
		Registry: reg,
		Posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minyan_posts_total",
			Help: "Posts to list addresses by outcome (received, distributed, held, rejected, discarded).",
		}, []string{"result"}),
		Deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minyan_deliveries_total",
			Help: "Delivery attempts per recipient by outcome (ok, deferred, failed).",
		}, []string{"result"}),
		Notices: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "minyan_notices_total",
			Help: "Notices minyan wrote to people (rejections, confirmations, moderator notes).",
		}),
		Bounces: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "minyan_bounces_total",
			Help: "Bounce handling events: received_<kind> (failed, policy, delayed, auto_reply, delivered, unrecognized), counted, merged, disabled, reenabled, probe_sent, policy (deliverability problems).",
		}, []string{"event"}),
	}
	reg.MustRegister(m.Posts, m.Deliveries, m.Notices, m.Bounces)
	for _, r := range []string{"received", "distributed", "held", "rejected", "discarded"} {
		m.Posts.WithLabelValues(r)
	}
	for _, r := range []string{"ok", "deferred", "failed"} {
		m.Deliveries.WithLabelValues(r)
	}
	return m
}

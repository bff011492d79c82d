package web

import (
	"sync"
	"time"
)

// limiter counts events per key in fixed windows. It forgets a key when
// its window ends, so memory stays bounded by the keys of one window.
type limiter struct {
	mu   sync.Mutex
	now  func() time.Time
	hits map[string]*window
	// sweep is when old windows were last forgotten.
	sweep time.Time
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, hits: map[string]*window{}}
}

// allow counts one event for key and tells whether it is within max per
// per.
func (l *limiter) allow(key string, max int, per time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.sweep) > per {
		for k, w := range l.hits {
			if now.Sub(w.start) >= per {
				delete(l.hits, k)
			}
		}
		l.sweep = now
	}
	w := l.hits[key]
	if w == nil || now.Sub(w.start) >= per {
		w = &window{start: now}
		l.hits[key] = w
	}
	w.n++
	return w.n <= max
}

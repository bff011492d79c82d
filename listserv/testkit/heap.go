package testkit

import (
	"runtime"
	"sync/atomic"
	"time"
)

// HeapPeak samples the heap in use every interval, and once more when
// the returned stop is called; stop answers the largest HeapAlloc seen,
// in bytes. It is for the benchmarks that report a peak heap beside
// their time (a streamed roster, a burst of large posts).
func HeapPeak(every time.Duration) (stop func() uint64) {
	var peak atomic.Uint64
	sample := func(ms *runtime.MemStats) {
		runtime.ReadMemStats(ms)
		if ms.HeapAlloc > peak.Load() {
			peak.Store(ms.HeapAlloc)
		}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				sample(&ms)
				return
			case <-time.After(every):
				sample(&ms)
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak.Load()
	}
}

package testkit

import (
	"runtime"
	"testing"
	"time"
)

// TestHeapPeak: memory held when stop is called is in the peak.
func TestHeapPeak(t *testing.T) {
	stop := HeapPeak(time.Hour)
	held := make([]byte, 16<<20)
	for i := range held {
		held[i] = byte(i)
	}
	peak := stop()
	runtime.KeepAlive(held)
	if peak < 16<<20 {
		t.Fatalf("peak %d bytes with 16 MiB held", peak)
	}
}

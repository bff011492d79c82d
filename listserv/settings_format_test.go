package listserv

import (
	"testing"
	"time"
)

func TestRegressionFormatDuration(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{90 * time.Minute, "1h30m"}, {10 * time.Minute, "10m"}, {30 * time.Minute, "30m"}, {10 * time.Second, "10s"}, {24 * time.Hour, "24h"}} {
		if got := FormatDuration(c.d); got != c.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

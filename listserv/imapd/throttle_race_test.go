package imapd

import (
	"sync"
	"sync/atomic"
	"testing"
)

// 50 parallel wrong passwords for one address: the address allows 5 free
// failures, then locks. Count how many reached bcrypt (AUTHENTICATIONFAILED).
func TestRegressionThrottleRace(t *testing.T) {
	ts, _ := teamServer(t)
	var failed, refused atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := ts.dial(t, nil)
			err := c.Login("alice@example.org", "wrong-password").Wait()
			switch imapCode(err) {
			case "AUTHENTICATIONFAILED":
				failed.Add(1)
			case "UNAVAILABLE":
				refused.Add(1)
			}
		}()
	}
	wg.Wait()
	t.Logf("checked against bcrypt: %d, refused by throttle: %d", failed.Load(), refused.Load())
	if failed.Load() > 6 {
		t.Errorf("throttle let %d guesses through (policy: 5 free, then locked)", failed.Load())
	}
}

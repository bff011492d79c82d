package listserv

import (
	"fmt"
	"time"

	"minyan/store"
)

// AllowFormUse counts one use of a form that sends mail (sign-in, join)
// under key and tells whether it is within max per window per. The
// counts live in the store (store.CountRate), so restarting the daemon
// gives nobody a fresh allowance to mail an address. Concurrent uses are
// batched into one write.
func (s *Service) AllowFormUse(key string, max int, per time.Duration) (bool, error) {
	var n int
	err := s.st.Batch(func(tx *store.Tx) error {
		var err error
		n, err = tx.CountRate(key, s.clock.Now(), per)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("count a use of %s: %w", key, err)
	}
	return n <= max, nil
}

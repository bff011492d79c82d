package store

import (
	"testing"
	"time"
)

// TestCountRateSurvivesReopen: counts are in the file, so reopening the
// store (a restart) keeps them; a new window starts afresh, and windows
// that ended are removed.
func TestCountRateSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 2, 15, 1, 0, 0, time.UTC)
	count := func(key string, at time.Time) int {
		st, err := Open(dir, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		var n int
		if err := st.Update(func(tx *Tx) error { n, err = tx.CountRate(key, at, 15*time.Minute); return err }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := 1; i <= 3; i++ {
		if n := count("login|to|ann@example.org", now.Add(time.Duration(i)*time.Minute)); n != i {
			t.Fatalf("count %d: %d", i, n)
		}
	}
	if n := count("login|to|bob@example.org", now); n != 1 {
		t.Errorf("another key: %d", n)
	}
	if n := count("login|to|ann@example.org", now.Add(20*time.Minute)); n != 1 {
		t.Errorf("next window: %d", n)
	}
	st, err := Open(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keys := 0
	st.View(func(tx *Tx) error {
		return tx.tx.Bucket(bRateLimits).ForEach(func(_, _ []byte) error { keys++; return nil })
	})
	if keys != 1 {
		t.Errorf("%d windows kept, want only the current one", keys)
	}
}

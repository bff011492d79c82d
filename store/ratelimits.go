package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"
)

// Rate limits kept in the store, so a restart does not give a client or
// a target address a fresh allowance (the sign-in and join forms mail
// whoever is named in them).
//
// A key is counted in fixed windows of length per, aligned to the Unix
// epoch. The bucket's keys start with the window's end (big-endian Unix
// seconds), so the windows that ended are the bucket's first keys and
// are removed, a few at a time, by the calls that count.

var bRateLimits = []byte("rate_limits") // window end (8) key -> count (8)

// pruneRateLimitsMax bounds how many ended windows one call removes.
const pruneRateLimitsMax = 64

// CountRate counts one event for key in the window of length per that
// holds now and returns the count so far, this one included. It needs a
// writable transaction (it creates its bucket on first use).
func (t *Tx) CountRate(key string, now time.Time, per time.Duration) (int, error) {
	if per <= 0 {
		return 0, fmt.Errorf("rate limit %s: window %v", key, per)
	}
	b, err := t.tx.CreateBucketIfNotExists(bRateLimits)
	if err != nil {
		return 0, fmt.Errorf("rate limits: %w", err)
	}
	secs := int64(per / time.Second)
	if secs < 1 {
		secs = 1
	}
	end := (now.Unix()/secs + 1) * secs
	// Remove some windows that have ended.
	c := b.Cursor()
	removed := 0
	for k, _ := c.First(); len(k) >= 8 && int64(binary.BigEndian.Uint64(k)) <= now.Unix() && removed < pruneRateLimitsMax; k, _ = c.Next() {
		if err := c.Delete(); err != nil {
			return 0, fmt.Errorf("rate limits: %w", err)
		}
		removed++
	}
	k := binary.BigEndian.AppendUint64(nil, uint64(end))
	k = append(k, key...)
	n := uint64(0)
	if v := b.Get(k); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	n++
	if err := b.Put(bytes.Clone(k), binary.BigEndian.AppendUint64(nil, n)); err != nil {
		return 0, fmt.Errorf("rate limits: %w", err)
	}
	return int(n), nil
}

package store

import "time"

// JobDone reports whether the scheduled mail with this idempotency key
// (e.g. "reminder/team/12/24h") was already sent.
func (t *Tx) JobDone(key string) bool {
	return t.tx.Bucket(bJobs).Get([]byte(key)) != nil
}

// MarkJob records a scheduled mail as sent. Call it in the same
// transaction that enqueues the mail: that is what makes it exactly-once.
func (t *Tx) MarkJob(key string, at time.Time) error {
	b, _ := at.MarshalBinary()
	return t.tx.Bucket(bJobs).Put([]byte(key), b)
}

package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// Buckets of the volume features: muted threads and the digest position
// of periods other than the week.
var (
	bMutes        = []byte("mutes")         // list \x00 thread(8) \x00 addr -> time muted
	bMutesOf      = []byte("mutes_of")      // list \x00 addr \x00 thread(8) -> time muted
	bDigestPeriod = []byte("digest_period") // list \x00 period -> DigestState
)

// DigestFrequency is how often a member's digest comes.
type DigestFrequency string

const (
	// DigestWeekly is one digest a week, at the list's digest_day and
	// digest_time (the default; a membership without a choice reads as
	// this).
	DigestWeekly DigestFrequency = "weekly"
	// DigestDaily is one digest a day at the list's digest_time, on the
	// days there was something to send.
	DigestDaily DigestFrequency = "daily"
)

// ParseDigestFrequency reads "daily" or "weekly" (any case).
func ParseDigestFrequency(s string) (DigestFrequency, bool) {
	switch f := DigestFrequency(strings.ToLower(strings.TrimSpace(s))); f {
	case DigestDaily, DigestWeekly:
		return f, true
	}
	return "", false
}

// Frequency is the member's digest frequency, weekly when none was
// chosen.
func (m Membership) Frequency() DigestFrequency {
	if m.DigestFrequency == DigestDaily {
		return DigestDaily
	}
	return DigestWeekly
}

// Mute is one thread a member muted on a list.
type Mute struct {
	List    string
	Address string
	Thread  uint64
	At      time.Time
}

func muteKey(list string, thread uint64, addr string) []byte {
	k := make([]byte, 0, len(list)+len(addr)+10)
	k = append(k, list...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, thread)
	k = append(k, 0)
	return append(k, addr...)
}

func muteOfKey(list, addr string, thread uint64) []byte {
	k := make([]byte, 0, len(list)+len(addr)+10)
	k = append(k, list...)
	k = append(k, 0)
	k = append(k, addr...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, thread)
}

// Mute records that addr muted a thread of a list (muting twice keeps
// the first time).
func (t *Tx) Mute(list, addr string, thread uint64, at time.Time) error {
	addr = strings.ToLower(addr)
	k := muteKey(list, thread, addr)
	if t.tx.Bucket(bMutes).Get(k) != nil {
		return nil
	}
	v, _ := at.MarshalBinary()
	if err := t.tx.Bucket(bMutes).Put(k, v); err != nil {
		return fmt.Errorf("mute thread %d of %s: %w", thread, list, err)
	}
	return t.tx.Bucket(bMutesOf).Put(muteOfKey(list, addr, thread), v)
}

// Unmute removes a mute; unmuting a thread that was not muted is no
// error.
func (t *Tx) Unmute(list, addr string, thread uint64) error {
	addr = strings.ToLower(addr)
	if err := t.tx.Bucket(bMutes).Delete(muteKey(list, thread, addr)); err != nil {
		return fmt.Errorf("unmute thread %d of %s: %w", thread, list, err)
	}
	return t.tx.Bucket(bMutesOf).Delete(muteOfKey(list, addr, thread))
}

// Muted tells whether addr muted a thread of a list.
func (t *Tx) Muted(list, addr string, thread uint64) bool {
	return t.tx.Bucket(bMutes).Get(muteKey(list, thread, strings.ToLower(addr))) != nil
}

// MutedBy returns the addresses that muted a thread of a list, nil when
// nobody did (the usual case: one seek, no allocation).
func (t *Tx) MutedBy(list string, thread uint64) map[string]bool {
	prefix := muteKey(list, thread, "")
	var out map[string]bool
	c := t.tx.Bucket(bMutes).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if out == nil {
			out = map[string]bool{}
		}
		out[string(k[len(prefix):])] = true
	}
	return out
}

// MutedThreads lists the threads addr muted on a list, oldest thread
// first.
func (t *Tx) MutedThreads(list, addr string) []Mute {
	addr = strings.ToLower(addr)
	prefix := []byte(list + "\x00" + addr + "\x00")
	var out []Mute
	c := t.tx.Bucket(bMutesOf).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) != len(prefix)+8 {
			continue
		}
		m := Mute{List: list, Address: addr, Thread: binary.BigEndian.Uint64(k[len(prefix):])}
		_ = m.At.UnmarshalBinary(v)
		out = append(out, m)
	}
	return out
}

// deleteMemberMutes removes every mute of one member of a list.
func (t *Tx) deleteMemberMutes(list, addr string) error {
	for _, m := range t.MutedThreads(list, addr) {
		if err := t.Unmute(list, addr, m.Thread); err != nil {
			return err
		}
	}
	return nil
}

// deleteListVolume removes a list's mutes and period digest positions.
func (t *Tx) deleteListVolume(list string) error {
	prefix := []byte(list + "\x00")
	for _, name := range [][]byte{bMutes, bMutesOf, bDigestPeriod} {
		if err := deletePrefix(t.tx.Bucket(name), prefix); err != nil {
			return fmt.Errorf("delete mutes and digests of %s: %w", list, err)
		}
	}
	return nil
}

// PeriodDigestState returns where a list's digest of a period other than
// the week stands, or ErrNotFound before its first one. (The weekly
// digest keeps its position in DigestState.)
func (t *Tx) PeriodDigestState(list string, period DigestFrequency) (DigestState, error) {
	var d DigestState
	if err := getJSON(t.tx.Bucket(bDigestPeriod), []byte(list+"\x00"+string(period)), &d); err != nil {
		return d, fmt.Errorf("%s digest state of %s: %w", period, list, err)
	}
	return d, nil
}

// PutPeriodDigestState records a list's digest position for a period.
func (t *Tx) PutPeriodDigestState(period DigestFrequency, d DigestState) error {
	return putJSON(t.tx.Bucket(bDigestPeriod), []byte(d.List+"\x00"+string(period)), d)
}

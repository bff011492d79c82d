package digest

import (
	"errors"
	"fmt"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// firstDailyWindow is how far back a list's first daily digest reaches.
const firstDailyWindow = 24 * time.Hour

// periodPost is one archived post a digest of a period may show.
type periodPost struct {
	meta store.ArchiveMeta
	raw  []byte
	tags []string
}

// digestGroup is the members who see the same posts in a digest, by
// format, and those posts.
type digestGroup struct {
	posts []*periodPost
	rcpts map[store.DigestFormat][]store.QueuedRcpt
}

// wantsDigest tells whether a member gets the list's digest of a period:
// members in digest mode at that frequency, and members in each mode who
// follow only some topics (the posts of the others come in their digest).
func wantsDigest(mb store.Membership, period store.DigestFrequency) bool {
	if !listserv.Deliverable(mb) || mb.Frequency() != period {
		return false
	}
	return mb.Mode == listserv.ModeDigest || (mb.Mode == listserv.ModeEach && len(mb.Topics) > 0)
}

// digestGroups sorts a period's digest members by the posts they see: a
// digest member sees every post but the threads they muted; a member in
// each mode who follows topics sees the posts without one of their
// topics, but the threads they muted. Members who would see nothing get
// nothing. The groups come in roster order of their first member, the
// group of members who see every post (the usual one) first.
func (s *Scheduler) digestGroups(tx *store.Tx, l store.List, period store.DigestFrequency, posts []*periodPost) ([]*digestGroup, error) {
	// Who muted which of the digest's threads (usually nobody).
	mutedBy := map[uint64]map[string]bool{}
	for _, p := range posts {
		t := p.meta.Thread
		if _, seen := mutedBy[t]; !seen {
			mutedBy[t] = tx.MutedBy(l.Name, t)
		}
	}
	anyMuted := false
	for _, m := range mutedBy {
		anyMuted = anyMuted || len(m) > 0
	}
	all := &digestGroup{posts: posts, rcpts: map[store.DigestFormat][]store.QueuedRcpt{}}
	groups := []*digestGroup{all}
	byKey := map[string]*digestGroup{}
	var pick []byte
	err := tx.EachMember(l.Name, func(mb store.Membership) error {
		if !wantsDigest(mb, period) {
			return nil
		}
		g := all
		if anyMuted || mb.Mode != listserv.ModeDigest {
			pick = pick[:0]
			n := 0
			for _, p := range posts {
				in := !mutedBy[p.meta.Thread][mb.Address] &&
					(mb.Mode == listserv.ModeDigest || !listserv.FollowsPost(mb.Topics, p.tags))
				b := byte('0')
				if in {
					b, n = '1', n+1
				}
				pick = append(pick, b)
			}
			switch {
			case n == 0:
				return nil // nothing to send this member
			case n < len(posts):
				g = byKey[string(pick)]
				if g == nil {
					g = &digestGroup{rcpts: map[store.DigestFormat][]store.QueuedRcpt{}}
					for i, p := range posts {
						if pick[i] == '1' {
							g.posts = append(g.posts, p)
						}
					}
					byKey[string(pick)] = g
					groups = append(groups, g)
				}
			}
		}
		f := mb.Format()
		g.rcpts[f] = append(g.rcpts[f], s.svc.MemberRecipient(l, mb))
		return nil
	})
	return groups, err
}

// putDigestState records where a list's digest of a period stands.
func (s *Scheduler) putDigestState(tx *store.Tx, period store.DigestFrequency, st store.DigestState) error {
	if period == store.DigestWeekly {
		return tx.PutDigestState(st)
	}
	return tx.PutPeriodDigestState(period, st)
}

// periodDigestState reads where a list's digest of a period other than
// the week stands; a list without one starts one period before upTo.
func periodDigestState(tx *store.Tx, l store.List, period store.DigestFrequency, upTo time.Time) (store.DigestState, error) {
	st, err := tx.PeriodDigestState(l.Name, period)
	if err == nil && st.ListUID == l.UIDValidity {
		return st, nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return st, err
	}
	first, err := firstSeqAfter(tx, l.Name, upTo.Add(-firstDailyWindow))
	if err != nil {
		return st, err
	}
	st = store.DigestState{List: l.Name, ListUID: l.UIDValidity}
	if first > 0 {
		st.LastSeq = first - 1
	} else {
		_, next, err := tx.ArchiveStats(l.Name)
		if err != nil {
			return st, err
		}
		st.LastSeq = next - 1
	}
	return st, nil
}

// dailySlots returns the latest daily digest moment at or before now
// and the one after it: the list's digest_time in its timezone, every
// day (wall-clock, so it stays put across daylight saving changes).
func dailySlots(set store.Settings, now time.Time) (last, next time.Time, err error) {
	loc, err := loadZone(set.Timezone)
	if err != nil {
		return last, next, err
	}
	hm, err := time.Parse("15:04", set.DigestTime)
	if err != nil {
		return last, next, fmt.Errorf("digest_time %q is not HH:MM", set.DigestTime)
	}
	local := now.In(loc)
	w := wall{local.Year(), local.Month(), local.Day(), hm.Hour(), hm.Minute()}
	last = w.in(loc)
	if last.After(now) {
		w = wallOf(w.naive().AddDate(0, 0, -1))
		last = w.in(loc)
	}
	next = wallOf(w.naive().AddDate(0, 0, 1)).in(loc)
	return last, next, nil
}

// runDaily sends a list's daily digest when its slot has come and it was
// not sent yet. It returns the next slot. The slot's key is marked in the
// transaction that queues the digest, so a restart never sends it twice.
func (s *Scheduler) runDaily(l store.List, now time.Time) (time.Time, error) {
	slot, next, err := dailySlots(l.Settings, now)
	if err != nil {
		return time.Time{}, err
	}
	loc := listZone(l, "UTC")
	key := fmt.Sprintf("digest-daily/%s/%d/%s", l.Name, l.UIDValidity, slot.In(loc).Format("2006-01-02T15:04"))
	done := false
	if err := s.st.View(func(tx *store.Tx) error { done = tx.JobDone(key); return nil }); err != nil || done {
		// The scheduler looks again within MaxWait; a list without daily
		// members must not wake it every day.
		return time.Time{}, err
	}
	var (
		res    weeklyResult
		active bool
	)
	// Whether anyone reads the daily digest is read outside the write
	// transaction: a roster scan must not hold up the fan-out's writes.
	if err := s.st.View(func(tx *store.Tx) (err error) { active, err = hasDailyReaders(tx, l); return err }); err != nil {
		return time.Time{}, err
	}
	err = s.st.Update(func(tx *store.Tx) error {
		if tx.JobDone(key) {
			return nil
		}
		state, err := periodDigestState(tx, l, store.DigestDaily, slot)
		if err != nil {
			return err
		}
		if !state.LastSlot.IsZero() && !slot.After(state.LastSlot) {
			return tx.MarkJob(key, now)
		}
		if !active {
			// Nobody reads it: the position moves on, nothing is composed.
			_, end, err := tx.ArchiveStats(l.Name)
			if err != nil {
				return err
			}
			state.LastSeq, state.LastSlot = end-1, slot
			if err := tx.PutPeriodDigestState(store.DigestDaily, state); err != nil {
				return err
			}
			return tx.MarkJob(key, now)
		}
		res, err = s.queueDigest(tx, l, store.DigestDaily, state, slot, key, now)
		return err
	})
	if !active {
		next = time.Time{}
	}
	if err == nil && res.posts > 0 {
		s.log.Info("daily digest queued", "list", l.Name, "posts", res.posts, "recipients", res.rcpts)
	}
	return next, err
}

// hasDailyReaders tells whether any member of a list gets its daily
// digest.
func hasDailyReaders(tx *store.Tx, l store.List) (bool, error) {
	found := false
	err := tx.EachMember(l.Name, func(mb store.Membership) error {
		if wantsDigest(mb, store.DigestDaily) {
			found = true
			return errStop
		}
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return found, err
}

package digest

import (
	"errors"
	"fmt"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// A list's digest comes in two periods, daily and weekly. Both are built
// by the same code with the period as a parameter; what differs between
// them is only data: when the slots fall (digestSlots), how far back a
// list's first digest reaches (firstWindow), the key of a slot's job
// (jobKey) and where the position is stored (digestState).

// firstWindow is how far back a list's first digest of a period reaches
// (so history imported into a list is not mailed to its digest members).
func firstWindow(period store.DigestFrequency) time.Duration {
	if period == store.DigestDaily {
		return 24 * time.Hour
	}
	return 7 * 24 * time.Hour
}

// jobKey names the job of one digest slot of a list. The names are those
// stores already hold (weekly digests were "digest/…" before daily ones
// existed), so a restart never sends a slot twice.
func jobKey(l store.List, period store.DigestFrequency, slot time.Time) string {
	prefix := "digest"
	if period == store.DigestDaily {
		prefix = "digest-daily"
	}
	return fmt.Sprintf("%s/%s/%d/%s", prefix, l.Name, l.UIDValidity, slot.In(listZone(l, "UTC")).Format("2006-01-02T15:04"))
}

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

// putDigestState records where a list's digest of a period stands. The
// weekly position keeps the record it had before daily digests existed.
func putDigestState(tx *store.Tx, period store.DigestFrequency, st store.DigestState) error {
	if period == store.DigestWeekly {
		return tx.PutDigestState(st)
	}
	return tx.PutPeriodDigestState(period, st)
}

// digestState reads where a list's digest of a period stands. A list
// without one (new, or re-created under the same name) starts one
// firstWindow before upTo.
func digestState(tx *store.Tx, l store.List, period store.DigestFrequency, upTo time.Time) (store.DigestState, error) {
	var (
		st  store.DigestState
		err error
	)
	if period == store.DigestWeekly {
		st, err = tx.DigestState(l.Name)
	} else {
		st, err = tx.PeriodDigestState(l.Name, period)
	}
	if err == nil && st.ListUID == l.UIDValidity {
		return st, nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return st, err
	}
	first, err := firstSeqAfter(tx, l.Name, upTo.Add(-firstWindow(period)))
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

// digestSlots returns the latest digest moment of a period at or before
// now and the one after it: the list's digest_time in its timezone, every
// day for the daily digest, on digest_day for the weekly one. Both are
// wall-clock moments, so the digest stays at 08:00 local time across
// daylight saving changes.
func digestSlots(set store.Settings, period store.DigestFrequency, now time.Time) (last, next time.Time, err error) {
	loc, err := loadZone(set.Timezone)
	if err != nil {
		return last, next, err
	}
	days, back := 1, 0
	local := now.In(loc)
	if period == store.DigestWeekly {
		day, ok := listserv.ParseWeekday(set.DigestDay)
		if !ok {
			return last, next, fmt.Errorf("digest_day %q is not a day of the week", set.DigestDay)
		}
		days, back = 7, (int(local.Weekday())-int(day)+7)%7
	}
	hm, err := time.Parse("15:04", set.DigestTime)
	if err != nil {
		return last, next, fmt.Errorf("digest_time %q is not HH:MM", set.DigestTime)
	}
	w := wall{local.Year(), local.Month(), local.Day() - back, hm.Hour(), hm.Minute()}
	w = wallOf(w.naive()) // normalise the day
	last = w.in(loc)
	if last.After(now) {
		w = wallOf(w.naive().AddDate(0, 0, -days))
		last = w.in(loc)
	}
	next = wallOf(w.naive().AddDate(0, 0, days)).in(loc)
	return last, next, nil
}

// runDigest sends a list's digest of a period when its slot has come and
// it was not sent yet. It returns the next slot while someone reads that
// digest, and zero otherwise (the scheduler looks again within MaxWait
// anyway; a list without daily readers must not wake it every day). The
// slot's key is marked in the transaction that queues the digest, so a
// restart never sends it twice.
func (s *Scheduler) runDigest(l store.List, period store.DigestFrequency, now time.Time) (time.Time, error) {
	slot, next, err := digestSlots(l.Settings, period, now)
	if err != nil {
		return time.Time{}, err
	}
	key := jobKey(l, period, slot)
	done := false
	if err := s.st.View(func(tx *store.Tx) error { done = tx.JobDone(key); return nil }); err != nil || done {
		// The usual case: no write transaction, no fsync, no roster scan.
		return time.Time{}, err
	}
	var (
		res    digestResult
		active bool
	)
	// Whether anyone reads the digest is read outside the write
	// transaction: a roster scan must not hold up the fan-out's writes.
	if err := s.st.View(func(tx *store.Tx) (err error) { active, err = hasReaders(tx, l, period); return err }); err != nil {
		return time.Time{}, err
	}
	err = s.st.Update(func(tx *store.Tx) error {
		if tx.JobDone(key) {
			return nil
		}
		state, err := digestState(tx, l, period, slot)
		if err != nil {
			return err
		}
		if !state.LastSlot.IsZero() && !slot.After(state.LastSlot) {
			// A digest sent by hand after this slot covered it.
			return tx.MarkJob(key, now)
		}
		if !active {
			// Nobody reads it: the position moves on, nothing is composed.
			_, end, err := tx.ArchiveStats(l.Name)
			if err != nil {
				return err
			}
			state.LastSeq, state.LastSlot = end-1, slot
			if err := putDigestState(tx, period, state); err != nil {
				return err
			}
			return tx.MarkJob(key, now)
		}
		res, err = s.queueDigest(tx, l, period, state, slot, key, now)
		return err
	})
	if !active {
		next = time.Time{}
	}
	if err == nil && res.posts > 0 {
		s.log.Info("digest queued", "period", period, "list", l.Name, "posts", res.posts, "recipients", res.rcpts)
	}
	return next, err
}

// SendDigest sends a list's pending weekly digest now (`minyan digest
// send`): the posts since the last digest. The next scheduled digest
// starts after it. posts is 0 when there was nothing to send.
func (s *Scheduler) SendDigest(list string) (posts, rcpts int, err error) {
	now := s.svc.Now()
	var res digestResult
	err = s.st.Update(func(tx *store.Tx) error {
		l, err := tx.List(list)
		if err != nil {
			return err
		}
		state, err := digestState(tx, l, store.DigestWeekly, now)
		if err != nil {
			return err
		}
		_, next, err := tx.ArchiveStats(list)
		if err != nil {
			return err
		}
		key := fmt.Sprintf("digest/%s/%d/manual/%d-%d", l.Name, l.UIDValidity, state.LastSeq, next-1)
		if tx.JobDone(key) {
			return nil
		}
		res, err = s.queueDigest(tx, l, store.DigestWeekly, state, now, key, now)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return 0, 0, fmt.Errorf("no list named %s", list)
	}
	if err == nil && res.posts > 0 {
		s.log.Info("weekly digest sent by hand", "list", list, "posts", res.posts, "recipients", res.rcpts)
	}
	return res.posts, res.rcpts, err
}

// hasReaders tells whether any member of a list gets its digest of a
// period.
func hasReaders(tx *store.Tx, l store.List, period store.DigestFrequency) (bool, error) {
	found := false
	err := tx.EachMember(l.Name, func(mb store.Membership) error {
		if wantsDigest(mb, period) {
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

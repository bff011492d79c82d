package digest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/mail"
	"sort"
	"strings"
	"time"

	"minyan/listserv"
	"minyan/listserv/mailcompose"
	"minyan/listserv/outbox"
	"minyan/store"
)

// pairAttempts is how many random orders MakePairs tries; each is paired
// greedily (everyone takes the partner they have studied with least) and
// the arrangement with the fewest repeated pairs wins. Small groups reach
// a repeat-free arrangement, when one exists, in the first few tries.
const pairAttempts = 400

// MakePairs pairs a list's members (those who get mail) at random,
// avoiding pairs they have had before where possible, with one group of
// three when the count is odd. The new pairs replace the current ones and
// join the history. repeats counts the pairs that had studied together
// before (0 unless there was no way around it).
//
// It needs PermSessions on the list; the change is recorded in the audit
// log in the same transaction.
func (s *Scheduler) MakePairs(ctx context.Context, a listserv.Actor, list string) (p store.Pairing, repeats int, err error) {
	now := s.svc.Now()
	err = s.st.Update(func(tx *store.Tx) error {
		l, err := s.svc.Authorize(tx, a, list, listserv.PermSessions)
		if err != nil {
			return err
		}
		members, err := sessionMembers(tx, l)
		if err != nil {
			return err
		}
		if len(members) < 2 {
			who, key := "no members", "pairs_err.none"
			if len(members) == 1 {
				who, key = "only one member", "pairs_err.one"
			}
			return listserv.RefuseSaying(fmt.Sprintf("%s has %s who receive mail; pairs need at least two (add people with `minyan member add %s ADDRESS...`)", list, who, list), key)
		}
		people := make([]string, len(members))
		for i, mb := range members {
			people[i] = mb.Address
		}
		cost := func(a, b string) int { return tx.TimesPaired(list, a, b) }
		s.randMu.Lock()
		groups, rep := pairUp(people, cost, s.rand)
		s.randMu.Unlock()
		repeats = rep
		if p, err = newRound(tx, l, groups, now); err != nil {
			return err
		}
		return s.svc.AuditChange(tx, a, list, fmt.Sprintf("made pairs (round %d, %d groups)", p.Round, len(groups)))
	})
	if errors.Is(err, store.ErrNotFound) {
		return p, 0, fmt.Errorf("no list named %s", list)
	}
	if err == nil {
		s.log.Info("chevruta pairs made", "list", list, "round", p.Round, "groups", len(p.Groups), "repeats", repeats)
		s.Kick()
	}
	return p, repeats, err
}

// Pairs returns a list's current pairs (none: an empty Pairing).
func (s *Scheduler) Pairs(list string) (store.Pairing, error) {
	var p store.Pairing
	err := s.st.View(func(tx *store.Tx) error {
		l, err := tx.List(list)
		if err != nil {
			return err
		}
		p, err = tx.Pairing(list)
		if errors.Is(err, store.ErrNotFound) || (err == nil && p.ListUID != l.UIDValidity) {
			p, err = store.Pairing{List: list}, nil
		}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return p, fmt.Errorf("no list named %s", list)
	}
	return p, err
}

// pairUp groups people in twos (one three when odd), minimising the sum
// of cost over all pairs inside groups. It returns the groups, each
// sorted, in order, and how many of their pairs had a cost.
func pairUp(people []string, cost func(a, b string) int, rng *rand.Rand) ([][]string, int) {
	memo := map[[2]string]int{}
	c := func(a, b string) int {
		if b < a {
			a, b = b, a
		}
		k := [2]string{a, b}
		v, ok := memo[k]
		if !ok {
			v = cost(a, b)
			memo[k] = v
		}
		return v
	}
	groupCost := func(g []string) (sum, repeats int) {
		for i := range g {
			for j := i + 1; j < len(g); j++ {
				if v := c(g[i], g[j]); v > 0 {
					sum += v
					repeats++
				}
			}
		}
		return sum, repeats
	}
	var best [][]string
	bestCost, bestRepeats := math.MaxInt, 0
	order := append([]string(nil), people...)
	for attempt := 0; attempt < pairAttempts && bestCost > 0; attempt++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		used := make(map[string]bool, len(order))
		var groups [][]string
		var odd string
		for i, a := range order {
			if used[a] {
				continue
			}
			used[a] = true
			partner, pc := "", math.MaxInt
			for _, b := range order[i+1:] {
				if !used[b] {
					if v := c(a, b); v < pc {
						partner, pc = b, v
					}
				}
			}
			if partner == "" {
				odd = a
				break
			}
			used[partner] = true
			groups = append(groups, []string{a, partner})
		}
		if odd != "" {
			// The one left over joins the pair that costs least.
			bi, bc := 0, math.MaxInt
			for i, g := range groups {
				if v := c(odd, g[0]) + c(odd, g[1]); v < bc {
					bi, bc = i, v
				}
			}
			groups[bi] = append(groups[bi], odd)
		}
		total, repeats := 0, 0
		for _, g := range groups {
			sc, r := groupCost(g)
			total += sc
			repeats += r
		}
		if total < bestCost {
			best, bestCost, bestRepeats = groups, total, repeats
		}
	}
	for _, g := range best {
		sort.Strings(g)
	}
	sort.Slice(best, func(i, j int) bool { return best[i][0] < best[j][0] })
	return best, bestRepeats
}

// pairData is what pairs-checkin and pairs-share see.
type pairData struct {
	SessionView
	// Names is "Alice, Bob and Carol".
	Names string
	// Previous is the session before, for check-ins.
	Previous *SessionView
}

// queuePairMail queues one mail per pair (or trio), addressed to all of
// them with Reply-To all of them, so a reply reaches the partners and not
// the list. Partners who no longer get mail are left out; a group with
// fewer than two left gets nothing.
func (s *Scheduler) queuePairMail(tx *store.Tx, l store.List, si SessionInfo, j job, now time.Time) (int, error) {
	p, err := tx.Pairing(l.Name)
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.ListUID != l.UIDValidity) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	template := "pairs-checkin"
	if j.Kind == kindShare {
		template = "pairs-share"
	}
	n := 0
	for gi, g := range p.Groups {
		var (
			addrs []*mail.Address
			names []string
			rcpts []store.QueuedRcpt
		)
		for _, a := range g {
			mb, err := tx.Membership(l.Name, a)
			if err != nil || !listserv.Deliverable(mb) || mb.Mode == listserv.ModeNomail {
				continue
			}
			addrs = append(addrs, personAddress(tx, a))
			names = append(names, personName(tx, a))
			rcpts = append(rcpts, s.svc.MemberRecipient(l, mb))
		}
		if len(rcpts) < 2 {
			continue
		}
		data := pairData{SessionView: s.view(l, si), Names: listserv.JoinNames(names)}
		if j.Prev != nil {
			pv := s.view(l, *j.Prev)
			data.Previous = &pv
		}
		subject, body, err := s.svc.RenderIn(listLang(l), l.Name, template, data)
		if err != nil {
			return 0, err
		}
		h := s.ownerMail(l, subject, fmt.Sprintf("%s/r%d/g%d", j.Key, p.Round, gi+1), now)
		h.To, h.ReplyTo = mailcompose.Addresses(addrs...), mailcompose.Addresses(addrs...)
		raw := mailcompose.Compose(h, mailcompose.Text(body))
		if _, err := s.outbox.Enqueue(tx, outbox.Message{List: l.Name, Raw: raw, At: now}, rcpts, j.Kind); err != nil {
			return 0, err
		}
		n += len(rcpts)
	}
	return n, nil
}

// newRound stores a list's next round of pairs (made by MakePairs or
// given by SetPairs): the one writer of pairing records. A round counts
// from 1 again when the list was re-created under the same name.
func newRound(tx *store.Tx, l store.List, groups [][]string, now time.Time) (store.Pairing, error) {
	round := 1
	if old, err := tx.Pairing(l.Name); err == nil && old.ListUID == l.UIDValidity {
		round = old.Round + 1
	}
	p := store.Pairing{List: l.Name, ListUID: l.UIDValidity, Round: round, Made: now, Groups: groups}
	return p, tx.PutPairing(p)
}

// ConsolePairs returns a list's current pairs (none: an empty Pairing)
// and the members who may be paired. It needs PermSessions.
func (s *Scheduler) ConsolePairs(ctx context.Context, a listserv.Actor, list string) (store.Pairing, []string, error) {
	var (
		p      store.Pairing
		people []string
	)
	err := s.st.View(func(tx *store.Tx) error {
		l, err := s.svc.Authorize(tx, a, list, listserv.PermSessions)
		if err != nil {
			return err
		}
		p, err = tx.Pairing(list)
		if errors.Is(err, store.ErrNotFound) || (err == nil && p.ListUID != l.UIDValidity) {
			p, err = store.Pairing{List: list}, nil
		}
		if err != nil {
			return err
		}
		members, err := sessionMembers(tx, l)
		for _, mb := range members {
			people = append(people, mb.Address)
		}
		return err
	})
	return p, people, err
}

// SetPairs replaces a list's current pairs with groups chosen by an
// organizer: every group has two or more people, each a member who gets
// mail, nobody in two groups. The groups join the pair history like
// MakePairs's. It needs PermSessions and is recorded in the audit log.
func (s *Scheduler) SetPairs(ctx context.Context, a listserv.Actor, list string, groups [][]string) (store.Pairing, error) {
	now := s.svc.Now()
	var p store.Pairing
	err := s.st.Update(func(tx *store.Tx) error {
		l, err := s.svc.Authorize(tx, a, list, listserv.PermSessions)
		if err != nil {
			return err
		}
		members, err := sessionMembers(tx, l)
		if err != nil {
			return err
		}
		ok := map[string]bool{}
		for _, mb := range members {
			ok[mb.Address] = true
		}
		seen := map[string]int{}
		var clean [][]string
		for i, g := range groups {
			var grp []string
			for _, addr := range g {
				addr = listserv.NormalizeAddress(addr)
				if addr == "" {
					continue
				}
				if !ok[addr] {
					return listserv.RefuseSaying(fmt.Sprintf("group %d: %s is not a member of %s who gets mail", i+1, addr, list), "pairs_err.not_member", i+1, addr)
				}
				if j, dup := seen[addr]; dup {
					return listserv.RefuseSaying(fmt.Sprintf("%s is in group %d and group %d; put each person in one group", addr, j, i+1), "pairs_err.twice", addr, j, i+1)
				}
				seen[addr] = i + 1
				grp = append(grp, addr)
			}
			switch {
			case len(grp) == 0:
				continue
			case len(grp) == 1:
				return listserv.RefuseSaying(fmt.Sprintf("group %d has only %s; a group needs at least two people", i+1, grp[0]), "pairs_err.alone", i+1, grp[0])
			}
			clean = append(clean, grp)
		}
		if len(clean) == 0 {
			return listserv.RefuseSaying("give at least one group of two people", "pairs_err.no_group")
		}
		if p, err = newRound(tx, l, clean, now); err != nil {
			return err
		}
		var desc []string
		for _, g := range clean {
			desc = append(desc, strings.Join(g, "+"))
		}
		return s.svc.AuditChange(tx, a, list, fmt.Sprintf("set pairs (round %d): %s", p.Round, strings.Join(desc, " ")))
	})
	if err == nil {
		s.log.Info("chevruta pairs set", "list", list, "round", p.Round, "groups", len(p.Groups))
		s.Kick()
	}
	return p, err
}

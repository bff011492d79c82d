package listserv

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"time"

	"minyan/listserv/i18n"
	"minyan/store"
)

// Introductions: every round pairs people who asked for introductions
// (Intros on their profile) and share no list, and were never introduced
// before, and mails each pair one introduction with both profiles and a
// suggested one-to-one. Pairs prefer different regions and roles, and
// mix people who joined long ago with newer ones. A pair never repeats:
// the store keeps every introduction made. Sharing any list, a caucus
// too, keeps two people apart, and no introduction names a list.

// IntroTokenTTL is how long the "not now" link of an introduction works.
const IntroTokenTTL = 60 * 24 * time.Hour

// ErrBadIntroLink answers a "not now" link that is unknown, used or
// expired.
var ErrBadIntroLink = errors.New("this link is not valid any more (it was used already or is older than two months)")

// IntroPair is one introduction made by a round.
type IntroPair struct{ A, B string }

// introCandidate is one opted-in person in a round.
type introCandidate struct {
	p      store.Profile
	name   string
	joined time.Time
	lists  map[string]bool
	old    bool // among the earlier half to join
}

// RunIntros makes one round of introductions now. Only site admins and
// the operator may.
func (s *Service) RunIntros(ctx context.Context, a Actor) ([]IntroPair, error) {
	var pairs []IntroPair
	err := s.st.Update(func(tx *store.Tx) error {
		if err := authorizeSite(tx, a); err != nil {
			return err
		}
		var err error
		pairs, err = s.introRound(tx, a)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("introductions: %w", err)
	}
	return pairs, nil
}

// RunIntrosIfDue makes a round when every has passed since the last one
// (the clock's [network] intros_every); every <= 0 never runs one.
func (s *Service) RunIntrosIfDue(ctx context.Context, every time.Duration) (ran bool, pairs []IntroPair, err error) {
	if every <= 0 {
		return false, nil, nil
	}
	now := s.clock.Now()
	err = s.st.Update(func(tx *store.Tx) error {
		if last := tx.IntrosLastRun(); !last.IsZero() && now.Sub(last) < every {
			return nil
		}
		ran = true
		var err error
		pairs, err = s.introRound(tx, Operator(DoorSystem))
		return err
	})
	if err != nil {
		return false, nil, fmt.Errorf("introductions: %w", err)
	}
	return ran, pairs, nil
}

// introRound pairs, records and mails one round inside tx.
func (s *Service) introRound(tx *store.Tx, a Actor) ([]IntroPair, error) {
	now := s.clock.Now()
	if err := tx.PruneIntroTokens(now); err != nil {
		return nil, err
	}
	var cands []*introCandidate
	var skipped []store.Profile
	err := tx.EachProfile(func(p store.Profile) error {
		if !p.Intros {
			return nil
		}
		if p.SkipNextIntro {
			skipped = append(skipped, p)
			return nil
		}
		c, err := introCandidateOf(tx, p)
		if err != nil || c == nil {
			return err
		}
		cands = append(cands, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, p := range skipped {
		p.SkipNextIntro = false
		if _, err := s.putProfile(tx, p, tx.ProfilesVersion()); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if !cands[i].joined.Equal(cands[j].joined) {
			return cands[i].joined.Before(cands[j].joined)
		}
		return cands[i].p.Address < cands[j].p.Address
	})
	for i, c := range cands {
		c.old = i < len(cands)/2
	}
	matched := matchIntros(cands, func(x, y *introCandidate) bool { return tx.Introduced(x.p.Address, y.p.Address) })
	var out []IntroPair
	for _, m := range matched {
		if err := s.introduce(tx, m[0], m[1], now); err != nil {
			return nil, err
		}
		out = append(out, IntroPair{A: m[0].p.Address, B: m[1].p.Address})
	}
	if err := tx.SetIntrosLastRun(now); err != nil {
		return nil, err
	}
	if err := s.AuditChange(tx, a, "", fmt.Sprintf("introductions: %d pair(s) of %d opted-in people", len(out), len(cands))); err != nil {
		return nil, err
	}
	return out, nil
}

// introCandidateOf reads what pairing needs of p: their lists (every
// active membership, caucuses included) and when they first joined.
// Someone on no list is not introduced.
func introCandidateOf(tx *store.Tx, p store.Profile) (*introCandidate, error) {
	names, err := tx.ListsOf(p.Address)
	if err != nil {
		return nil, err
	}
	c := &introCandidate{p: p, lists: map[string]bool{}}
	for _, n := range names {
		mb, err := tx.Membership(n, p.Address)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		// Any membership, even a pending or banned one, counts as
		// sharing the list: pairing must not depend on statuses.
		c.lists[n] = true
		if !activeMember(&mb) {
			continue
		}
		if c.joined.IsZero() || mb.Joined.Before(c.joined) {
			c.joined = mb.Joined
		}
	}
	if c.joined.IsZero() {
		return nil, nil
	}
	if pr, err := tx.Person(p.Address); err == nil {
		c.name = pr.Name
	}
	return c, nil
}

// mayPair: two people who share no list and were never introduced.
func mayPair(x, y *introCandidate, introduced func(x, y *introCandidate) bool) bool {
	for l := range x.lists {
		if y.lists[l] {
			return false
		}
	}
	return !introduced(x, y)
}

// maxPairScore is the score of a pair that differs in everything.
const maxPairScore = 8

// pairScore prefers a mix of earlier and newer members, different
// regions and different roles.
func pairScore(x, y *introCandidate) int {
	score := 0
	if x.old != y.old {
		score += 4
	}
	if rx, ry := strings.ToLower(x.p.Region), strings.ToLower(y.p.Region); rx != "" && ry != "" && rx != ry {
		score += 2
	}
	common := false
	for _, r := range x.p.Roles {
		if y.p.HasRole(r) {
			common = true
		}
	}
	if !common {
		score += 2
	}
	return score
}

// matchIntros pairs the candidates (in join order): greedily by score,
// then improves the matching by augmenting paths of length three (an
// unmatched u and v, a pair x-y with u-x and y-v allowed, become u-x and
// y-v), so six people on three lists of two all find a partner.
func matchIntros(cands []*introCandidate, introduced func(x, y *introCandidate) bool) [][2]*introCandidate {
	partner := make([]int, len(cands))
	for i := range partner {
		partner[i] = -1
	}
	ok := func(i, j int) bool { return i != j && mayPair(cands[i], cands[j], introduced) }
	for i := range cands {
		if partner[i] >= 0 {
			continue
		}
		best, bestScore := -1, -1
		for j := range cands {
			if partner[j] >= 0 || !ok(i, j) {
				continue
			}
			if sc := pairScore(cands[i], cands[j]); sc > bestScore {
				best, bestScore = j, sc
				if sc == maxPairScore {
					break // nobody scores higher: a large round stays linear-ish
				}
			}
		}
		if best >= 0 {
			partner[i], partner[best] = best, i
		}
	}
	for improved := true; improved; {
		improved = false
		for u := range cands {
			if partner[u] >= 0 {
				continue
			}
		search:
			for x := range cands {
				y := partner[x]
				if y < 0 || !ok(u, x) {
					continue
				}
				for v := range cands {
					if v != u && partner[v] < 0 && ok(y, v) {
						partner[u], partner[x] = x, u
						partner[y], partner[v] = v, y
						improved = true
						break search
					}
				}
			}
		}
	}
	var out [][2]*introCandidate
	for i, j := range partner {
		if j > i {
			out = append(out, [2]*introCandidate{cands[i], cands[j]})
		}
	}
	return out
}

// introPerson is one side of an introduction mail.
type introPerson struct {
	Name, Address, Pronouns, Region, Roles, About, Offers, NotNowURL string
}

// introduce records one introduction and mails it to both.
func (s *Service) introduce(tx *store.Tx, x, y *introCandidate, now time.Time) error {
	if err := tx.PutIntro(store.Intro{A: x.p.Address, B: y.p.Address, Time: now}); err != nil {
		return err
	}
	// One mail goes to both: in their language when they share one,
	// else in English.
	lang := Lang(x.p.Lang).Or(LangEnglish)
	if Lang(y.p.Lang).Or(LangEnglish) != lang {
		lang = LangEnglish
	}
	var people []introPerson
	var to []string
	for _, c := range []*introCandidate{x, y} {
		tok := store.NewToken()
		if err := tx.PutIntroToken(store.IntroToken{Hash: store.HashSecret(tok), Address: c.p.Address, Created: now, Expires: now.Add(IntroTokenTTL)}); err != nil {
			return err
		}
		name := c.name
		if name == "" {
			name = c.p.Address
		}
		var roles []string
		for _, r := range c.p.Roles {
			roles = append(roles, roleLabel(lang, r))
		}
		people = append(people, introPerson{Name: name, Address: c.p.Address, Pronouns: c.p.Pronouns, Region: c.p.Region,
			Roles: strings.Join(roles, ", "), About: oneParagraph(c.p.About), Offers: oneParagraph(c.p.Offers),
			NotNowURL: s.o.PublicURL + "/intros/not-now/" + tok})
		to = append(to, (&mail.Address{Name: c.name, Address: c.p.Address}).String())
	}
	subj, body, err := s.renderIn(lang, "", "intro", map[string]any{
		"Domain": s.o.Domain, "A": people[0], "B": people[1], "People": people, "ProfileURL": s.o.PublicURL + "/me/profile",
	})
	if err != nil {
		return err
	}
	return s.queueNotice(tx, notice{To: to, From: "minyan@" + s.o.Domain, ReplyTo: x.p.Address + ", " + y.p.Address,
		Subject: subj, Body: body})
}

// oneParagraph joins the lines of a profile field for a mail line.
func oneParagraph(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func (s *Service) validIntroToken(tx *store.Tx, token string) (store.IntroToken, error) {
	if len(token) < 16 || len(token) > 64 {
		return store.IntroToken{}, ErrBadIntroLink
	}
	it, err := tx.IntroToken(store.HashSecret(token))
	if errors.Is(err, store.ErrNotFound) {
		return it, ErrBadIntroLink
	} else if err != nil {
		return it, err
	}
	if !it.Used.IsZero() || !s.clock.Now().Before(it.Expires) {
		return it, ErrBadIntroLink
	}
	return it, nil
}

// NotNowInfo tells the "not now" page whose link this is (their name, or
// address), without using it.
func (s *Service) NotNowInfo(token string) (string, bool) {
	who := ""
	_ = s.st.View(func(tx *store.Tx) error {
		it, err := s.validIntroToken(tx, token)
		if err != nil {
			return nil
		}
		who = it.Address
		if p, err := tx.Person(it.Address); err == nil && p.Name != "" {
			who = p.Name
		}
		return nil
	})
	return who, who != ""
}

// NotNow uses a "not now" link: its person is skipped in the next round
// of introductions. The link works once.
func (s *Service) NotNow(ctx context.Context, token string) error {
	now := s.clock.Now()
	return s.st.Update(func(tx *store.Tx) error {
		it, err := s.validIntroToken(tx, token)
		if err != nil {
			return err
		}
		it.Used = now
		if err := tx.PutIntroToken(it); err != nil {
			return err
		}
		p, err := tx.Profile(it.Address)
		if err != nil {
			return err
		}
		p.SkipNextIntro = true
		p.Updated = now
		if _, err := s.putProfile(tx, p, tx.ProfilesVersion()); err != nil {
			return err
		}
		return s.AuditChange(tx, Person(it.Address, DoorWeb), "", "profile of "+it.Address+": skip_next_intro=true (not now link)")
	})
}

// roleLabel names a profile role in language l (the catalogue's
// profile_role texts, the role's own label for one it lacks).
func roleLabel(l Lang, r store.ProfileRole) string {
	if key := "profile_role." + string(r); i18n.Builtin().Has(LangEnglish, key) {
		return i18n.Builtin().T(l, key)
	}
	return r.Label()
}

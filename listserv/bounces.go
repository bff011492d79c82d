package listserv

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"minyan/listserv/bounce"
	"minyan/listserv/outbox"
	"minyan/store"
)

// Bounce handling: the last step of a post's way out, when the relay or a
// later DSN says a copy did not arrive (docs/deliverability.md).
//
// A member's score is the number of counted bounces inside the list's
// bounce_window. Only failures that blame the mailbox count (bounce.Failed:
// a DSN or text bounce saying so, or the relay's 5xx to RCPT or to the
// data); at most one bounce counts per member per bounceGap, so one bad
// day at a provider, or one post bouncing both at the relay and by DSN,
// counts once. At bounce_score_threshold delivery is disabled; probes
// follow, and a probe the relay accepts re-enables delivery.
const (
	// probeFirstAfter is how long after delivery was disabled the first
	// probe goes out; probeEvery spaces the next ones; after maxProbes
	// delivery stays disabled until an owner re-enables it.
	probeFirstAfter = 72 * time.Hour
	probeEvery      = 7 * 24 * time.Hour
	maxProbes       = 4
	// probeTokenTTL bounds how long a probe's bounce is recognized.
	probeTokenTTL = 30 * 24 * time.Hour
	// maxBounceGap caps the spacing of counted bounces (see bounceGap).
	maxBounceGap = 24 * time.Hour
)

// bounceGap is the least time between two counted bounces of a member:
// a day, or less when the list's window is short, so that the threshold
// can still be reached inside the window.
func bounceGap(set store.Settings) time.Duration {
	if set.BounceScoreThreshold <= 0 {
		return maxBounceGap
	}
	return min(maxBounceGap, set.BounceWindow/time.Duration(set.BounceScoreThreshold))
}

// bounceTarget is a member a returned message is about.
type bounceTarget struct {
	addr  string
	kind  bounce.Kind
	probe *store.Token // set when the bounce answers a probe
}

// receiveBounce handles mail to NAME-bounces@ and NAME-bounces+TOKEN@:
// DSNs, text bounces and auto-replies. It is never distributed. The
// member is the one the VERP token names; without a token, the report's
// recipients are matched against the roster.
func (s *Service) receiveBounce(ctx context.Context, env Envelope, la ListAddress, raw []byte) error {
	rep := bounce.Parse(raw)
	reason := rep.Reason()
	log := s.log.With("list", la.List, "kind", rep.Kind.String(), "format", rep.Format)
	var matched int
	err := s.st.Batch(func(tx *store.Tx) error {
		matched = 0
		list, err := tx.List(la.List)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		targets, err := s.bounceTargets(tx, list, la, rep)
		if err != nil {
			return err
		}
		matched = len(targets)
		if len(targets) == 0 && (rep.Kind == bounce.Failed || rep.Kind == bounce.Policy) {
			named := plainBounceNames(tx, list.Name, rep)
			tx.OnCommit(func() {
				log.Info("bounce without a member's own address: logged, not counted", "names", named, "reason", reason)
			})
		}
		now := s.clock.Now()
		for _, t := range targets {
			mb, err := tx.Membership(list.Name, t.addr)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			switch {
			case t.kind == bounce.Failed && t.probe != nil:
				err = s.probeBounced(tx, list, mb, *t.probe, reason)
			case t.kind == bounce.Failed:
				err = s.countBounce(tx, list, mb, now, reason, "bounce message")
			case t.kind == bounce.Policy:
				err = s.deliverabilityProblem(tx, list, mb.Address, reason, true)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return tempFail(err)
	}
	s.bounceMetric("received_" + strings.ReplaceAll(rep.Kind.String(), "-", "_"))
	switch rep.Kind {
	case bounce.Failed, bounce.Policy:
		log.Info("bounce received", "members", matched, "reason", reason, "verp", la.Token != "")
	case bounce.Unrecognized:
		log.Info("mail to the bounce address not understood; dropped", "envelope_from", env.From, "subject", rep.Subject)
	default:
		log.Debug("bounce not counted", "members", matched, "reason", reason)
	}
	return nil
}

// bounceTargets names the members a report is about.
func (s *Service) bounceTargets(tx *store.Tx, list store.List, la ListAddress, rep *bounce.Report) ([]bounceTarget, error) {
	if la.Token != "" {
		tok, err := tx.Token(la.Token)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return nil, err
		case tok.List == list.Name && (tok.Kind == "bounce" || tok.Kind == "probe"):
			kind := rep.Kind
			if k, ok := rep.KindFor(tok.Address); ok {
				kind = k // forwarded mail reports other addresses too
			}
			t := bounceTarget{addr: tok.Address, kind: kind}
			if tok.Kind == "probe" {
				if !tok.Expires.IsZero() && s.clock.Now().After(tok.Expires) {
					return nil, nil
				}
				t.probe = &tok
			}
			return []bounceTarget{t}, nil
		}
	}
	// The plain bounce address (batched lists) or an unknown token:
	// anyone can send a report naming any member there, so it is logged
	// with the members it names but never counted; only a member's own
	// VERP token (or the relay's own answer, see DeliveryHook) raises a
	// score.
	return nil, nil
}

// plainBounceNames lists the members a report to the plain bounce
// address names, for the log line only.
func plainBounceNames(tx *store.Tx, list string, rep *bounce.Report) []string {
	var out []string
	for _, rc := range rep.Recipients {
		for _, a := range []string{rc.Address, rc.Original} {
			if a = NormalizeAddress(a); a != "" {
				if _, err := tx.Membership(list, a); err == nil {
					out = append(out, a)
					break
				}
			}
		}
	}
	return out
}

// DeliveryOutcome is the outbox's Hook: it runs inside the transaction
// that records each delivery outcome, for the list the queued message
// belongs to. A permanent failure the relay gave at RCPT counts as a
// bounce of that member when the answer blames the mailbox
// (bounce.ClassifyReply); so does giving up after days of temporary
// answers that blame it. Any other refusal (of the sender, of the
// message, of the whole transaction at MAIL FROM or after the data) is
// the list's deliverability problem, not the member's. A probe the relay
// accepted re-enables delivery.
func (s *Service) DeliveryOutcome(tx *store.Tx, d outbox.Delivery) error {
	o := d.Outcome
	if (o.Delivered && d.Kind != outbox.KindProbe) || (!o.Delivered && !o.RetryAt.IsZero()) || d.List == "" {
		return nil // the common case, kept cheap: it runs for every delivery
	}
	list, err := tx.List(d.List)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	mb, err := tx.Membership(list.Name, d.Rcpt.Address)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.Delivered {
		return s.probeDelivered(tx, list, mb)
	}
	if d.Kind == outbox.KindProbe {
		tx.OnCommit(func() {
			s.log.Info("bounce probe refused by the relay; delivery stays disabled", "list", list.Name, "member", mb.Address, "reply", o.Error)
		})
		return nil
	}
	switch o.Stage {
	case store.StageRcpt:
	case store.StageMail, store.StageData:
		// A refusal of the sender or of the message ("554 Message
		// rejected: Email address is not verified") is the list's
		// problem: counting it would disable every member at once.
		if o.Permanent {
			return s.deliverabilityProblem(tx, list, mb.Address, o.Error, false)
		}
		return nil
	default:
		return nil // the relay unreachable, or a local problem
	}
	switch bounce.ClassifyReply(o.Error, !o.Permanent) {
	case bounce.Failed:
		// Refused for good, or given up after days of answers such as
		// "452 4.2.2 mailbox full".
		return s.countBounce(tx, list, mb, o.At, o.Error, "relay answer")
	case bounce.Policy:
		if o.Permanent {
			return s.deliverabilityProblem(tx, list, mb.Address, o.Error, false)
		}
	}
	return nil // given up after temporary answers that did not blame the mailbox
}

// countBounce adds a bounce to a member's score and disables delivery at
// the list's threshold, telling the member (at that address anyway) and
// the owners.
func (s *Service) countBounce(tx *store.Tx, list store.List, mb store.Membership, at time.Time, reason, source string) error {
	if mb.Status != StatusOK && mb.Status != StatusBouncing {
		return nil // disabled already, pending, waitlisted or banned
	}
	set := list.Settings
	if set.BounceScoreThreshold <= 0 {
		tx.OnCommit(func() {
			s.log.Info("bounce not counted: bounce_score_threshold is 0", "list", list.Name, "member", mb.Address, "reason", reason)
		})
		return nil
	}
	kept := pruneBounces(mb.Bounces, at.Add(-set.BounceWindow))
	if n := len(kept); n > 0 && !at.Before(kept[n-1]) && at.Sub(kept[n-1]) < bounceGap(set) {
		tx.OnCommit(func() {
			s.bounceMetric("merged")
			s.log.Debug("bounce within a day of the last one: not counted again", "list", list.Name, "member", mb.Address, "source", source)
		})
		return nil
	}
	mb.Bounces = append(kept, at)
	mb.BounceError = reason
	score := len(mb.Bounces)
	if score < set.BounceScoreThreshold {
		tx.OnCommit(func() {
			s.bounceMetric("counted")
			s.log.Info("bounce counted", "list", list.Name, "member", mb.Address, "score", score,
				"threshold", set.BounceScoreThreshold, "source", source, "reason", reason)
		})
		return s.setBounceState(tx, mb, StatusBouncing, mb.Bounces, reason)
	}
	mb.Status = StatusDisabled
	if err := s.setBounceState(tx, mb, StatusDisabled, mb.Bounces, reason); err != nil {
		return err
	}
	if err := s.emit(tx, EventMemberDisabled, list.Name, memberEvent(mb)); err != nil {
		return err
	}
	if err := s.tellDisabled(tx, list, mb, score, reason); err != nil {
		return err
	}
	tx.OnCommit(func() {
		s.bounceMetric("counted")
		s.bounceMetric("disabled")
		s.log.Warn("delivery disabled by bounces", "list", list.Name, "member", mb.Address, "score", score,
			"window", FormatDuration(set.BounceWindow), "source", source, "reason", reason)
	})
	return nil
}

// pruneBounces drops the bounces before since.
func pruneBounces(b []time.Time, since time.Time) []time.Time {
	out := make([]time.Time, 0, len(b)+1)
	for _, t := range b {
		if !t.Before(since) {
			out = append(out, t)
		}
	}
	return out
}

// tellDisabled writes to the disabled member (the notice may well bounce
// too; it is sent anyway, as a person may read it through a forward) and
// to the owners.
func (s *Service) tellDisabled(tx *store.Tx, list store.List, mb store.Membership, score int, reason string) error {
	data := map[string]any{
		"List": list.Name, "Title": list.Settings.Title, "Address": mb.Address,
		"ListAddress": s.addr(list.Name, RolePost, ""), "OwnerAddress": s.addr(list.Name, RoleOwner, ""),
		"Score": score, "Window": Span(list.Settings.BounceWindow), "Reason": reason,
		"ProbeAfter": Span(probeFirstAfter),
	}
	subj, body, err := s.renderTx(tx, mb.Address, list.Name, "bounce-disabled", data)
	if err != nil {
		return err
	}
	if err := s.queueNotice(tx, notice{
		List: list.Name, To: []string{mb.Address}, From: s.addr(list.Name, RoleOwner, ""),
		Subject: subj, Body: body,
	}); err != nil {
		return err
	}
	owners, err := moderatorAddresses(tx, list.Name, ListOwner)
	if err != nil {
		return err
	}
	owners = without(owners, mb.Address)
	if len(owners) == 0 {
		return nil
	}
	return s.queueNoticeIn(tx, list.Name, owners, "bounce-owner-disabled", data, notice{List: list.Name, From: s.addr(list.Name, RoleOwner, "")})
}

func without(addrs []string, drop string) []string {
	out := addrs[:0:0]
	for _, a := range addrs {
		if !strings.EqualFold(a, drop) {
			out = append(out, a)
		}
	}
	return out
}

// deliverabilityProblem records a rejection that blames the list's mail
// rather than the member's mailbox (DMARC, spam, size, a relay refusing
// the sender): counted and logged per list, and the owners get at most
// one notice a day about it. Nobody's score changes.
func (s *Service) deliverabilityProblem(tx *store.Tx, list store.List, rcpt, reason string, fromBounce bool) error {
	now := s.clock.Now()
	key := "deliverability/" + list.Name + "/" + now.UTC().Format("2006-01-02")
	notify := !tx.JobDone(key)
	if notify {
		owners, err := moderatorAddresses(tx, list.Name, ListOwner)
		if err != nil {
			return err
		}
		if len(owners) > 0 {
			if err := s.queueNoticeIn(tx, list.Name, owners, "bounce-policy", map[string]any{
				"List": list.Name, "Title": list.Settings.Title, "Recipient": rcpt, "Reason": reason,
				"Domain": s.o.Domain,
			}, notice{List: list.Name, From: s.addr(list.Name, RoleOwner, "")}); err != nil {
				return err
			}
		}
		if err := tx.MarkJob(key, now); err != nil {
			return err
		}
	}
	tx.OnCommit(func() {
		s.bounceMetric("policy")
		if notify || fromBounce {
			s.log.Warn("deliverability problem: mail refused for the message, not the mailbox (not counted as a bounce)",
				"list", list.Name, "recipient", rcpt, "reason", reason, "owners_told", notify)
		}
	})
	return nil
}

// probeDelivered re-enables a disabled member whose probe the relay
// accepted.
func (s *Service) probeDelivered(tx *store.Tx, list store.List, mb store.Membership) error {
	if mb.Status != StatusDisabled {
		return nil
	}
	tx.OnCommit(func() {
		s.bounceMetric("reenabled")
		s.log.Info("delivery re-enabled: a bounce probe was accepted", "list", list.Name, "member", mb.Address)
	})
	return s.setBounceState(tx, mb, StatusOK, nil, "")
}

// probeBounced handles a bounce of a probe. If the relay had accepted
// the probe (delivery was re-enabled) and the mailbox then refused it,
// delivery is disabled again, keeping the original probe schedule.
func (s *Service) probeBounced(tx *store.Tx, list store.List, mb store.Membership, tok store.Token, reason string) error {
	if tok.Used.IsZero() {
		if err := s.useToken(tx, tok, "bounce"); err != nil {
			return err
		}
	}
	if mb.Status != StatusOK && mb.Status != StatusBouncing {
		return nil
	}
	disabledAt, err := time.Parse(time.RFC3339Nano, tok.Data)
	if err != nil {
		disabledAt = s.clock.Now()
	}
	mb.Status = StatusDisabled
	mb.Bounces = []time.Time{disabledAt}
	if err := s.emit(tx, EventMemberDisabled, list.Name, memberEvent(mb)); err != nil {
		return err
	}
	tx.OnCommit(func() {
		s.bounceMetric("disabled")
		s.log.Warn("bounce probe bounced after the relay accepted it: delivery disabled again", "list", list.Name, "member", mb.Address, "reason", reason)
	})
	return s.setBounceState(tx, mb, StatusDisabled, mb.Bounces, "")
}

// disabledSince is when a member's delivery was disabled: the last
// counted bounce (scores of disabled members are frozen).
func disabledSince(mb store.Membership) (time.Time, bool) {
	if mb.Status != StatusDisabled || len(mb.Bounces) == 0 {
		return time.Time{}, false
	}
	return mb.Bounces[len(mb.Bounces)-1], true
}

func probeKey(list, addr string, since time.Time, n int) string {
	return fmt.Sprintf("bounce-probe/%s/%s/%d/%d", list, addr, since.UnixNano(), n)
}

// dueProbe returns the number (1..maxProbes) of the probe a disabled
// member is due now, or 0. Only the latest due probe is sent: after
// downtime the missed ones are skipped.
func dueProbe(tx *store.Tx, list string, mb store.Membership, now time.Time) (int, time.Time) {
	since, ok := disabledSince(mb)
	if !ok {
		return 0, since
	}
	for n := maxProbes; n >= 1; n-- {
		due := since.Add(probeFirstAfter + time.Duration(n-1)*probeEvery)
		if now.Before(due) {
			continue
		}
		if tx.JobDone(probeKey(list, mb.Address, since, n)) {
			return 0, since
		}
		return n, since
	}
	return 0, since
}

// sendProbe queues probe n to a disabled member, from a VERP address of
// its own so its bounce is recognized, and marks it (and any skipped
// earlier ones) sent.
func (s *Service) sendProbe(tx *store.Tx, list store.List, mb store.Membership, n int, since time.Time) error {
	now := s.clock.Now()
	tok, err := s.IssueToken(tx, "probe", list.Name, mb.Address, uint64(n), since.UTC().Format(time.RFC3339Nano), probeTokenTTL)
	if err != nil {
		return err
	}
	subj, body, err := s.renderTx(tx, mb.Address, list.Name, "bounce-probe", map[string]any{
		"List": list.Name, "Title": list.Settings.Title, "Address": mb.Address,
		"ListAddress": s.addr(list.Name, RolePost, ""), "OwnerAddress": s.addr(list.Name, RoleOwner, ""),
	})
	if err != nil {
		return err
	}
	raw := s.buildNotice(notice{List: list.Name, To: []string{mb.Address}, From: s.addr(list.Name, RoleOwner, ""), Subject: subj, Body: body}, now)
	rcpt := []store.QueuedRcpt{{Address: mb.Address, EnvelopeFrom: s.addr(list.Name, RoleBounces, tok)}}
	if _, err := s.outbox.Enqueue(tx, outbox.Message{List: list.Name, Raw: raw, At: now}, rcpt, outbox.KindProbe); err != nil {
		return fmt.Errorf("queue bounce probe to %s: %w", mb.Address, err)
	}
	for k := 1; k <= n; k++ {
		if err := tx.MarkJob(probeKey(list.Name, mb.Address, since, k), now); err != nil {
			return err
		}
	}
	tx.OnCommit(func() {
		s.bounceMetric("probe_sent")
		s.log.Info("bounce probe sent", "list", list.Name, "member", mb.Address, "probe", n, "of", maxProbes)
	})
	return nil
}

// bounceMaintenance sends probes to disabled members and expires old
// bounce scores. It reads every roster in one view and writes only where there
// is something to do.
func (s *Service) bounceMaintenance(ctx context.Context, now time.Time) error {
	type work struct {
		list  store.List
		addrs []string
	}
	var todo []work
	err := s.st.View(func(tx *store.Tx) error {
		lists, err := tx.Lists()
		if err != nil {
			return err
		}
		for _, l := range lists {
			w := work{list: l}
			err := tx.EachMember(l.Name, func(mb store.Membership) error {
				switch mb.Status {
				case StatusBouncing:
					if len(pruneBounces(mb.Bounces, now.Add(-l.Settings.BounceWindow))) < len(mb.Bounces) {
						w.addrs = append(w.addrs, mb.Address)
					}
				case StatusDisabled:
					if n, _ := dueProbe(tx, l.Name, mb, now); n > 0 {
						w.addrs = append(w.addrs, mb.Address)
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			if len(w.addrs) > 0 {
				todo = append(todo, w)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, w := range todo {
		if ctx.Err() != nil {
			return nil
		}
		err := s.st.Update(func(tx *store.Tx) error {
			list, err := tx.List(w.list.Name)
			if err != nil {
				return err
			}
			for _, addr := range w.addrs {
				mb, err := tx.Membership(list.Name, addr)
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				switch mb.Status {
				case StatusBouncing:
					// Old bounces leave the score; none left, all is well.
					kept, st := pruneBounces(mb.Bounces, now.Add(-list.Settings.BounceWindow)), StatusBouncing
					if len(kept) == 0 {
						kept, st = nil, StatusOK
					}
					if err := s.setBounceState(tx, mb, st, kept, ""); err != nil {
						return err
					}
				case StatusDisabled:
					if n, since := dueProbe(tx, list.Name, mb, now); n > 0 {
						if err := s.sendProbe(tx, list, mb, n, since); err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
		if errors.Is(err, store.ErrNotFound) {
			continue // the list was removed meanwhile
		}
		if err != nil {
			return fmt.Errorf("bounce maintenance of %s: %w", w.list.Name, err)
		}
	}
	return nil
}

// bounceMetric counts a bounce event: received_<kind>, counted, merged,
// disabled, reenabled, probe_sent, policy.
func (s *Service) bounceMetric(event string) {
	s.metrics.Bounces.WithLabelValues(event).Inc()
}

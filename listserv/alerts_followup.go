package listserv

import (
	"context"
	"fmt"
	"net/mail"
	"time"

	"minyan/listserv/mailcompose"
	"minyan/listserv/outbox"
	"minyan/listserv/rewrite"
	"minyan/store"
)

// maintainAlerts sends each alert's one follow-up when it falls due:
// alert_followup_after after the alert, to the members it went to who
// have not acted and whom list mail still reaches. Marking the alert and
// queueing the mail share one transaction, so it goes exactly once,
// also across restarts; an alert older than its tokens gets none.
func (s *Service) maintainAlerts(ctx context.Context, now time.Time) error {
	var due []uint64
	err := s.st.View(func(tx *store.Tx) error {
		alerts, err := tx.Alerts("")
		if err != nil {
			return err
		}
		for _, a := range alerts {
			if !a.FollowupSent.IsZero() || now.Sub(a.Sent) > alertTokenTTL {
				continue
			}
			l, err := tx.List(a.List)
			if err != nil {
				continue
			}
			if after := l.Settings.AlertFollowupAfter; after > 0 && !now.Before(a.Sent.Add(after)) {
				due = append(due, a.ID)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range due {
		if err := s.st.Update(func(tx *store.Tx) error { return s.followUpAlert(tx, id, now) }); err != nil {
			return fmt.Errorf("alert %d follow-up: %w", id, err)
		}
	}
	return nil
}

// followUpAlert sends alert id's follow-up unless it went already.
func (s *Service) followUpAlert(tx *store.Tx, id uint64, now time.Time) error {
	a, err := tx.Alert(id)
	if err != nil || !a.FollowupSent.IsZero() {
		return err
	}
	l, err := tx.List(a.List)
	if err != nil {
		return nil // list gone
	}
	pending := map[string]store.AlertRcpt{}
	if err := tx.EachAlertRcpt(id, func(r store.AlertRcpt) error {
		if r.Done.IsZero() {
			pending[r.Address] = r
		}
		return nil
	}); err != nil {
		return err
	}
	mark := newAlertMark()
	archive := ""
	if a.Seq != 0 && l.Settings.Archive != store.ArchiveOff {
		archive = s.ArchiveURL(l.Name, a.Seq)
	}
	subj, body, err := s.renderTx(tx, "", l.Name, "alert-followup", map[string]any{"Title": listTitle(l), "Subject": a.Subject, "Link": s.alertLink(mark), "Archive": archive})
	if err != nil {
		return err
	}
	h := mailcompose.Header{
		From:    (&mail.Address{Name: listTitle(l), Address: s.addr(l.Name, RoleRequest, "")}).String(),
		To:      []string{s.addr(l.Name, RolePost, "")},
		Subject: rewrite.PrefixSubject(subj, l.Settings.SubjectPrefix), Date: now,
		MessageID: mailcompose.NewID(s.o.Domain), InReplyTo: a.MessageID,
		Extra: s.ListHeaders(l),
	}
	raw := mailcompose.Compose(h, mailcompose.Text(body))
	// Tokens are stored hashed, so the follow-up carries new ones, for
	// the same recipient records; the alert's own keep working.
	rcpts, fresh, err := s.alertRecipients(tx, l, id, func(mb store.Membership, _ uint32) (uint32, bool) {
		r, ok := pending[mb.Address]
		return r.Index, ok && alertReaches(mb)
	})
	if err != nil {
		return err
	}
	recs := make([]store.AlertRcpt, 0, len(fresh))
	for _, f := range fresh {
		r := pending[f.Address]
		r.Hashes = append(r.Hashes, f.Hashes...)
		recs = append(recs, r)
	}
	a.FollowupSent, a.FollowupCount = now, len(rcpts)
	if err := s.saveAlert(tx, a, recs...); err != nil {
		return err
	}
	if len(rcpts) > 0 {
		if _, err := s.outbox.Enqueue(tx, outbox.Message{List: l.Name, Raw: raw, At: now, Mark: mark}, rcpts, outbox.KindAlertFollowup); err != nil {
			return err
		}
	}
	tx.OnCommit(func() { s.log.Info("alert follow-up sent", "list", l.Name, "alert", id, "recipients", len(rcpts)) })
	return nil
}

package listserv

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"minyan/listserv/search"
	"minyan/store"
)

// Redaction: an owner removes one post from the archive (a phone number
// posted by mistake). Its bytes and metadata leave the store in one
// transaction that records who did it, when and why; then the post
// leaves the search index and the hub, the thread lists forget it, and
// open IMAP mailboxes hear an ArchiveRedacted event (they EXPUNGE it;
// UIDVALIDITY stays, and its UID is never reused). If the daemon dies
// between the commit and the index, the next start removes it again.

// maxReasonLen bounds a redaction reason.
const maxReasonLen = 500

// mayRedact tells whether a may redact posts of l: operators, site
// admins and the list's owners.
func mayRedact(tx *store.Tx, l store.List, a Actor) (bool, error) {
	if a.Operator || a.SiteAdmin {
		return true, nil
	}
	if a.Address == "" {
		return false, nil
	}
	mb, err := tx.Membership(l.Name, NormalizeAddress(a.Address))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return mb.Status != StatusBanned && mb.Status != StatusPending && RoleAllows(mb.Role, PermSettings), nil
}

// denied is the answer to an actor without the right: ErrNotFound for a
// caucus list they cannot read (its existence stays hidden),
// ErrForbidden otherwise.
func denied(tx *store.Tx, l store.List, a Actor) error {
	if l.Kind == KindCaucus {
		if r, err := archiveReadable(tx, l, a); err != nil {
			return err
		} else if !r {
			return ErrNotFound
		}
	}
	return ErrForbidden
}

// RedactMessage removes post seq from list's archive, search, hub, feeds
// and IMAP. Owners only: an actor who may read the archive but not
// redact gets ErrForbidden, one who may not read it ErrNotFound.
func (s *Service) RedactMessage(ctx context.Context, a Actor, list string, seq uint64, reason string) error {
	if err := ctxOr(ctx).Err(); err != nil {
		return err
	}
	reason = strings.TrimSpace(strings.ReplaceAll(reason, "\n", " "))
	if len(reason) > maxReasonLen {
		return fmt.Errorf("the reason is too long (%d characters; at most %d)", len(reason), maxReasonLen)
	}
	var name string
	err := s.st.Update(func(tx *store.Tx) error {
		l, err := tx.List(strings.ToLower(list))
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		name = l.Name
		ok, err := mayRedact(tx, l, a)
		if err != nil {
			return err
		}
		if !ok {
			return denied(tx, l, a)
		}
		meta, err := tx.RedactArchived(l.Name, seq, store.Redaction{By: a.String(), Reason: reason, At: s.clock.Now().UTC()})
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%s has no message %d (or it was removed already): %w", l.Name, seq, ErrNoMessage)
			}
			return err
		}
		tx.OnCommit(func() {
			s.threadsRedacted(l.Name, seq, meta.Thread)
			s.events.send(ArchiveEvent{List: l.Name, Seq: seq, Kind: ArchiveRedacted})
		})
		return nil
	})
	if err != nil {
		return err
	}
	s.log.Info("message redacted", "list", name, "seq", seq, "by", a.String(), "reason", reason)
	if ix := s.archive.search.Load(); ix != nil {
		if err := ix.Remove(search.Ref{List: name, Seq: seq}); err != nil {
			// The next start removes it again; say so rather than fail
			// the redaction, which is done.
			s.log.Error("redacted message still in the search index until the next start", "list", name, "seq", seq, "err", err)
		}
	}
	return nil
}

// Redactions lists the redactions of list's archive (who, when, why),
// for its owners.
func (s *Service) Redactions(ctx context.Context, a Actor, list string) ([]store.Redaction, error) {
	var out []store.Redaction
	err := s.st.View(func(tx *store.Tx) error {
		l, err := tx.List(strings.ToLower(list))
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		ok, err := mayRedact(tx, l, a)
		if err != nil {
			return err
		}
		if !ok {
			return denied(tx, l, a)
		}
		out, err = tx.ArchiveRedactions(l.Name)
		return err
	})
	return out, err
}

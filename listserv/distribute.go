package listserv

import (
	"context"
	"fmt"
	"strings"

	"minyan/listserv/rewrite"
	"minyan/store"
)

// shouldMunge applies dmarc_mitigation: never for the list's own domain,
// always for "always", and for "auto" when the author's domain publishes
// p=quarantine or p=reject (a failed lookup munges, the safe side).
func (s *Service) shouldMunge(ctx context.Context, list store.List, author string) (bool, error) {
	at := strings.LastIndexByte(author, '@')
	if at < 0 {
		return false, nil
	}
	domain := strings.ToLower(author[at+1:])
	if domain == strings.ToLower(s.o.Domain) {
		return false, nil
	}
	switch list.Settings.DMARCMitigation {
	case "never":
		return false, nil
	case "always":
		return true, nil
	}
	return s.dmarc.ShouldMunge(ctx, domain)
}

// distribute turns an accepted post into what the list sends, archives it
// and queues its deliveries, all inside the caller's transaction. It
// returns the archive sequence number.
func (s *Service) distribute(tx *store.Tx, list store.List, m *rewrite.Message, munge bool) (uint64, error) {
	set := list.Settings
	_, seq, err := tx.ArchiveStats(list.Name)
	if err != nil {
		return 0, err
	}
	post := s.addr(list.Name, RolePost, "")
	leave := "<mailto:" + s.addr(list.Name, RoleLeave, "") + ">"
	o := rewrite.Options{
		ListAddress: post,
		ListName:    list.Name,
		ListID:      rewrite.ListIDValue(set.Title, list.Name, s.o.Domain),
		Prefix:      set.SubjectPrefix,
		Footer:      set.Footer,
		ReplyToList: set.ReplyTo == "list",
		MungeFrom:   munge,
		Help:        "<mailto:" + s.addr(list.Name, RoleRequest, "") + "?subject=help>",
		Subscribe:   "<mailto:" + s.addr(list.Name, RoleJoin, "") + ">",
		Sender:      s.addr(list.Name, RoleBounces, ""),
		Domain:      s.o.Domain,
		Now:         s.clock.Now(),
	}
	if set.Posting != "announce" {
		o.Post = "<mailto:" + post + ">"
	}
	if !set.Personalize {
		o.Unsubscribe = leave
	}
	if s.o.IMAPURL != "" && set.Archive != "off" {
		o.Archive = "<" + s.o.IMAPURL + "/" + list.Name + ">"
		o.ArchivedAt = fmt.Sprintf("<%s/%s;UIDVALIDITY=%d/;UID=%d>", s.o.IMAPURL, list.Name, list.UIDValidity, seq)
	}
	out, err := rewrite.Rewrite(m, o)
	if err != nil {
		return 0, reject(554, [3]int{5, 6, 0}, "the message could not be prepared for the list", err)
	}
	meta := store.ArchiveMeta{
		MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References,
		From: NormalizeAddress(m.From.Address), FromName: m.From.Name, Subject: m.Subject,
		Date: m.Date, Archived: s.clock.Now(),
	}
	if meta.MessageID == "" {
		meta.MessageID = generatedID(out)
	}
	got, err := tx.Archive(list.Name, meta, out)
	if err != nil {
		return 0, err
	}
	if got != seq {
		return 0, fmt.Errorf("archive %s: sequence moved from %d to %d inside one transaction", list.Name, seq, got)
	}
	rcpts, err := s.recipients(tx, list)
	if err != nil {
		return 0, err
	}
	if len(rcpts) > 0 {
		qm := store.QueuedMessage{List: list.Name, Kind: "post", Created: s.clock.Now(), Batch: !set.Personalize}
		if _, err := tx.Enqueue(qm, out, rcpts); err != nil {
			return 0, err
		}
		tx.OnCommit(s.kick)
	}
	return seq, nil
}

// recipients lists the delivery work for a post: every member in `each`
// mode whose delivery is not disabled. Personalized lists give each their
// own VERP envelope and one-click unsubscribe header, spliced in at
// delivery in front of the shared bytes.
func (s *Service) recipients(tx *store.Tx, list store.List) ([]store.QueuedRcpt, error) {
	var out []store.QueuedRcpt
	bounces := s.addr(list.Name, RoleBounces, "")
	leave := "<mailto:" + s.addr(list.Name, RoleLeave, "") + ">"
	err := tx.EachMember(list.Name, func(mb store.Membership) error {
		if mb.Mode != "each" || (mb.Status != StatusOK && mb.Status != StatusBouncing) {
			return nil
		}
		r := store.QueuedRcpt{Address: mb.Address, EnvelopeFrom: bounces}
		if list.Settings.Personalize {
			r.EnvelopeFrom = s.addr(list.Name, RoleBounces, mb.BounceToken)
			r.Header = "List-Unsubscribe: <" + s.o.PublicURL + "/u/" + mb.UnsubToken + ">, " + leave + "\r\n" +
				"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// generatedID reads back the Message-ID Rewrite added to a post that had
// none.
func generatedID(raw []byte) string {
	m, err := rewrite.Parse(raw, rewrite.DefaultLimits())
	if err != nil {
		return ""
	}
	return m.MessageID
}

package listserv

import (
	"context"
	"fmt"
	"strings"

	"minyan/listserv/outbox"
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
// returns the archive sequence number. An action alert (alertOf; asAlert
// is a door's request for one) is archived without its tag and fanned
// out by fanOutAlert instead.
func (s *Service) distribute(tx *store.Tx, list store.List, m *rewrite.Message, munge, asAlert bool) (uint64, error) {
	return s.distributeTo(tx, list, m, munge, asAlert, nil)
}

// distributeTo is distribute for a post with an audience of its own: a
// session's conversation (NAME-sID@) goes to audience only; nil is every
// member as usual.
func (s *Service) distributeTo(tx *store.Tx, list store.List, m *rewrite.Message, munge, asAlert bool, audience []string) (uint64, error) {
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
		ListID:      rewriteListID(list, s.o.Domain),
		Prefix:      set.SubjectPrefix,
		ReplyToList: set.ReplyTo == "list",
		MungeFrom:   munge,
		Help:        "<mailto:" + s.addr(list.Name, RoleRequest, "") + "?subject=help>",
		Subscribe:   "<mailto:" + s.addr(list.Name, RoleJoin, "") + ">",
		Sender:      s.addr(list.Name, RoleBounces, ""),
		Domain:      s.o.Domain,
		Now:         s.clock.Now(),
	}
	if set.Posting != store.PostingAnnounce {
		o.Post = "<mailto:" + post + ">"
	}
	// A coalition's delegate speaks for an organization: every copy, the
	// archive and the digests name it ("Alice (ACME) via team").
	org := ""
	if m.From != nil {
		org = orgOfMember(tx, list, m.From.Address)
	}
	if org != "" {
		o.AuthorOrg, o.MungeFrom = org, true
	}
	subject := m.Subject
	alertSubject, isAlert := alertOf(tx, list, m, asAlert)
	if isAlert {
		o.Subject, subject = alertSubject, alertSubject
	}
	if !set.Personalize {
		o.Unsubscribe = leave
	}
	o.Archive = s.listArchive(list)
	if s.o.WebArchive && set.Archive != store.ArchiveOff {
		o.ArchivedAt = "<" + s.ArchiveURL(list.Name, seq) + ">"
	} else if s.o.IMAPURL != "" && set.Archive != store.ArchiveOff {
		o.ArchivedAt = fmt.Sprintf("<%s/%s;UIDVALIDITY=%d/;UID=%d>", s.o.IMAPURL, list.Name, list.UIDValidity, seq)
	}
	// The archive keeps the post as the list accepted it, with the list's
	// fields but without its footer: pages, search, IMAP and digests show
	// the post, not a member's copy. The footer (and, on a personalized
	// list, the mute line) goes only into the copies sent out.
	out, err := rewrite.Rewrite(m, o)
	if err != nil {
		return 0, reject(554, [3]int{5, 6, 0}, "the message could not be prepared for the list", err)
	}
	sent, err := rewrite.WithFooter(out, s.PostFooter(list, subject, m.MessageID))
	if err != nil {
		return 0, reject(554, [3]int{5, 6, 0}, "the message could not be prepared for the list", err)
	}
	meta := store.ArchiveMeta{
		MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References,
		From: NormalizeAddress(m.From.Address), FromName: orgName(m.From.Name, org), Subject: m.Subject,
		Date: m.Date, Archived: s.clock.Now(),
	}
	if isAlert {
		meta.Subject = alertSubject
	}
	if meta.MessageID == "" {
		meta.MessageID = generatedID(out)
	}
	if meta.Date.IsZero() {
		meta.Date = o.Now // the Date Rewrite gave the post
	}
	got, err := tx.Archive(list.Name, meta, out)
	if err != nil {
		return 0, err
	}
	if got != seq {
		return 0, fmt.Errorf("archive %s: sequence moved from %d to %d inside one transaction", list.Name, seq, got)
	}
	tx.OnCommit(func() { s.events.archived(list.Name, got) })
	if err := s.emit(tx, EventPostDistributed, list.Name, map[string]any{"seq": got, "message_id": meta.MessageID, "from": meta.From, "subject": meta.Subject}); err != nil {
		return 0, err
	}
	if isAlert {
		meta.Seq = got
		return seq, s.fanOutAlert(tx, list, m, o, meta)
	}
	thread := got
	if am, err := tx.ArchiveMeta(list.Name, got); err == nil {
		thread = am.Thread
	}
	rcpts, err := s.postRecipients(tx, list, thread, m.Subject)
	if audience != nil {
		rcpts, err = s.audienceRecipients(tx, list, audience)
	}
	if err != nil {
		return 0, err
	}
	if len(rcpts) > 0 {
		m := outbox.Message{List: list.Name, Raw: sent, Batch: !set.Personalize, At: s.clock.Now()}
		if _, err := s.outbox.Enqueue(tx, m, rcpts, outbox.KindPost); err != nil {
			return 0, err
		}
	}
	return seq, nil
}

// postRecipients lists the delivery work for a post of a thread: every
// member in `each` mode whose delivery is not disabled, except those who
// muted the thread and those who follow topics the post does not carry
// (they find it in their digest). On a personalized list each copy
// carries the member's one-click mute link for the thread.
func (s *Service) postRecipients(tx *store.Tx, list store.List, thread uint64, subject string) ([]store.QueuedRcpt, error) {
	var out []store.QueuedRcpt
	muted := tx.MutedBy(list.Name, thread)
	unsubHead, unsubTail := s.unsubscribeParts(list.Name)
	muteHead, muteTail := s.muteHeaderParts(thread)
	bounces := s.addr(list.Name, RoleBounces, "")
	tags := PostTopics(subject, list.Settings.Topics)
	err := tx.EachMember(list.Name, func(mb store.Membership) error {
		if mb.Mode != ModeEach || !Deliverable(mb) || muted[mb.Address] || !FollowsPost(mb.Topics, tags) {
			return nil
		}
		r := store.QueuedRcpt{Address: mb.Address, EnvelopeFrom: bounces}
		if list.Settings.Personalize {
			// What MemberRecipient gives, and the mute link: the parts
			// are made once per post, one allocation per member.
			r.EnvelopeFrom = s.addr(list.Name, RoleBounces, mb.BounceToken)
			r.Header = unsubHead + mb.UnsubToken + unsubTail + muteHead + s.muteToken(mb.UnsubToken, thread) + muteTail
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// Deliverable tells whether a membership receives list mail at all (in
// any mode): not pending, waitlisted, banned or disabled by bounces.
func Deliverable(mb store.Membership) bool {
	return mb.Status == StatusOK || mb.Status == StatusBouncing
}

// Counts tells whether a membership counts as a member in numbers people
// see (list ls, list show, the info command): active, bouncing or
// disabled by bounces, but not someone pending, waitlisted or banned.
func Counts(mb store.Membership) bool {
	return Deliverable(mb) || mb.Status == StatusDisabled
}

// MemberRecipient is the delivery work for one member of a list. On
// personalized lists each gets a VERP envelope sender and a one-click
// unsubscribe header, spliced in at delivery in front of the shared bytes;
// otherwise recipients share the list's bounce address and can be
// batched. Digests and reminders use it too, so every list mail carries
// working unsubscribe headers.
func (s *Service) MemberRecipient(list store.List, mb store.Membership) store.QueuedRcpt {
	r := store.QueuedRcpt{Address: mb.Address, EnvelopeFrom: s.addr(list.Name, RoleBounces, "")}
	if list.Settings.Personalize {
		r.EnvelopeFrom = s.addr(list.Name, RoleBounces, mb.BounceToken)
		r.Header = "List-Unsubscribe: <" + s.o.PublicURL + "/u/" + mb.UnsubToken + ">, <mailto:" + s.addr(list.Name, RoleLeave, "") + ">\r\n" +
			"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
	}
	return r
}

// unsubscribeParts are the two halves, around the member's token, of the
// one-click unsubscribe header lines MemberRecipient writes, for the
// post fan-out, which makes them once per post.
func (s *Service) unsubscribeParts(list string) (head, tail string) {
	return "List-Unsubscribe: <" + s.o.PublicURL + "/u/",
		">, <mailto:" + s.addr(list, RoleLeave, "") + ">\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
}

// listArchive is the List-Archive value of a list's mail ("" when its
// archive is off or reachable by no door): the web archive, else the
// IMAP folder.
func (s *Service) listArchive(list store.List) string {
	switch {
	case list.Settings.Archive == store.ArchiveOff:
		return ""
	case s.o.WebArchive:
		return "<" + s.ArchiveListURL(list.Name) + ">"
	case s.o.IMAPURL != "":
		return "<" + s.o.IMAPURL + "/" + list.Name + ">"
	}
	return ""
}

// ListHeaders are the list header lines (List-Id, List-Help,
// List-Subscribe, List-Post, List-Unsubscribe, List-Archive, Precedence)
// that every mail of a list carries, as "Name: value" lines for mail
// minyan writes itself (digests, reminders). A list that is not
// personalized gets the mailto List-Unsubscribe here; personalized
// recipients get theirs spliced in.
func (s *Service) ListHeaders(list store.List) []string {
	h := []string{
		"List-Id: " + rewriteListID(list, s.o.Domain),
		"List-Help: <mailto:" + s.addr(list.Name, RoleRequest, "") + "?subject=help>",
		"List-Subscribe: <mailto:" + s.addr(list.Name, RoleJoin, "") + ">",
	}
	if list.Settings.Posting != store.PostingAnnounce {
		h = append(h, "List-Post: <mailto:"+s.addr(list.Name, RolePost, "")+">")
	}
	if !list.Settings.Personalize {
		h = append(h, "List-Unsubscribe: <mailto:"+s.addr(list.Name, RoleLeave, "")+">")
	}
	if a := s.listArchive(list); a != "" {
		h = append(h, "List-Archive: "+a)
	}
	return append(h, "Precedence: list")
}

// Address renders one of a list's addresses (post, request, join, leave,
// owner, confirm+TOKEN, bounces[+TOKEN]).
func (s *Service) Address(list string, role AddrRole, token string) string {
	return s.addr(list, role, token)
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

func rewriteListID(list store.List, domain string) string {
	return rewrite.ListIDValue(list.Settings.Title, list.Name, domain)
}

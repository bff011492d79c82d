package listserv

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"minyan/listserv/auth"
	"minyan/listserv/mailcompose"
	"minyan/store"
)

// Posting from the web pages: the domain composes the message a person
// wrote in the browser and hands it to the very pipeline a mailed post
// takes (commitPost: policy, moderation, archive, fan-out, digests,
// alerts). The web adapter only reads the form. The signed-in session
// vouches for the author, so the sender check gives a session verdict
// (auth.SessionResult) instead of asking DNS: a web post is never held
// as "could not verify the sender", and everything else (membership,
// announce lists, moderation, non-member action) decides as for mail.

// WebPost is what a person wrote on the post or reply form.
type WebPost struct {
	// Subject of a new topic; a reply takes "Re: " and its parent's.
	Subject string
	// Body is plain text.
	Body string
	// Attachment is one optional file.
	Attachment *WebAttachment
	// InReplyTo is the archive number of the post answered (0: a new
	// topic).
	InReplyTo uint64
	// Alert asks for an action alert (moderators and owners only; the
	// pipeline decides, as for the #alert tag).
	Alert bool
}

// WebAttachment is a file sent with a web post.
type WebAttachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// PostOutcome is what became of a web post, for the page to say.
type PostOutcome struct {
	// Action is the posting chain's decision: Accept, Hold, Refuse or
	// Discard.
	Action Action
	// Reason is the chain's reason in plain words (held or refused),
	// in English; Why is the same sentence for the page's language.
	Reason string
	Why    Said
	// MessageID is the composed message's id (without angle brackets).
	MessageID string
}

// Problems with a web post that the person can fix.
var (
	ErrEmptyPost = errors.New("the message is empty: please write something")
	ErrNoSubject = errors.New("a new topic needs a subject")
)

// MaxWebSubject bounds a subject in bytes: encoded (up to three
// characters a byte) it must stay one header line under 998 octets.
const MaxWebSubject = 250

// maxWebName bounds the author's name in From, for the same reason.
const maxWebName = 100

// clip keeps s to max bytes of valid UTF-8 on one line, cut between
// characters.
func clip(s string, max int) string {
	s = strings.ToValidUTF8(mailcompose.OneLine(s), "\uFFFD")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut])
}

// MayPost tells whether a person with membership mb is expected to post
// to l without being refused or held for not belonging: an active
// member of a list that is not announce-only, a moderator or owner of
// any list, or anyone on an open list. The page offers "Start a topic"
// and the reply form on this; the posting chain still decides each post.
func MayPost(l store.List, mb *store.Membership) bool {
	if mb != nil && mb.Status == StatusBanned {
		return false
	}
	if activeMember(mb) && RoleRank(mb.Role) >= RoleRank(ListModerator) {
		return true
	}
	if l.Settings.Posting == store.PostingAnnounce || l.Kind == KindAnnounce {
		return false
	}
	return activeMember(mb) || (l.Settings.Posting == store.PostingOpen && l.Kind != KindCaucus)
}

// PostFromWeb composes the post a signed-in person wrote on the web and
// takes it through the posting pipeline, from the person as author. A
// list the person may not know of answers ErrNotFound; a reply to a
// post they may not read, ErrNoMessage.
func (s *Service) PostFromWeb(ctx context.Context, a Actor, list string, w WebPost) (PostOutcome, error) {
	if a.Address == "" {
		return PostOutcome{}, ErrForbidden
	}
	w.Subject = strings.TrimSpace(mailcompose.OneLine(w.Subject))
	if strings.TrimSpace(w.Body) == "" && w.Attachment == nil {
		return PostOutcome{}, ErrEmptyPost
	}
	if w.InReplyTo == 0 && w.Subject == "" {
		return PostOutcome{}, ErrNoSubject
	}
	var (
		l         store.List
		name      string
		inReplyTo string
		refs      []string
	)
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		if l, err = tx.List(strings.ToLower(list)); errors.Is(err, store.ErrNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if _, err := viewList(tx, a, l); err != nil {
			return err
		}
		if p, err := tx.Person(a.Address); err == nil {
			name = p.Name
		}
		if w.InReplyTo == 0 {
			return nil
		}
		if _, err := s.archiveForTx(tx, a, l.Name); err != nil {
			return err
		}
		parent, err := tx.ArchiveMeta(l.Name, w.InReplyTo)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNoMessage
		} else if err != nil {
			return err
		}
		inReplyTo = parent.MessageID
		refs = append(append(refs, parent.References...), parent.MessageID)
		w.Subject = replySubject(parent.Subject)
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrNoMessage) {
			return PostOutcome{}, err
		}
		return PostOutcome{}, fmt.Errorf("web post to %s by %s: %w", list, a, err)
	}
	raw := s.composeWebPost(l, a.Address, name, w, inReplyTo, refs)
	if max := l.Settings.MaxMessageBytes; max > 0 && int64(len(raw)) > max {
		return PostOutcome{}, ErrTooBig
	}
	m, err := parse(raw)
	if err != nil {
		return PostOutcome{}, err
	}
	p := &inbound{env: Envelope{From: a.Address}, m: m, size: len(raw), alert: w.Alert,
		verdict: s.sessionVerdict(ctx, a.Address)}
	if err := p.verdict.Result.AddTo(m); err != nil {
		s.log.Info("Authentication-Results not recorded", "message_id", m.MessageID, "err", err)
	}
	_, decisions, err := s.commitPost(p, []string{l.Name}, false)
	if err != nil {
		return PostOutcome{}, err
	}
	out := PostOutcome{MessageID: m.MessageID, Action: Discard}
	if len(decisions) == 1 {
		out.Action, out.Reason, out.Why = decisions[0].Action, decisions[0].Reason, decisions[0].Why
	}
	return out, nil
}

// sessionVerdict is the sender check's verdict for a web post: the
// session vouches for the author; the author's DMARC policy is still
// looked up, so dmarc_mitigation rewrites From exactly as for mail.
func (s *Service) sessionVerdict(ctx context.Context, addr string) SenderVerdict {
	_, domain, _ := strings.Cut(addr, "@")
	policy, err := s.dmarc.Policy(ctxOr(ctx), domain)
	return SenderVerdict{Result: auth.SessionResult(s.o.Domain, addr, policy, err != nil), checked: true}
}

// composeWebPost writes the message as a mail program would: From the
// person, To the list, a Message-ID at the list's domain, the Date of
// the clock, In-Reply-To and References for a reply, the text and an
// optional attachment.
func (s *Service) composeWebPost(l store.List, addr, name string, w WebPost, inReplyTo string, refs []string) []byte {
	h := mailcompose.Header{
		From:      (&mail.Address{Name: clip(name, maxWebName), Address: addr}).String(),
		To:        []string{s.addr(l.Name, RolePost, "")},
		Subject:   clip(w.Subject, MaxWebSubject),
		Date:      s.clock.Now(),
		MessageID: mailcompose.NewID(s.o.Domain),
	}
	if inReplyTo != "" {
		h.Extra = append(h.Extra, "In-Reply-To: <"+inReplyTo+">", "References: "+angleIDs(refs))
	}
	body := mailcompose.Text(strings.TrimRight(w.Body, "\r\n ") + "\n")
	if w.Attachment != nil {
		body = mailcompose.Multipart("mixed", body, mailcompose.File(w.Attachment.Name, w.Attachment.ContentType, w.Attachment.Data))
	}
	return mailcompose.Compose(h, body)
}

// angleIDs writes message ids as a References value, the last 20 at
// most (a long thread must not grow the header without end).
func angleIDs(ids []string) string {
	if len(ids) > 20 {
		ids = ids[len(ids)-20:]
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id = strings.Trim(strings.TrimSpace(id), "<>"); id != "" {
			out = append(out, "<"+id+">")
		}
	}
	return strings.Join(out, " ")
}

// replySubject is the subject of a reply: "Re: " and the parent's,
// without piling up "Re: Re:".
func replySubject(parent string) string {
	parent = strings.TrimSpace(parent)
	if len(parent) >= 3 && strings.EqualFold(parent[:3], "re:") {
		return parent
	}
	if parent == "" {
		return "Re: (no subject)"
	}
	return "Re: " + parent
}

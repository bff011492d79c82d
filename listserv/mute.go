package listserv

import (
	"context"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"minyan/listserv/rewrite"
	"minyan/store"
)

// Muting a thread: a member who mutes a thread of a list gets none of its
// further posts, in any delivery mode (not one by one, not in a digest).
// A thread is named by the archive number of its first post. The
// one-click mute link of a post on a personalized list carries the
// member's unsubscribe token (which already allows far more: leaving) and
// the thread; a GET shows a page with a button and only a POST mutes, so
// a mail scanner that opens links mutes nothing.

// subjectSearchDepth bounds how many recent posts a "mute" reply whose
// thread headers are gone is compared with by subject.
const subjectSearchDepth = 500

// MutedThread is one muted thread as /me lists it.
type MutedThread struct {
	List, Title string
	Thread      uint64
	Subject     string
}

// muteSigLen is how many base32 characters of the thread binding follow
// the member's token in a mute link (26: 130 bits).
const muteSigLen = 26

// muteToken is the token of a member's one-click mute link for thread:
// the member's unsubscribe token, then a keyed hash binding it to that
// thread (store.TokenMAC). The link so opens that thread only: the
// unsubscribe token alone, or with another thread's number, opens none.
func (s *Service) muteToken(unsub string, thread uint64) string {
	mac := s.st.TokenMAC("mute", unsub, strconv.FormatUint(thread, 10))
	var sig [muteSigLen]byte
	muteEncoding.Encode(sig[:], mac[:16]) // 16 bytes are exactly 26 characters
	return unsub + string(sig[:])
}

// MuteToken is muteToken for neighbours (tests of the whole server that
// act as a member clicking the link of a copy they got).
func (s *Service) MuteToken(unsub string, thread uint64) string { return s.muteToken(unsub, thread) }

var muteEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// muteHeaderParts are the two halves, around the member's token, of the
// per-recipient header line that carries a post's one-click mute link on
// a personalized list.
func (s *Service) muteHeaderParts(thread uint64) (head, tail string) {
	return "List-Mute-Thread: <" + s.o.PublicURL + "/mute/", "/" + strconv.FormatUint(thread, 10) + ">\r\n"
}

// muteFooter is the footer line every copy of a post on a personalized
// list shares: a prepared reply to the list's request address that mutes
// the post's thread (the In-Reply-To names the post; the subject is the
// fallback for mail programs that drop it).
func (s *Service) muteFooter(list, subject, msgid string) string {
	q := "subject=" + mailtoQuery("Re: "+stripReplyPrefixes(subject)) + "&body=mute"
	if msgid != "" {
		q += "&In-Reply-To=" + mailtoQuery("<"+msgid+">")
	}
	return "Mute this thread: <mailto:" + s.addr(list, RoleRequest, "") + "?" + q + ">"
}

func mailtoQuery(v string) string {
	return strings.ReplaceAll(url.QueryEscape(v), "+", "%20")
}

// rootOf checks that thread names a thread of the list (the archive
// number of a post, whose thread is taken) and returns the thread's first
// post.
func rootOf(tx *store.Tx, list string, thread uint64) (store.ArchiveMeta, error) {
	m, err := tx.ArchiveMeta(list, thread)
	if err != nil {
		return m, err
	}
	if m.Thread != m.Seq {
		return tx.ArchiveMeta(list, m.Thread)
	}
	return m, nil
}

// threadOfReply finds the thread a command mail answers: the posts named
// by In-Reply-To and References, else the most recent post whose subject
// (without Re: and list tags) is the mail's. 0 when none is found.
func threadOfReply(tx *store.Tx, list string, m *rewrite.Message) uint64 {
	for _, id := range append([]string{m.InReplyTo}, reverseStrings(m.References)...) {
		if id == "" {
			continue
		}
		if seq := tx.ArchiveSeqByMessageID(list, id); seq > 0 {
			if meta, err := tx.ArchiveMeta(list, seq); err == nil {
				return meta.Thread
			}
		}
	}
	want := strings.ToLower(strings.TrimSpace(stripReplyPrefixes(m.Subject)))
	if want == "" {
		return 0
	}
	_, next, err := tx.ArchiveStats(list)
	if err != nil {
		return 0
	}
	for seq := next - 1; seq > 0 && next-seq <= subjectSearchDepth; seq-- {
		meta, err := tx.ArchiveMeta(list, seq)
		if err != nil {
			continue
		}
		if strings.ToLower(strings.TrimSpace(stripReplyPrefixes(meta.Subject))) == want {
			return meta.Thread
		}
	}
	return 0
}

func reverseStrings(in []string) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[len(in)-1-i] = v
	}
	return out
}

// setMute mutes or unmutes a thread for a member and says what changed.
func (s *Service) setMute(tx *store.Tx, a Actor, list store.List, mb store.Membership, thread uint64, mute bool) (string, error) {
	lang := languageFor(tx, mb.Address, list.Name) // the member reads the answer
	root, err := rootOf(tx, list.Name, thread)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return say("volume_go.no_thread", list.Settings.Title).In(lang), nil
		}
		return "", err
	}
	subject := strings.TrimSpace(stripReplyPrefixes(root.Subject))
	if mute {
		if err := tx.Mute(list.Name, mb.Address, root.Seq, s.clock.Now()); err != nil {
			return "", err
		}
		if err := s.AuditChange(tx, a, list.Name, fmt.Sprintf("%s muted thread %d", mb.Address, root.Seq)); err != nil {
			return "", err
		}
		return say("volume_go.muted", subject).In(lang), nil
	}
	if err := tx.Unmute(list.Name, mb.Address, root.Seq); err != nil {
		return "", err
	}
	if err := s.AuditChange(tx, a, list.Name, fmt.Sprintf("%s unmuted thread %d", mb.Address, root.Seq)); err != nil {
		return "", err
	}
	return say("volume_go.unmuted", subject).In(lang), nil
}

// SetThreadMuted mutes or unmutes a thread of a list for a member (the
// web's /me, the command line). A person may change their own; someone
// else's needs the roster right.
func (s *Service) SetThreadMuted(ctx context.Context, a Actor, list, addr string, thread uint64, mute bool) error {
	addr = NormalizeAddress(addr)
	return s.st.Update(func(tx *store.Tx) error {
		l, mb, err := s.ownOrRoster(tx, a, list, addr)
		if err != nil {
			return err
		}
		if _, err := rootOf(tx, list, thread); err != nil {
			return notFoundText(err, "there is no such conversation in "+list)
		}
		_, err = s.setMute(tx, a, l, mb, thread, mute)
		return err
	})
}

// ErrBadMuteLink is the answer to a mute link that names no member or no
// thread (left the list, a mistyped link).
//
//lint:ignore ST1005 shown to people as the page's sentence
var ErrBadMuteLink = errors.New("This mute link is not valid any more. If you left the list, there is nothing to mute.")

// MuteLinkInfo tells what a one-click mute link would do, without doing
// it (the page a GET shows): the list, the member, the thread's subject
// and whether it is muted now.
func (s *Service) MuteLinkInfo(token string, thread uint64) (title, addr, subject string, muted bool, err error) {
	err = s.st.View(func(tx *store.Tx) error {
		l, mb, root, err := s.muteLink(tx, token, thread)
		if err != nil {
			return err
		}
		title, addr, subject = l.Settings.Title, mb.Address, strings.TrimSpace(stripReplyPrefixes(root.Subject))
		muted = tx.Muted(l.Name, mb.Address, root.Seq)
		return nil
	})
	return
}

// MuteByLink mutes (or, with mute false, unmutes) the thread of a
// one-click mute link. It returns the answer to show.
func (s *Service) MuteByLink(token string, thread uint64, mute bool) (string, error) {
	var answer string
	err := s.st.Update(func(tx *store.Tx) error {
		l, mb, root, err := s.muteLink(tx, token, thread)
		if err != nil {
			return err
		}
		answer, err = s.setMute(tx, Person(mb.Address, DoorWeb), l, mb, root.Seq, mute)
		return err
	})
	if err == nil {
		s.log.Info("thread mute changed by link", "thread", thread, "mute", mute)
	}
	return answer, err
}

func (s *Service) muteLink(tx *store.Tx, token string, thread uint64) (store.List, store.Membership, store.ArchiveMeta, error) {
	var (
		l    store.List
		mb   store.Membership
		root store.ArchiveMeta
	)
	token = strings.ToLower(strings.TrimSpace(token))
	if token == "" || thread == 0 {
		return l, mb, root, ErrBadMuteLink
	}
	if len(token) <= muteSigLen {
		return l, mb, root, ErrBadMuteLink
	}
	unsub := token[:len(token)-muteSigLen]
	if subtle.ConstantTimeCompare([]byte(s.muteToken(unsub, thread)), []byte(token)) != 1 {
		return l, mb, root, ErrBadMuteLink
	}
	token = unsub
	t, err := tx.Token(token)
	if err != nil || t.Kind != "unsub" {
		return l, mb, root, ErrBadMuteLink
	}
	if l, err = tx.List(t.List); err != nil {
		return l, mb, root, ErrBadMuteLink
	}
	if mb, err = tx.Membership(t.List, t.Address); err != nil || mb.Status == StatusBanned || mb.UnsubToken != token {
		return l, mb, root, ErrBadMuteLink
	}
	if root, err = rootOf(tx, t.List, thread); err != nil {
		return l, mb, root, ErrBadMuteLink
	}
	return l, mb, root, nil
}

// MutedThreads lists the threads a person muted, on every list they are
// on (for /me).
func (s *Service) MutedThreads(ctx context.Context, a Actor) ([]MutedThread, error) {
	if a.Address == "" {
		return nil, ErrForbidden
	}
	var out []MutedThread
	err := s.st.View(func(tx *store.Tx) error {
		lists, err := tx.ListsOf(a.Address)
		if err != nil {
			return err
		}
		for _, name := range lists {
			l, err := tx.List(name)
			if err != nil {
				continue
			}
			for _, m := range tx.MutedThreads(name, a.Address) {
				mt := MutedThread{List: name, Title: l.Settings.Title, Thread: m.Thread, Subject: "(no subject)"}
				if root, err := tx.ArchiveMeta(name, m.Thread); err == nil && strings.TrimSpace(root.Subject) != "" {
					mt.Subject = strings.TrimSpace(stripReplyPrefixes(root.Subject))
				}
				out = append(out, mt)
			}
		}
		return nil
	})
	return out, err
}

// ParseThreadNumber reads a thread number from a form or a link.
func ParseThreadNumber(s string) (uint64, bool) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	return n, err == nil && n > 0
}

// withMuteFooter adds the mute line below the list's own footer.
func withMuteFooter(footer, mute string) string {
	if strings.TrimSpace(footer) == "" {
		return mute
	}
	return strings.TrimRight(footer, "\r\n") + "\n" + mute
}

// PostFooter is the footer the list added to a post with this subject
// and Message-ID: the list's footer and, on a personalized list, the
// mute line (digests leave it out of the posts they show).
func (s *Service) PostFooter(l store.List, subject, msgid string) string {
	if !l.Settings.Personalize {
		return l.Settings.Footer
	}
	return withMuteFooter(l.Settings.Footer, s.muteFooter(l.Name, subject, msgid))
}

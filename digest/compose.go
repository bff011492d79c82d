package digest

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"minyan/listserv"
	"minyan/listserv/i18n"
	"minyan/listserv/mailcompose"
	"minyan/listserv/outbox"
	"minyan/store"
)

// digestResult is how many posts a digest held and how many members it
// went to.
type digestResult struct{ posts, rcpts int }

// digestPost is one entry of a digest.
type digestPost struct {
	N         int
	Subject   string
	Author    string
	Date      string
	ReplyLink string
	raw       []byte
	meta      store.ArchiveMeta
	inlinePost
}

// digestThread groups a digest's posts by thread.
type digestThread struct {
	Subject string
	Posts   []*digestPost
	// ID numbers the threads from 1 (HTML anchors); URL is the thread in
	// the web archive, "" without one.
	ID  int
	URL string
}

// digestData is what the digest templates see.
type digestData struct {
	List, Title    string
	Range          string
	Count          int
	Threads        []*digestThread
	PostAddress    string
	RequestAddress string
	LeaveAddress   string
	CanPost        bool
	// Period is how often this digest comes (daily or weekly): the one
	// digest template words itself by it.
	Period store.DigestFrequency
	inlineData
	// lang is the language of the digest's frame: the list's language
	// (one digest goes to every member; their posts keep their own).
	lang listserv.Lang
}

// template is the name owners replace the digest's texts by: its
// period's (digest-daily, digest-weekly); one built-in text serves both.
func (d *digestData) template() string { return "digest-" + string(d.Period) }

// queueDigest queues a list's digest of one period (daily or weekly):
// the posts after state.LastSeq archived up to upTo, to every member whose
// digest comes at that frequency, and moves the period's digest position
// past them, all in the caller's transaction, then marks key. Members who
// muted a thread, or who get posts of their topics one by one, see a
// digest without those posts; members who see the same posts share one
// rendering. With no posts nothing is sent, but the slot still counts as
// handled.
func (s *Scheduler) queueDigest(tx *store.Tx, l store.List, period store.DigestFrequency, state store.DigestState, upTo time.Time, key string, now time.Time) (digestResult, error) {
	var (
		posts   []*periodPost
		lastSeq = state.LastSeq
	)
	// Action alerts reached digest readers at once; they are not
	// repeated here.
	alerts, err := tx.AlertSeqs(l.Name)
	if err != nil {
		return digestResult{}, err
	}
	err = tx.EachArchived(l.Name, state.LastSeq+1, 0, func(m store.ArchiveMeta, raw []byte) error {
		if m.Archived.After(upTo) {
			return errStop
		}
		if alerts[m.Seq] {
			lastSeq = m.Seq
			return nil
		}
		posts = append(posts, &periodPost{meta: m, raw: append([]byte(nil), raw...), tags: listserv.PostTopics(m.Subject, l.Settings.Topics)})
		lastSeq = m.Seq
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return digestResult{}, err
	}
	state.LastSlot = upTo
	if len(posts) == 0 {
		if err := putDigestState(tx, period, state); err != nil {
			return digestResult{}, err
		}
		return digestResult{}, tx.MarkJob(key, now)
	}
	groups, err := s.digestGroups(tx, l, period, posts)
	if err != nil {
		return digestResult{}, err
	}
	nrcpts := 0
	for i, g := range groups {
		gkey := key
		if i > 0 {
			gkey = fmt.Sprintf("%s/%d", key, i)
		}
		n, err := s.queueDigestGroup(tx, l, period, state, upTo, gkey, now, g)
		if err != nil {
			return digestResult{}, err
		}
		nrcpts += n
	}
	state.LastSeq = lastSeq
	state.LastSent = now
	state.Number++
	if err := putDigestState(tx, period, state); err != nil {
		return digestResult{}, err
	}
	if err := s.mark(tx, key, now); err != nil {
		return digestResult{}, err
	}
	return digestResult{posts: len(posts), rcpts: nrcpts}, nil
}

// queueDigestGroup renders one digest for the members of g and queues it.
// It returns how many members it went to.
func (s *Scheduler) queueDigestGroup(tx *store.Tx, l store.List, period store.DigestFrequency, state store.DigestState, upTo time.Time, key string, now time.Time, g *digestGroup) (int, error) {
	if len(g.rcpts[store.DigestHTML])+len(g.rcpts[store.DigestPlain]) == 0 {
		return 0, nil
	}
	loc := listZone(l, "UTC")
	lang := listLang(l)
	var (
		threads []*digestThread
		byID    = map[uint64]*digestThread{}
		count   int
		first   time.Time
	)
	for _, pp := range g.posts {
		m := pp.meta
		t := byID[m.Thread]
		if t == nil {
			t = &digestThread{Subject: cleanSubject(m.Subject)}
			byID[m.Thread] = t
			threads = append(threads, t)
		}
		author := m.From
		if m.FromName != "" {
			author = fmt.Sprintf("%q <%s>", m.FromName, m.From)
		}
		subject := strings.TrimSpace(m.Subject)
		if subject == "" {
			subject = "(no subject)"
		}
		t.Posts = append(t.Posts, &digestPost{
			Subject:   subject,
			Author:    author,
			Date:      postDate(lang, m.Archived.In(loc)),
			ReplyLink: s.replyLink(l.Name, subject, m.MessageID),
			raw:       pp.raw,
			meta:      m,
		})
		if count == 0 {
			first = m.Archived
		}
		count++
	}
	// Number the posts in the order they appear: by thread.
	var parts []mailcompose.Part
	n := 0
	for _, t := range threads {
		for _, p := range t.Posts {
			n++
			p.N = n
			parts = append(parts, mailcompose.Message(p.raw))
		}
	}
	from := state.LastSent
	if from.IsZero() || from.After(first) {
		from = first
	}
	data := digestData{
		List: l.Name, Title: l.Settings.Title, Range: dateRange(lang, from.In(loc), upTo.In(loc)), Count: count, lang: lang,
		Threads: threads, PostAddress: s.svc.Address(l.Name, listserv.RolePost, ""),
		RequestAddress: s.svc.Address(l.Name, listserv.RoleRequest, ""),
		LeaveAddress:   s.svc.Address(l.Name, listserv.RoleLeave, ""),
		CanPost:        l.Settings.Posting != store.PostingAnnounce,
		Period:         period,
	}
	if period == store.DigestDaily {
		data.Range = dayOf(lang, upTo.In(loc))
	}
	if data.Title == "" {
		data.Title = l.Name
	}
	s.prepareInline(l, &data)
	subject, toc, err := s.svc.RenderIn(lang, l.Name, data.template(), data)
	if err != nil {
		return 0, err
	}
	data.Subject = subject
	rcpts := g.rcpts
	nrcpts := len(rcpts[store.DigestHTML]) + len(rcpts[store.DigestPlain])
	if nrcpts == 0 {
		return 0, nil
	}
	h := mailcompose.Header{
		From:      s.listFrom(l, listserv.RoleRequest).String(),
		To:        mailcompose.Addresses(&mail.Address{Name: data.Title, Address: data.PostAddress}),
		Subject:   subject,
		MessageID: mailcompose.StableID(key, s.svc.Domain()),
		Date:      now,
		Extra:     s.svc.ListHeaders(l),
	}
	if data.CanPost {
		h.ReplyTo = mailcompose.Addresses(&mail.Address{Address: data.PostAddress})
	}
	raws, err := s.digestBodies(l, &data, h, toc, parts, map[store.DigestFormat]bool{
		store.DigestHTML: len(rcpts[store.DigestHTML]) > 0, store.DigestPlain: len(rcpts[store.DigestPlain]) > 0})
	if err != nil {
		return 0, err
	}
	for _, f := range []store.DigestFormat{store.DigestHTML, store.DigestPlain} {
		if len(rcpts[f]) == 0 {
			continue
		}
		if _, err := s.outbox.Enqueue(tx, outbox.Message{List: l.Name, Raw: raws[f], Batch: !l.Settings.Personalize, At: now}, rcpts[f], outbox.KindWeeklyDigest); err != nil {
			return 0, fmt.Errorf("queue digest: %w", err)
		}
	}
	return nrcpts, nil
}

// replyLink is a mailto: URL (RFC 6068) that starts a reply to one post
// of a digest: to the list, with the post's subject and In-Reply-To, so
// the reply threads under the post instead of quoting the whole digest.
func (s *Scheduler) replyLink(list, subject, msgid string) string {
	subj := cleanSubjectKeepCase(subject)
	q := "subject=" + mailtoEscape("Re: "+subj)
	if msgid != "" {
		q += "&In-Reply-To=" + mailtoEscape("<"+msgid+">")
	}
	return "mailto:" + s.svc.Address(list, listserv.RolePost, "") + "?" + q
}

// cleanSubjectKeepCase removes leading Re:/Fwd: and list tags, keeping
// the words.
func cleanSubjectKeepCase(s string) string {
	s = cleanSubject(s)
	if s == "(no subject)" {
		return ""
	}
	return s
}

// mailtoEscape percent-encodes an hfield value: everything but RFC 3986
// unreserved characters, and spaces as %20 (not "+", which mailto does
// not decode).
func mailtoEscape(v string) string {
	return strings.ReplaceAll(url.QueryEscape(v), "+", "%20")
}

// The digest's dates in its language: in English as they always were
// ("Mon Nov 2, 2026 10:00 EST"), in Hebrew and Spanish as the catalogue
// writes them.
func postDate(l listserv.Lang, t time.Time) string {
	if l == listserv.LangEnglish {
		return t.Format("Mon Jan 2, 2006 15:04 MST")
	}
	return i18n.Builtin().DateTime(l, t)
}

func dayOf(l listserv.Lang, t time.Time) string {
	if l == listserv.LangEnglish {
		return t.Format("Mon Jan 2, 2006")
	}
	return i18n.Builtin().Date(l, t)
}

func dateRange(l listserv.Lang, from, to time.Time) string {
	if l == listserv.LangEnglish {
		return formatDateRange(from, to)
	}
	c := i18n.Builtin()
	if from.Year() == to.Year() && from.YearDay() == to.YearDay() {
		return c.Date(l, to)
	}
	return c.Date(l, from) + " – " + c.Date(l, to)
}

// listLang is the language of mail that goes to a whole list at once
// (digests, session announcements and reminders): the list's language
// setting, else English.
func listLang(l store.List) listserv.Lang {
	return listserv.Lang(l.Settings.Language).Or(listserv.LangEnglish)
}

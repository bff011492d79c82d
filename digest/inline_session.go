package digest

import (
	"fmt"
	"minyan/listserv/mailcompose"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// The session digest, like the weekly one, comes as text with an HTML
// alternative (threads since the last session with their first lines,
// a link to each in the web archive and a reply link), or as text alone
// for members who chose plain digests. The calendar alternative and the
// invite.ics attachment are the same in both.

// sessionLinks gives each thread its archive and reply links.
func (s *Scheduler) sessionLinks(l store.List, threads []ThreadView) {
	base := s.svc.WebArchiveURL(l.Name, l.Settings.Archive)
	for i := range threads {
		t := &threads[i]
		if base != "" {
			t.URL = fmt.Sprintf("%s/m/%d", base, t.first.Seq)
		}
		if l.Settings.Posting != store.PostingAnnounce {
			t.ReplyLink = s.replyLink(l.Name, t.first.Subject, t.first.MessageID)
		}
	}
}

// sessionDigestHTMLData is what session-digest.html sees.
type sessionDigestHTMLData struct {
	sessionDigestData
	Subject    string
	ArchiveURL string
}

// sessionDigestCopy is one rendering of a session digest and who gets it.
type sessionDigestCopy struct {
	raw     []byte
	members []store.Membership
}

// sessionDigestCopies renders a session digest once per format its
// members chose: text with HTML and calendar alternatives (html, the
// default), or text and calendar only (plain).
func (s *Scheduler) sessionDigestCopies(l store.List, members []store.Membership, id, subject, body string, data sessionDigestData, ics []byte, now time.Time) ([]sessionDigestCopy, error) {
	byFormat := map[store.DigestFormat][]store.Membership{}
	for _, mb := range members {
		byFormat[mb.Format()] = append(byFormat[mb.Format()], mb)
	}
	var out []sessionDigestCopy
	if ms := byFormat[store.DigestHTML]; len(ms) > 0 {
		doc, err := s.svc.RenderHTMLIn(listLang(l), l.Name, "session-digest", sessionDigestHTMLData{data, subject, s.svc.WebArchiveURL(l.Name, l.Settings.Archive)})
		if err != nil {
			return nil, err
		}
		from := s.listFrom(l, listserv.RoleOwner)
		raw := mailcompose.Compose(mailcompose.Header{
			From: from.String(), Subject: subject, MessageID: mailcompose.StableID(id, s.svc.Domain()), Date: now,
			Extra: s.svc.ListHeaders(l), AutoSubmitted: "auto-generated",
		}, mailcompose.Multipart("mixed",
			mailcompose.Multipart("alternative", mailcompose.Text(body), mailcompose.HTML(doc), mailcompose.Calendar(ics, MethodPublish)),
			mailcompose.CalendarFile(ics, MethodPublish)))
		out = append(out, sessionDigestCopy{raw, ms})
	}
	if ms := byFormat[store.DigestPlain]; len(ms) > 0 {
		raw := s.sessionMessage(l, subject, mailcompose.StableID(id+"/plain", s.svc.Domain()), now, body, ics, MethodPublish, true)
		out = append(out, sessionDigestCopy{raw, ms})
	}
	return out, nil
}

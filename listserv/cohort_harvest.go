package listserv

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"slices"
	"strings"
	"time"

	"minyan/listserv/i18n"
	"minyan/listserv/search"
	"minyan/store"
)

// The harvest (SPEC "Cohorts"): at a cohort's end each chevruta pair
// is asked what they made, with a Reply-To of their own
// (NAME-harvest+TOKEN@). A reply with a link or an attachment is
// archived as a post of the list whose subject carries #harvest and the
// pair's names, so the resource hub (which reads the archive) shows it
// under /resources?tag=harvest credited to the pair; harvest_after later
// one "What we made" mail lists every such post (HarvestEntries).

// TokenHarvest is the token kind of a pair's harvest address (stored
// hashed, IssueHashedToken); its Data holds the pair's addresses,
// comma-separated.
const TokenHarvest = "harvest"

// HarvestTag is the #tag of harvest posts.
const HarvestTag = "harvest"

// defaultHarvestAfter is harvest_after when it is not set.
const defaultHarvestAfter = 168 * time.Hour

var harvestAfterSetting = setting{
	get: func(s *store.Settings) string { return FormatDuration(HarvestAfter(*s)) },
	set: func(s *store.Settings, v string, _ ServerDefaults) error {
		d, err := ParseDuration(v)
		if err != nil {
			return err
		}
		if d == 0 {
			return fmt.Errorf("must be longer than 0, such as 168h or 7d")
		}
		s.HarvestAfter = d
		return nil
	},
}

// HarvestAfter is the harvest_after setting with its default.
func HarvestAfter(s store.Settings) time.Duration {
	if s.HarvestAfter <= 0 {
		return defaultHarvestAfter
	}
	return s.HarvestAfter
}

// HarvestAddress issues a pair's harvest address inside the caller's
// transaction (the scheduler's, at the cohort's end). It lives until a
// week after the "What we made" mail.
func (s *Service) HarvestAddress(tx *store.Tx, l store.List, pair []string) (string, error) {
	tok, err := s.IssueHashedToken(tx, TokenHarvest, l.Name, pair[0], 0, strings.Join(pair, ","), HarvestAfter(l.Settings)+7*24*time.Hour)
	if err != nil {
		return "", err
	}
	return s.addr(l.Name, RoleHarvest, tok), nil
}

// errBadHarvest refuses mail to a harvest address that is not (or no
// longer) one: the same answer for a wrong and a used token.
var errBadHarvest = reject(550, [3]int{5, 1, 1}, "this harvest address is not valid (it may have been used already or have expired)", nil)

// receiveHarvest takes a pair's answer to the harvest mail: from one of
// the pair, with a link or an attachment, it is archived (and sent to
// whoever still gets the list's mail) with #harvest and the pair's names
// in its subject, and the token is spent. Anything else is answered and
// nothing is kept.
func (s *Service) receiveHarvest(ctx context.Context, env Envelope, la ListAddress, raw []byte) error {
	m, err := parse(raw)
	if err != nil {
		return err
	}
	if why := robotReason(m); why != "" {
		s.log.Info("automatic mail to a harvest address ignored", "list", la.List, "why", why)
		return nil
	}
	from := NormalizeAddress(m.From.Address)
	parsed := search.Parse(raw)
	err = s.st.Update(func(tx *store.Tx) error {
		t, err := tx.Token(TokenHash(la.Token))
		now := s.clock.Now()
		if err != nil || t.Kind != TokenHarvest || t.List != la.List || !t.Used.IsZero() || (!t.Expires.IsZero() && now.After(t.Expires)) {
			return errBadHarvest
		}
		l, err := tx.List(la.List)
		if err != nil {
			return errBadHarvest
		}
		pair := strings.Split(t.Data, ",")
		if !slices.Contains(pair, from) {
			return s.harvestAnswer(tx, l, from, m.MessageID, "cohort_harvest.answer_only", strings.Join(pair[:len(pair)-1], ", "), pair[len(pair)-1])
		}
		if len(parsed.Links) == 0 && len(parsed.Attachments) == 0 {
			return s.harvestAnswer(tx, l, from, m.MessageID, "cohort_harvest.answer_empty")
		}
		var names []string
		for _, a := range pair {
			// A name, else the address's local part: the subject is
			// shown wherever the archive is, which may be public.
			name, _, _ := strings.Cut(a, "@")
			if p, err := tx.Person(a); err == nil && p.Name != "" {
				name = p.Name
			}
			names = append(names, name)
		}
		subject := strings.TrimSpace(stripReplyPrefixes(m.Subject))
		if subject == "" || strings.EqualFold(subject, "What did your pair make?") {
			subject = "What we made"
		}
		credited, err := withSubject(raw, "#"+HarvestTag+" "+subject+" ("+JoinNames(names)+")")
		if err != nil {
			return err
		}
		cm, err := parse(credited)
		if err != nil {
			return err
		}
		seq, err := s.distribute(tx, l, cm, false, false)
		if err != nil {
			return err
		}
		if err := s.useToken(tx, t, from+" via mail"); err != nil {
			return err
		}
		if err := s.AuditChange(tx, Person(from, DoorMail), l.Name, fmt.Sprintf("harvest of %s archived (message %d)", JoinNames(pair), seq)); err != nil {
			return err
		}
		return s.harvestAnswer(tx, l, from, m.MessageID, "cohort_harvest.answer_kept", s.o.PublicURL+"/resources?list="+l.Name+"&tag="+HarvestTag)
	})
	switch {
	case errors.Is(err, errBadHarvest):
		return errBadHarvest
	case err != nil:
		var r *Reject
		if errors.As(err, &r) {
			return r
		}
		return tempFail(err)
	}
	return nil
}

// harvestAnswer mails the sender of a harvest reply one sentence.
// The sentence is the catalogue's key, written in the sender's language.
func (s *Service) harvestAnswer(tx *store.Tx, l store.List, to, inReplyTo, key string, args ...any) error {
	text := i18n.Builtin().T(languageFor(tx, NormalizeAddress(to), l.Name), key, args...)
	subj, body, err := s.renderTx(tx, to, l.Name, "cohort-harvest-answer", map[string]any{"Title": l.Settings.Title, "Text": text})
	if err != nil {
		return err
	}
	return s.queueNotice(tx, notice{List: l.Name, To: []string{to}, From: s.addr(l.Name, RoleRequest, ""), Subject: subj, Body: body, InReplyTo: inReplyTo})
}

// withSubject returns raw with its Subject field replaced (RFC 2047
// encoded when it is not ASCII); the body is left as it came.
func withSubject(raw []byte, subject string) ([]byte, error) {
	head, body, ok := strings.Cut(string(raw), "\r\n\r\n")
	sep := "\r\n"
	if !ok {
		head, body, ok = strings.Cut(string(raw), "\n\n")
		sep = "\n"
	}
	if !ok {
		return nil, reject(554, [3]int{5, 6, 0}, "the message has no body", nil)
	}
	var out []string
	skip := false
	for _, ln := range strings.Split(head, sep) {
		if skip && (strings.HasPrefix(ln, " ") || strings.HasPrefix(ln, "\t")) {
			continue
		}
		skip = len(ln) >= 8 && strings.EqualFold(ln[:8], "subject:")
		if !skip {
			out = append(out, ln)
		}
	}
	out = append(out, "Subject: "+mime.QEncoding.Encode("utf-8", subject))
	return []byte(strings.Join(out, sep) + sep + sep + body), nil
}

// HarvestEntry is one harvest post, for the "What we made" mail.
type HarvestEntry struct {
	Subject string
	URL     string
}

// HarvestEntries lists a list's harvest posts (archived since its cohort
// ended) in order, with their archive pages.
func (s *Service) HarvestEntries(tx *store.Tx, l store.List) ([]HarvestEntry, error) {
	if l.Cohort == nil {
		return nil, nil
	}
	var out []HarvestEntry
	err := tx.EachArchived(l.Name, 1, 0, func(m store.ArchiveMeta, _ []byte) error {
		if m.Archived.Before(l.Cohort.At) {
			return nil
		}
		subj := strings.TrimSpace(strings.TrimPrefix(m.Subject, strings.TrimSpace(l.Settings.SubjectPrefix)))
		if !strings.HasPrefix(subj, "#"+HarvestTag+" ") {
			return nil
		}
		out = append(out, HarvestEntry{Subject: strings.TrimPrefix(subj, "#"+HarvestTag+" "), URL: s.ArchiveURL(l.Name, m.Seq)})
		return nil
	})
	return out, err
}

// JoinNames joins names as "A and B" or "A, B and C".
func JoinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

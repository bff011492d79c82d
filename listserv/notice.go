package listserv

import (
	"embed"
	"fmt"
	"strings"
	"text/template"
	"time"

	"minyan/listserv/i18n"
	"minyan/listserv/mailcompose"
	"minyan/listserv/outbox"
	"minyan/store"
)

// Every text minyan writes to people lives in templates/ so a list owner
// or translator finds them in one place. The first line is the Subject.
//
//go:embed templates/*.txt
var templateFS embed.FS

// mailFuncs are the template functions of a mail text written in l.
func mailFuncs(l Lang) template.FuncMap {
	f := template.FuncMap{"lower": strings.ToLower}
	for k, v := range i18n.Builtin().Funcs(l) {
		f[k] = v
	}
	return f
}

// templates are the built-in texts, parsed once per language (when
// first used) so each renders its {{t}} texts from that language's
// catalogue.
var templates = i18n.PerLang(func(l Lang) *template.Template {
	return template.Must(template.New("").Funcs(mailFuncs(l)).Option("missingkey=error").ParseFS(templateFS, "templates/*.txt"))
})

// splitSubject takes the "Subject: " first line off a rendered template.
func splitSubject(name, text string) (subject, body string, err error) {
	first, rest, _ := strings.Cut(text, "\n")
	subject, ok := strings.CutPrefix(first, "Subject: ")
	if !ok {
		return "", "", fmt.Errorf("template %s: first line must be \"Subject: ...\"", name)
	}
	return strings.TrimSpace(subject), strings.TrimLeft(rest, "\n"), nil
}

// notice is a message minyan itself writes.
type notice struct {
	List      string
	To        []string
	Cc        []string
	From      string
	ReplyTo   string
	Subject   string
	Body      string
	InReplyTo string
	// Attached is an original message attached as message/rfc822.
	Attached []byte
	// Headers are extra header lines ("Name: value").
	Headers []string
}

// buildNotice renders a notice: UTF-8 text (with the original attached as
// message/rfc822 when there is one), marked Auto-Submitted so other robots
// do not answer it.
func (s *Service) buildNotice(n notice, now time.Time) []byte {
	h := mailcompose.Header{
		From: n.From, To: n.To, Cc: n.Cc, Subject: n.Subject, Date: now,
		MessageID: mailcompose.NewID(s.o.Domain), InReplyTo: n.InReplyTo,
		AutoSubmitted: "auto-replied",
	}
	if n.ReplyTo != "" {
		h.ReplyTo = []string{n.ReplyTo}
	}
	if n.List != "" {
		h.Extra = append(h.Extra, "List-Id: <"+n.List+"."+s.o.Domain+">")
	}
	h.Extra = append(h.Extra, n.Headers...)
	body := mailcompose.Text(n.Body)
	if n.Attached != nil {
		body = mailcompose.Multipart("mixed", body,
			mailcompose.Message(n.Attached).WithHeader("Content-Disposition: inline"))
	}
	return mailcompose.Compose(h, body)
}

// queueNotice enqueues a notice inside the caller's transaction, with the
// list's bounce address as envelope sender so failures come back to us and
// never to a person.
func (s *Service) queueNotice(tx *store.Tx, n notice) error {
	now := s.clock.Now()
	raw := s.buildNotice(n, now)
	env := "minyan-bounces@" + s.o.Domain
	if n.List != "" {
		env = s.addr(n.List, RoleBounces, "")
	}
	var rcpts []store.QueuedRcpt
	for _, to := range append(append([]string{}, n.To...), n.Cc...) {
		r := store.QueuedRcpt{Address: bareAddress(to), EnvelopeFrom: env}
		// A member's notices come back to their own bounce address, so
		// a bounce of a notice counts like a bounce of a post.
		if n.List != "" {
			if mb, err := tx.Membership(n.List, r.Address); err == nil && mb.BounceToken != "" {
				r.EnvelopeFrom = s.addr(n.List, RoleBounces, mb.BounceToken)
			}
		}
		rcpts = append(rcpts, r)
	}
	if _, err := s.outbox.Enqueue(tx, outbox.Message{List: n.List, Raw: raw, Batch: true, At: now}, rcpts, outbox.KindNotice); err != nil {
		return fmt.Errorf("queue notice to %v: %w", n.To, err)
	}
	tx.OnCommit(s.metrics.Notices.Inc)
	return nil
}

// bareAddress takes the addr-spec out of `"Name" <addr>`.
func bareAddress(a string) string {
	if i := strings.LastIndexByte(a, '<'); i >= 0 {
		if j := strings.IndexByte(a[i:], '>'); j > 0 {
			return NormalizeAddress(a[i+1 : i+j])
		}
	}
	return NormalizeAddress(a)
}

// queueNoticeIn sends one notice to several people (a list's moderators
// or owners) each in their own language: the recipients are grouped by
// languageFor, name is rendered once per language present, and one
// notice per language is queued with n's other fields. Languages come in
// the fixed order of i18n.Langs, so the mail queued is the same on
// every run. data may be a func(Lang) any, for a text whose data holds
// a sentence of its own (a held post's reason) in the reader's language.
func (s *Service) queueNoticeIn(tx *store.Tx, list string, to []string, name string, data any, n notice) error {
	groups := map[Lang][]string{}
	for _, a := range to {
		l := languageFor(tx, bareAddress(a), list)
		groups[l] = append(groups[l], a)
	}
	for _, l := range i18n.Langs {
		if len(groups[l]) == 0 {
			continue
		}
		d := data
		if f, ok := data.(func(Lang) any); ok {
			d = f(l)
		}
		subj, body, err := s.renderIn(l, list, name, d)
		if err != nil {
			return err
		}
		m := n
		m.To, m.Subject, m.Body = groups[l], subj, body
		if err := s.queueNotice(tx, m); err != nil {
			return err
		}
	}
	return nil
}

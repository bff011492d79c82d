package listserv

import (
	"bytes"
	"embed"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"strings"
	"text/template"
	"time"

	"minyan/listserv/outbox"
	"minyan/store"
)

// Every text minyan writes to people lives in templates/ so a list owner
// or translator finds them in one place. The first line is the Subject.
//
//go:embed templates/*.txt
var templateFS embed.FS

var templateFuncs = template.FuncMap{"lower": strings.ToLower}

var templates = template.Must(template.New("").Funcs(templateFuncs).Option("missingkey=error").ParseFS(templateFS, "templates/*.txt"))

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

// buildNotice renders a notice as an RFC 5322 message: UTF-8 text,
// quoted-printable, marked Auto-Submitted so other robots do not answer it.
func (s *Service) buildNotice(n notice, now time.Time) []byte {
	var b bytes.Buffer
	h := func(k, v string) {
		v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	h("From", n.From)
	h("To", strings.Join(n.To, ", "))
	if len(n.Cc) > 0 {
		h("Cc", strings.Join(n.Cc, ", "))
	}
	if n.ReplyTo != "" {
		h("Reply-To", n.ReplyTo)
	}
	h("Subject", mime.QEncoding.Encode("utf-8", n.Subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<"+store.NewToken()+"@"+s.o.Domain+">")
	if n.InReplyTo != "" {
		h("In-Reply-To", "<"+n.InReplyTo+">")
		h("References", "<"+n.InReplyTo+">")
	}
	h("Auto-Submitted", "auto-replied")
	if n.List != "" {
		h("List-Id", "<"+n.List+"."+s.o.Domain+">")
	}
	for _, x := range n.Headers {
		b.WriteString(strings.NewReplacer("\r", " ", "\n", " ").Replace(x) + "\r\n")
	}
	h("MIME-Version", "1.0")
	text := func() {
		h("Content-Type", "text/plain; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		qp := quotedprintable.NewWriter(&b)
		qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(n.Body, "\r\n", "\n"), "\n", "\r\n")))
		qp.Close()
		b.WriteString("\r\n")
	}
	if n.Attached == nil {
		text()
		return b.Bytes()
	}
	boundary := "minyan-" + store.NewToken()
	h("Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
	b.WriteString("\r\nThis is a MIME message.\r\n--" + boundary + "\r\n")
	text()
	b.WriteString("--" + boundary + "\r\n")
	b.WriteString("Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n")
	att := n.Attached
	b.Write(att)
	if !bytes.HasSuffix(att, []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes()
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

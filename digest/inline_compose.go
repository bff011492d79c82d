package digest

import (
	"fmt"
	"html/template"
	"strings"

	"minyan/listserv/i18n"
	"minyan/listserv/mailcompose"
	"minyan/store"
)

// The weekly digest is rendered once per format and the same bytes go to
// every member of that format (their unsubscribe headers are spliced in
// at delivery):
//
//   - html (the default): multipart/mixed of a multipart/alternative
//     (text/plain, text/html: the table of contents and every post's
//     words) and a multipart/digest of the posts as message/rfc822;
//   - plain: the same text alone, one text/plain part, laid out like an
//     RFC 1153 digest (contents, then each message with Date, From and
//     Subject lines, separated by dashes).

// htmlBudget is the most HTML a digest carries (counting CRLF line
// ends). Gmail cuts a message off after about 102 KB and hides the rest behind a link; a digest
// that would be larger shows each post's first lines instead.
const htmlBudget = 96_000

// leadCount and leadChars are how much of a post a long week's digest
// shows.
const (
	leadCount = 4
	leadChars = 320
)

// showLevel is how much of a post the HTML part shows.
type showLevel int

const (
	showFull  showLevel = iota // the post's words
	showLead                   // its first lines and a "read the rest" link
	showTitle                  // its author, time and links only
	showNone                   // not listed; counted at the top
)

// inlinePost is what the inline parts show of a post beyond the table
// of contents.
type inlinePost struct {
	Seq uint64
	// AuthorName is the author's name, or address without one: the
	// person who wrote the post, also when the list sent it From its own
	// address (the archive keeps the original author).
	AuthorName string
	// URL is the post in the web archive ("" without one).
	URL  string
	Body postBody
	// BodyHTML is the post's words for the HTML part.
	BodyHTML template.HTML
	// Lines are the first lines; More says the post goes on after them.
	Lines []string
	More  bool
	level showLevel
}

// Full, Lead, TitleOnly and Hidden say how much of the post the HTML
// part shows.
func (p inlinePost) Full() bool      { return p.level == showFull }
func (p inlinePost) Lead() bool      { return p.level == showLead }
func (p inlinePost) TitleOnly() bool { return p.level == showTitle }
func (p inlinePost) Hidden() bool    { return p.level == showNone }

// Dir is the direction of the post's words (rtl for a post in Hebrew,
// ltr for one in English), so each post of a digest reads right whatever
// the digest's own language; "auto" when the words have no letters.
func (p inlinePost) Dir() string {
	if d := i18n.TextDir(p.Body.Text); d != "" {
		return d
	}
	return "auto"
}

// EndsCut tells whether the first lines already end in "…".
func (p inlinePost) EndsCut() bool {
	return len(p.Lines) > 0 && strings.HasSuffix(p.Lines[len(p.Lines)-1], "…")
}

// Text is the post's trimmed words for the text part. A line of exactly
// 30 hyphens, which separates messages in a text digest, gets a space in
// front so digest-bursting programs do not split the post there.
func (p inlinePost) Text() string {
	if !strings.Contains(p.Body.Text, digestSeparator) {
		return p.Body.Text
	}
	lines := strings.Split(p.Body.Text, "\n")
	for i, l := range lines {
		if l == digestSeparator {
			lines[i] = " " + l
		}
	}
	return strings.Join(lines, "\n")
}

// digestSeparator is the line between messages of a text digest.
const digestSeparator = "------------------------------"

// TrimNote says what was left out of the post, in the reader's
// language; empty when nothing was.
func (p inlinePost) TrimNote() TrimNote { return TrimNote(p.Body.Trimmed) }

// Attachments are the post's files.
func (p inlinePost) Attachments() []attachment { return p.Body.Attachments }

// inlineData is what the digest templates (digest.txt, digest.html) see beyond
// the table of contents.
type inlineData struct {
	// Subject is the digest's subject (the HTML title).
	Subject string
	// ArchiveURL is the list's web archive, "" when it has none.
	ArchiveURL string
	// Shortened is true when the HTML part shows only the first lines of
	// some posts (a long week); Unlisted counts the posts it does not
	// list at all (a very long week: they are in the attached copies).
	Shortened bool
	Unlisted  int
}

// Shown tells whether the HTML part lists any post of the thread.
func (t *digestThread) Shown() bool {
	for _, p := range t.Posts {
		if !p.Hidden() {
			return true
		}
	}
	return false
}

// prepareInline reads every post of the digest once: its trimmed words,
// attachments and links.
func (s *Scheduler) prepareInline(l store.List, data *digestData) {
	base := s.svc.WebArchiveURL(l.Name, l.Settings.Archive)
	data.ArchiveURL = base
	for i, t := range data.Threads {
		t.ID = i + 1
		for _, p := range t.Posts {
			p.Seq = p.meta.Seq
			p.AuthorName = p.meta.FromName
			if p.AuthorName == "" {
				p.AuthorName = p.meta.From
			}
			p.Body = extractPost(p.raw, s.svc.PostFooter(l, p.meta.Subject, p.meta.MessageID))
			if base != "" {
				p.URL = fmt.Sprintf("%s/m/%d", base, p.meta.Seq)
				for j := range p.Body.Attachments {
					a := &p.Body.Attachments[j]
					a.URL = fmt.Sprintf("%s/att/%d", p.URL, a.N)
				}
				if t.URL == "" {
					t.URL = fmt.Sprintf("%s/m/%d", base, p.meta.Thread)
				}
			}
			if p.Body.HTML != "" {
				p.BodyHTML = template.HTML(p.Body.HTML) // sanitised by extractPost
			} else {
				p.BodyHTML = template.HTML(textHTML(p.Body.Text)) // escaped by textHTML
			}
			p.Lines, p.More = leadLines(p.Body.Text, leadCount, leadChars)
		}
	}
}

// setLevels shows the first keep posts (in digest order) at level a and
// the rest at level b.
func setLevels(data *digestData, keep int, a, b showLevel) {
	i := 0
	unlisted := 0
	for _, t := range data.Threads {
		for _, p := range t.Posts {
			p.level = b
			if i < keep {
				p.level = a
			}
			if p.level == showNone {
				unlisted++
			}
			i++
		}
	}
	data.Shortened = a != showFull || b != showFull
	data.Unlisted = unlisted
}

// setLead cuts every post's first lines at chars characters.
func setLead(data *digestData, chars int) {
	for _, t := range data.Threads {
		for _, p := range t.Posts {
			p.Lines, p.More = leadLines(p.Body.Text, leadCount, chars)
		}
	}
}

// renderDigestHTML renders the HTML part within htmlBudget: every post in
// full when that fits, else every post's first lines (shorter and
// shorter), else first lines for as many posts as fit and the rest by
// title, else titles for as many as fit and the rest counted.
func (s *Scheduler) renderDigestHTML(list string, data *digestData) (string, error) {
	render := func() (string, bool, error) {
		out, err := s.svc.RenderHTMLIn(data.lang, list, data.template(), data)
		// Sent with CRLF line ends: count them.
		return out, len(out)+strings.Count(out, "\n") <= htmlBudget, err
	}
	n := data.Count
	words := 0
	for _, t := range data.Threads {
		for _, p := range t.Posts {
			words += len(p.BodyHTML)
		}
	}
	var out string
	var fits bool
	var err error
	if words < htmlBudget { // else full posts cannot fit: do not try
		setLevels(data, n, showFull, showFull)
		if out, fits, err = render(); err != nil || fits {
			return out, err
		}
	}
	// When not even every post's title fits, first lines will not.
	setLevels(data, n, showTitle, showTitle)
	if out, fits, err = render(); err != nil {
		return "", err
	}
	titlesFit := fits
	// The lengths of the first lines tried, longest first.
	for _, chars := range []int{leadChars, 200, 140, 100, 60} {
		if !titlesFit {
			break
		}
		setLead(data, chars)
		setLevels(data, n, showLead, showLead)
		if out, fits, err = render(); err != nil || fits {
			return out, err
		}
	}
	for _, step := range [][2]showLevel{{showLead, showTitle}, {showTitle, showNone}} {
		if step[0] == showLead && !titlesFit {
			continue
		}
		// Keep as many posts at step[0] as fit, the rest at step[1].
		setLevels(data, 0, step[0], step[1])
		if out, fits, err = render(); err != nil {
			return "", err
		}
		if !fits {
			continue
		}
		lo, hi := 0, n // lo fits, hi does not
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			setLevels(data, mid, step[0], step[1])
			_, ok, err := render()
			if err != nil {
				return "", err
			}
			if ok {
				lo = mid
			} else {
				hi = mid
			}
		}
		setLevels(data, lo, step[0], step[1])
		out, _, err = render()
		return out, err
	}
	return out, nil // not even the titles fit: send the smallest there is
}

// digestBodies renders the digest's message once for each format some
// member gets, from the text already rendered (text) and the posts'
// message/rfc822 parts.
func (s *Scheduler) digestBodies(l store.List, data *digestData, h mailcompose.Header, text string, parts []mailcompose.Part, formats map[store.DigestFormat]bool) (map[store.DigestFormat][]byte, error) {
	out := map[store.DigestFormat][]byte{}
	if formats[store.DigestHTML] {
		doc, err := s.renderDigestHTML(l.Name, data)
		if err != nil {
			return nil, err
		}
		out[store.DigestHTML] = mailcompose.Compose(h, mailcompose.Multipart("mixed",
			mailcompose.Multipart("alternative", mailcompose.Text(text), mailcompose.HTML(doc)),
			mailcompose.Multipart("digest", parts...)))
	}
	if formats[store.DigestPlain] {
		ph := h
		ph.MessageID = strings.Replace(h.MessageID, "minyan.", "minyan.plain.", 1)
		out[store.DigestPlain] = mailcompose.Compose(ph, mailcompose.Text(text))
	}
	return out, nil
}

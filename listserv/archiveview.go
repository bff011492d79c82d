package listserv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"minyan/listserv/search"
	"minyan/store"
)

// The message view: what a page shows of one archived post, made safe
// here so no page has to think about it. Text is data (pages escape it);
// the only HTML handed out is an HTML-only post after sanitising.

// ErrNoMessage answers a post that does not exist (or was redacted) in
// an archive the viewer may read.
var ErrNoMessage = errors.New("no such message")

// ViewOptions steer Message.
type ViewOptions struct {
	// LoadImages keeps remote images of an HTML post (the reader asked);
	// otherwise each becomes a link.
	LoadImages bool
}

// BlockKind tells what a block of a text body is.
type BlockKind int

// Kinds of text blocks.
const (
	BlockText      BlockKind = iota // the author's own words
	BlockQuote                      // quoted from an earlier post (fold it)
	BlockSignature                  // after "-- " (dim it)
)

// TextSpan is a piece of a line; URL is set (http or https only) when
// the piece is a link.
type TextSpan struct {
	Text string
	URL  string
}

// TextLine is one line of a text body.
type TextLine []TextSpan

// TextBlock is a run of lines of one kind.
type TextBlock struct {
	Kind  BlockKind
	Lines []TextLine
}

// AttachmentView describes one attachment. ContentType is the type it
// is served with: never one a browser would run (HTML, SVG, XML, scripts
// become application/octet-stream).
type AttachmentView struct {
	N           int
	Name        string
	Size        int
	ContentType string
}

// MessageView is one post, ready for a page.
type MessageView struct {
	List    string
	Seq     uint64
	Thread  uint64
	Subject string
	// Author is the sender's name (never the address).
	Author string
	Date   time.Time
	// Body is the text, in blocks; empty for an HTML-only post.
	Body []TextBlock
	// HTML is an HTML-only post after sanitising: no scripts, event
	// handlers, styles, forms, frames, or links other than http(s); it
	// may be inserted into a page as is.
	HTML string
	// BlockedImages counts remote images replaced by links.
	BlockedImages int
	Links         []search.Link
	Attachments   []AttachmentView
	// Tags are the #tags written in the post.
	Tags []string
	// InThread are the posts of its thread, in order.
	InThread []ThreadPost
	// CanReply: the viewer is signed in and may post to the list
	// (MayPost): the page shows the reply form.
	CanReply bool
}

// Message returns the view of post seq of list.
func (s *Service) Message(ctx context.Context, a Actor, list string, seq uint64, o ViewOptions) (MessageView, error) {
	var (
		v      MessageView
		raw    []byte
		footer string
	)
	err := s.st.View(func(tx *store.Tx) error {
		l, err := s.archiveForTx(tx, a, list)
		if err != nil {
			return err
		}
		m, err := tx.ArchiveMeta(l.Name, seq)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNoMessage
		}
		if err != nil {
			return err
		}
		if raw, err = tx.ArchiveRaw(l.Name, seq); err != nil {
			return err
		}
		v = MessageView{List: l.Name, Seq: seq, Thread: m.Thread, Subject: m.Subject, Author: displayName(m), Date: m.Archived}
		if a.Address != "" {
			if mb, err := tx.Membership(l.Name, a.Address); err == nil {
				v.CanReply = MayPost(l, &mb)
			} else {
				v.CanReply = MayPost(l, nil)
			}
		}
		footer = s.PostFooter(l, m.Subject, m.MessageID)
		return nil
	})
	if err != nil {
		return v, err
	}
	p := search.Parse(raw)
	// Posts archived before the archive kept the post as accepted carry
	// the list's footer (a footer part, or "-- " and the footer after the
	// text); the page shows the post without it.
	p.Text = withoutListFooter(p.Text, footer)
	if strings.TrimSpace(p.Text) != "" || p.HTML == "" {
		v.Body = TextBlocks(p.Text)
	} else {
		v.HTML, v.BlockedImages = SanitizeHTML(p.HTML, o.LoadImages)
	}
	v.Links, v.Tags = p.Links, p.Tags
	for _, at := range p.Attachments {
		v.Attachments = append(v.Attachments, AttachmentView{N: at.N, Name: at.Name, Size: at.Size, ContentType: SafeContentType(at.ContentType)})
	}
	v.InThread, err = s.ThreadPosts(ctx, a, list, v.Thread)
	if errors.Is(err, ErrNoMessage) {
		err = nil // the thread's first post was redacted
	}
	return v, err
}

// withoutListFooter is text without the list's footer at its end (and
// the "-- " line the list put before it), when it ends so.
func withoutListFooter(text, footer string) string {
	norm := func(s string) string {
		return strings.TrimRight(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"), " \t\n")
	}
	f := strings.TrimSpace(norm(footer))
	t := norm(text)
	if f == "" || !strings.HasSuffix(t, f) {
		return text
	}
	t = strings.TrimRight(strings.TrimSuffix(t, f), " \t\n")
	return strings.TrimRight(strings.TrimSuffix(t, "\n--"), " \t\n")
}

// RawMessage returns the post for download as message/rfc822: as
// archived for the list's members, site admins and the operator; for
// everyone else (anonymous readers of a public archive, signed-in
// outsiders) with every address shown as "name@…" (maskRawAddresses),
// as the message's page shows it, so the download is no list of
// addresses to harvest.
func (s *Service) RawMessage(ctx context.Context, a Actor, list string, seq uint64) ([]byte, error) {
	var raw []byte
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		raw, err = s.rawMessageTx(tx, a, list, seq)
		if err == nil && !isSiteAdmin(tx, a) && roleOn(tx, strings.ToLower(list), a.Address) == "" {
			raw = maskRawAddresses(raw)
		}
		return err
	})
	return raw, err
}

// rawMessageTx is the post as archived, for a reader of the archive.
func (s *Service) rawMessageTx(tx *store.Tx, a Actor, list string, seq uint64) ([]byte, error) {
	l, err := s.archiveForTx(tx, a, list)
	if err != nil {
		return nil, err
	}
	raw, err := tx.ArchiveRaw(l.Name, seq)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoMessage
	}
	return raw, err
}

// keptWhole are the header fields whose addresses are message
// identifiers, not people: masking them would break threading.
var keptWhole = map[string]bool{"message-id": true, "in-reply-to": true, "references": true, "resent-message-id": true}

// maskRawAddresses returns a copy of a raw message with every address
// in its header fields (but the identifiers of keptWhole) and its
// unencoded text shown as "name@…".
func maskRawAddresses(raw []byte) []byte {
	head, body := raw, []byte(nil)
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		head, body = raw[:i+2], raw[i+2:]
	} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		head, body = raw[:i+1], raw[i+1:]
	}
	out := make([]byte, 0, len(raw))
	field := ""
	for _, line := range bytes.SplitAfter(head, []byte("\n")) {
		if len(line) > 0 && line[0] != ' ' && line[0] != '\t' {
			name, _, _ := bytes.Cut(line, []byte(":"))
			field = strings.ToLower(strings.TrimSpace(string(name)))
		}
		if keptWhole[field] {
			out = append(out, line...)
			continue
		}
		out = append(out, hideAddresses(string(line))...)
	}
	return append(out, hideAddresses(string(body))...)
}

// AttachmentFile is an attachment ready to serve: always as a download
// (Disposition), with a content type no browser runs.
type AttachmentFile struct {
	Name        string
	ContentType string
	Disposition string
	Data        []byte
}

// Attachment returns attachment n (from 1) of post seq.
func (s *Service) Attachment(ctx context.Context, a Actor, list string, seq uint64, n int) (AttachmentFile, error) {
	var raw []byte
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		raw, err = s.rawMessageTx(tx, a, list, seq)
		return err
	})
	if err != nil {
		return AttachmentFile{}, err
	}
	at, data, ok := search.AttachmentBody(raw, n)
	if !ok {
		return AttachmentFile{}, ErrNoMessage
	}
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": at.Name})
	if disp == "" {
		disp = "attachment"
	}
	return AttachmentFile{Name: at.Name, ContentType: SafeContentType(at.ContentType), Disposition: disp, Data: data}, nil
}

// safeTypes are content types served as declared; everything else is
// application/octet-stream.
var safeTypes = map[string]bool{
	"application/pdf": true, "text/plain": true, "text/csv": true, "text/calendar": true,
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"audio/mpeg": true, "audio/ogg": true, "audio/wav": true, "audio/mp4": true,
	"video/mp4": true, "video/webm": true, "video/quicktime": true,
	"application/zip": true, "application/msword": true, "application/vnd.ms-excel": true,
	"application/vnd.ms-powerpoint":                                             true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
	"application/vnd.oasis.opendocument.text":                                   true,
	"application/vnd.oasis.opendocument.spreadsheet":                            true,
	"application/vnd.oasis.opendocument.presentation":                           true,
}

// SafeContentType maps a sender's declared type to one that is safe to
// serve from the site's origin.
func SafeContentType(ct string) string {
	ct = strings.ToLower(strings.TrimSpace(ct))
	if safeTypes[ct] {
		return ct
	}
	return "application/octet-stream"
}

// attributionRE matches the line that introduces a quote ("On Tue,
// Rivka wrote:", "El martes, Ana escribió:", "Am … schrieb …:").
var attributionRE = regexp.MustCompile(`(?i)^(on|el|le|am|em|il|op)\b.*(wrote|escribió|escribio|a écrit|schrieb|escreveu|ha scritto|schreef)\s*:\s*$|^-+\s*original message\s*-+$`)

// emailRE finds addresses in text, to show them without their domain.
var emailRE = regexp.MustCompile(`[\pL\pN._%+-]+@[\pL\pN.-]+\.\pL{2,}`)

// hideAddresses shows addresses in a post's text as "name@…", so a page
// of the archive is no list of addresses to harvest.
func hideAddresses(s string) string {
	return emailRE.ReplaceAllStringFunc(s, func(a string) string {
		local, _, _ := strings.Cut(a, "@")
		return local + "@…"
	})
}

// TextBlocks splits a plain text body into the author's text, quotes
// (with the line that introduces them) and the signature, with links
// found and addresses hidden.
func TextBlocks(text string) []TextBlock {
	text = strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n ")
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	kinds := make([]BlockKind, len(lines))
	sig := false
	for i, ln := range lines {
		trimmed := strings.TrimRight(ln, " \t")
		switch {
		case sig:
			kinds[i] = BlockSignature
		case ln == "-- " || trimmed == "--" && i > 0:
			sig = true
			kinds[i] = BlockSignature
		case strings.HasPrefix(strings.TrimLeft(ln, " "), ">"):
			kinds[i] = BlockQuote
		default:
			kinds[i] = BlockText
		}
	}
	// An attribution line joins the quote below it (blank lines between
	// them too); an Outlook "Original Message" line quotes all that
	// follows.
	for i, ln := range lines {
		if kinds[i] != BlockText || !attributionRE.MatchString(strings.TrimSpace(ln)) {
			continue
		}
		if strings.Contains(strings.ToLower(ln), "original message") {
			for j := i; j < len(lines) && kinds[j] != BlockSignature; j++ {
				kinds[j] = BlockQuote
			}
			continue
		}
		j := i + 1
		for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
			j++
		}
		if j < len(lines) && kinds[j] == BlockQuote {
			for k := i; k < j; k++ {
				kinds[k] = BlockQuote
			}
		}
	}
	var out []TextBlock
	for i, ln := range lines {
		if len(out) == 0 || out[len(out)-1].Kind != kinds[i] {
			out = append(out, TextBlock{Kind: kinds[i]})
		}
		b := &out[len(out)-1]
		b.Lines = append(b.Lines, linkSpans(ln))
	}
	return out
}

// linkSpans splits a line into text and http(s) links.
func linkSpans(line string) TextLine {
	var out TextLine
	pos := 0
	for _, r := range search.FindURLs(line) {
		if r[0] > pos {
			out = append(out, TextSpan{Text: hideAddresses(line[pos:r[0]])})
		}
		u := line[r[0]:r[1]]
		out = append(out, TextSpan{Text: u, URL: u})
		pos = r[1]
	}
	if pos < len(line) || len(out) == 0 {
		out = append(out, TextSpan{Text: hideAddresses(line[pos:])})
	}
	return out
}

// htmlPolicy is the sanitiser for HTML-only posts: bluemonday's policy
// for user content (no scripts, event handlers, styles, forms, frames),
// links opened in a new tab without a referrer and marked nofollow.
func htmlPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoReferrerOnLinks(true)
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}

// SanitizeHTML makes an HTML post safe to show: remote images become
// links unless loadImages (tracking pixels are dropped either way),
// links other than http(s) lose their address, addresses in the text
// lose their domain, and bluemonday removes everything that could run
// or restyle the page. It returns the HTML and how many images it
// replaced.
func SanitizeHTML(src string, loadImages bool) (string, int) {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return "", 0
	}
	blocked := prepareHTML(doc, loadImages)
	var buf bytes.Buffer
	if err := html.Render(&buf, doc); err != nil {
		return "", blocked
	}
	out := htmlPolicy().SanitizeBytes(buf.Bytes())
	if !loadImages {
		// Belt and braces: prepareHTML replaced every image already.
		out = stripImgTags(out)
	}
	return strings.TrimSpace(string(out)), blocked
}

var imgTagRE = regexp.MustCompile(`(?i)<img\b[^>]*>`)

func stripImgTags(b []byte) []byte { return imgTagRE.ReplaceAll(b, nil) }

// prepareHTML rewrites the tree before sanitising and returns how many
// remote images it replaced.
func prepareHTML(n *html.Node, loadImages bool) int {
	blocked := 0
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			switch {
			case c.Type == html.ElementNode && c.DataAtom == atom.Img:
				src := attr(c, "src")
				tiny := isTiny(attr(c, "width")) || isTiny(attr(c, "height"))
				remote := strings.HasPrefix(strings.ToLower(src), "http://") || strings.HasPrefix(strings.ToLower(src), "https://")
				switch {
				case tiny || !remote:
					n.RemoveChild(c) // tracking pixel, cid: or data: image
				case !loadImages:
					alt := strings.TrimSpace(attr(c, "alt"))
					if alt == "" {
						alt = "image"
					}
					a := &html.Node{Type: html.ElementNode, Data: "a", DataAtom: atom.A,
						Attr: []html.Attribute{{Key: "href", Val: src}}}
					a.AppendChild(&html.Node{Type: html.TextNode, Data: "[" + alt + "]"})
					n.InsertBefore(a, c)
					n.RemoveChild(c)
					blocked++
				default:
					c.Attr = []html.Attribute{{Key: "src", Val: src}, {Key: "alt", Val: attr(c, "alt")}}
				}
			case c.Type == html.ElementNode && c.DataAtom == atom.A:
				href := strings.TrimSpace(attr(c, "href"))
				l := strings.ToLower(href)
				c.Attr = nil
				if strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") {
					c.Attr = []html.Attribute{{Key: "href", Val: href}}
				}
				walk(c)
			case c.Type == html.TextNode:
				c.Data = hideAddresses(c.Data)
			case c.Type == html.ElementNode:
				walk(c)
			}
			c = next
		}
	}
	walk(n)
	return blocked
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func isTiny(v string) bool {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), "px"))
	return err == nil && n <= 2
}

// ParseMonth reads "YYYY-MM" as written in an archive path.
func ParseMonth(s string) (int, time.Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return 0, 0, fmt.Errorf("%q is not a month; write it as YYYY-MM", s)
	}
	return t.Year(), t.Month(), nil
}

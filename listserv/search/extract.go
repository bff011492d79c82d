// Package search keeps the archive's derived data: a full-text index of
// every archived post (bleve, in its own directory) and the resource hub
// (every link and attachment shared in a post, in its own bbolt file).
// Both are rebuilt from the archive when missing or damaged and caught up
// from a per-list mark after a crash, so they never hold the only copy of
// anything. Who may read what is decided by the caller (package listserv):
// this package only filters by the set of lists it is given.
package search

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode legacy charsets
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Limits that keep one hostile post from costing much.
const (
	maxPartBytes  = 4 << 20 // bytes read from one text part
	maxTextBytes  = 1 << 20 // text kept for indexing and views
	maxLinks      = 200     // links kept per post
	maxAttachment = 64      // attachments listed per post
)

// Link is one link found in a post: its address and the words it was
// shown with (link text, or the text before it on its line).
type Link struct {
	URL   string
	Title string
}

// Attachment is one attached file of a post. N counts attachments from 1
// in the order they appear.
type Attachment struct {
	N           int
	Name        string
	ContentType string // as declared by the sender (lowercase, no parameters)
	Size        int
	// SHA256 is the hex digest of the decoded bytes: the same file
	// attached twice is one resource.
	SHA256 string
}

// Parsed is what one parse of a post yields for search, the hub and the
// message view.
type Parsed struct {
	// Text is the first text/plain part, decoded to UTF-8.
	Text string
	// HTML is the first text/html part (raw, unsanitised); HTMLText is
	// the text extracted from it.
	HTML     string
	HTMLText string
	// PageTitle is the <title> of an HTML part.
	PageTitle   string
	Links       []Link
	Attachments []Attachment
	Tags        []string
}

// Body is the text a reader sees: the plain part, else the text of the
// HTML part.
func (p *Parsed) Body() string {
	if strings.TrimSpace(p.Text) != "" {
		return p.Text
	}
	return p.HTMLText
}

// Parse reads a post's MIME structure once. It never fails: what cannot
// be decoded is left out (a post with a broken structure still yields
// whatever parts could be read).
func Parse(raw []byte) Parsed { return parse(raw, 0) }

// ParseText reads only a post's text: the first limit bytes of its plain
// and HTML parts, without links, tags or attachments (what a search
// result's snippet and a phrase check need; a large post's links and
// tags took a search page seconds).
func ParseText(raw []byte, limit int) Parsed { return parse(raw, max(limit, 1)) }

func parse(raw []byte, textOnly int) Parsed {
	var p Parsed
	e, err := message.Read(bytes.NewReader(raw))
	if e == nil {
		return p
	}
	_ = err // unknown charsets still give a readable entity
	n := 0
	_ = e.Walk(func(_ []int, part *message.Entity, werr error) error {
		if werr != nil && !message.IsUnknownCharset(werr) && !message.IsUnknownEncoding(werr) {
			return nil
		}
		if part.MultipartReader() != nil {
			return nil
		}
		ct, disp, name := partShape(part)
		inline := disp != "attachment" && name == ""
		if textOnly > 0 {
			if inline && (ct == "text/plain" && p.Text == "" || ct == "text/html" && p.HTML == "") {
				body, _ := io.ReadAll(io.LimitReader(part.Body, int64(textOnly)))
				text := toValidUTF8(body)
				if ct == "text/plain" {
					p.Text = text
				} else {
					p.HTML = text
					p.HTMLText = HTMLToText(text).Text
				}
			}
			return nil
		}
		if inline && (ct == "text/plain" || ct == "text/html") {
			body, _ := io.ReadAll(io.LimitReader(part.Body, maxPartBytes))
			text := toValidUTF8(body)
			if ct == "text/plain" && p.Text == "" {
				p.Text = capText(text)
			} else if ct == "text/html" && p.HTML == "" {
				p.HTML = text
				h := HTMLToText(text)
				p.HTMLText, p.PageTitle = capText(h.Text), h.Title
				p.Links = append(p.Links, h.Links...)
			}
			return nil
		}
		if strings.HasPrefix(ct, "multipart/") {
			return nil
		}
		n++
		if n > maxAttachment {
			return nil
		}
		h := sha256.New()
		size, _ := io.Copy(h, io.LimitReader(part.Body, 64<<20))
		if name == "" {
			name = defaultName(n, ct)
		}
		p.Attachments = append(p.Attachments, Attachment{
			N: n, Name: cleanFileName(name), ContentType: ct, Size: int(size),
			SHA256: hex.EncodeToString(h.Sum(nil)),
		})
		return nil
	})
	if textOnly > 0 {
		return p
	}
	if p.Text != "" {
		// Links of the plain part come first; HTML links that repeat them
		// are dropped below.
		p.Links = append(TextLinks(p.Text), p.Links...)
	}
	p.Links = dedupLinks(p.Links)
	p.Tags = Tags(p.Body())
	return p
}

// AttachmentBody returns the decoded bytes of attachment n (counted as
// Parse counts), or false.
func AttachmentBody(raw []byte, n int) (Attachment, []byte, bool) {
	e, _ := message.Read(bytes.NewReader(raw))
	if e == nil {
		return Attachment{}, nil, false
	}
	var (
		found Attachment
		data  []byte
		ok    bool
		i     int
	)
	_ = e.Walk(func(_ []int, part *message.Entity, werr error) error {
		if ok || part.MultipartReader() != nil {
			return nil
		}
		ct, disp, name := partShape(part)
		if disp != "attachment" && name == "" && (ct == "text/plain" || ct == "text/html") {
			return nil
		}
		if strings.HasPrefix(ct, "multipart/") {
			return nil
		}
		i++
		if i != n {
			return nil
		}
		data, _ = io.ReadAll(io.LimitReader(part.Body, 64<<20))
		if name == "" {
			name = defaultName(n, ct)
		}
		found = Attachment{N: n, Name: cleanFileName(name), ContentType: ct, Size: len(data)}
		ok = true
		return nil
	})
	return found, data, ok
}

func defaultName(n int, ct string) string {
	ext := ""
	if exts, _ := mime.ExtensionsByType(ct); len(exts) > 0 {
		ext = exts[0]
	}
	return "attachment-" + itoa(n) + ext
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// cleanFileName keeps the last path element of a sender's file name and
// drops control characters, so a name can be shown and offered as a
// download name without surprises.
func cleanFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(strings.TrimSpace(name))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" || name == "" {
		return "attachment"
	}
	if len(name) > 200 {
		name = name[:200]
		for !utf8.ValidString(name) {
			name = name[:len(name)-1]
		}
	}
	return name
}

func toValidUTF8(b []byte) string {
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\r\n", "\n")
}

func capText(s string) string {
	if len(s) <= maxTextBytes {
		return s
	}
	s = s[:maxTextBytes]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// urlRE finds http(s) links in plain text.
var urlRE = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"'\x60{}|\\^\[\]]+`)

// TextLinks finds the links in plain text, each titled by the words
// before it on its line ("Slides from Tuesday: https://…"), if any.
func TextLinks(text string) []Link {
	var out []Link
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), ">") {
			continue // quoted from an earlier post: shared there
		}
		locs := urlRE.FindAllStringIndex(line, -1)
		prevEnd := 0
		for _, loc := range locs {
			u := trimURL(line[loc[0]:loc[1]])
			title := strings.TrimSpace(line[prevEnd:loc[0]])
			title = strings.TrimRight(title, ":-–—(<[ \t")
			title = strings.TrimSpace(title)
			if utf8.RuneCountInString(title) > 120 || utf8.RuneCountInString(title) < 3 {
				title = ""
			}
			out = append(out, Link{URL: u, Title: title})
			prevEnd = loc[0] + len(u)
			if len(out) >= maxLinks {
				return out
			}
		}
	}
	return out
}

// FindURLs returns the byte ranges of links in s (for the message view).
func FindURLs(s string) [][2]int {
	var out [][2]int
	for _, loc := range urlRE.FindAllStringIndex(s, -1) {
		u := trimURL(s[loc[0]:loc[1]])
		out = append(out, [2]int{loc[0], loc[0] + len(u)})
	}
	return out
}

// trimURL drops punctuation that ends a sentence rather than the link,
// and a closing parenthesis without its opening one.
func trimURL(u string) string {
	for len(u) > 0 {
		c := u[len(u)-1]
		switch {
		case strings.IndexByte(".,;:!?*'", c) >= 0:
			u = u[:len(u)-1]
		case c == ')' && strings.Count(u, "(") < strings.Count(u, ")"):
			u = u[:len(u)-1]
		default:
			return u
		}
	}
	return u
}

func dedupLinks(in []Link) []Link {
	seen := map[string]int{}
	var out []Link
	for _, l := range in {
		if !strings.HasPrefix(strings.ToLower(l.URL), "http://") && !strings.HasPrefix(strings.ToLower(l.URL), "https://") {
			continue
		}
		k := NormalizeURL(l.URL)
		if i, ok := seen[k]; ok {
			if out[i].Title == "" {
				out[i].Title = l.Title
			}
			continue
		}
		seen[k] = len(out)
		out = append(out, l)
		if len(out) >= maxLinks {
			break
		}
	}
	return out
}

// tagRE finds #tags: a letter first, then letters, digits, _ or -.
var tagRE = regexp.MustCompile(`(?:^|[\s(\[,;])#(\pL[\pL\pN\pM_-]{1,40})`)

// Tags returns the #tags written in text (lowercase, each once, in
// order), ignoring quoted lines.
func Tags(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), ">") {
			continue
		}
		for _, m := range tagRE.FindAllStringSubmatch(line, -1) {
			t := strings.ToLower(strings.TrimRight(m[1], "-_"))
			if len(t) < 2 || seen[t] {
				continue
			}
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// HTMLText is what HTMLToText finds in an HTML part.
type HTMLText struct {
	Text  string
	Title string
	Links []Link
}

// HTMLToText extracts readable text from HTML: block elements become line
// breaks, scripts, styles and the head are dropped, and <a href> links
// are collected with their text. It never fails and stops after the
// text limit.
func HTMLToText(s string) HTMLText {
	var (
		out       HTMLText
		b         strings.Builder
		skip      int // depth inside script/style/head-only content
		inTitle   bool
		title     strings.Builder
		linkHref  string
		linkText  strings.Builder
		inLink    bool
		lastBreak = true
	)
	z := html.NewTokenizer(strings.NewReader(s))
	brk := func() {
		if !lastBreak {
			b.WriteByte('\n')
			lastBreak = true
		}
	}
	for b.Len() < maxTextBytes {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Math, atom.Iframe, atom.Object:
				if tt == html.StartTagToken {
					skip++
				}
			case atom.Title:
				inTitle = tt == html.StartTagToken
			case atom.A:
				href := ""
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" {
						href = strings.TrimSpace(string(v))
					}
				}
				if tt == html.StartTagToken && skip == 0 {
					inLink, linkHref = true, href
					linkText.Reset()
				}
			case atom.Br:
				b.WriteByte('\n')
				lastBreak = true
			default:
				if isBlock(a) {
					brk()
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Math, atom.Iframe, atom.Object:
				if skip > 0 {
					skip--
				}
			case atom.Title:
				inTitle = false
			case atom.A:
				if inLink {
					inLink = false
					if len(out.Links) < maxLinks && linkHref != "" {
						out.Links = append(out.Links, Link{URL: linkHref, Title: collapseSpace(linkText.String())})
					}
				}
			default:
				if isBlock(a) {
					brk()
				}
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			if inTitle {
				title.WriteString(t)
				continue
			}
			t = collapseSpace(t)
			if t == "" {
				continue
			}
			if !lastBreak {
				b.WriteByte(' ')
			}
			b.WriteString(t)
			lastBreak = false
			if inLink {
				linkText.WriteString(t + " ")
			}
		}
	}
	out.Text = strings.TrimSpace(capText(b.String()))
	out.Title = collapseSpace(title.String())
	if utf8.RuneCountInString(out.Title) > 200 {
		out.Title = string([]rune(out.Title)[:200])
	}
	return out
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.Tr, atom.Table, atom.H1, atom.H2, atom.H3,
		atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Pre, atom.Hr, atom.Section, atom.Article,
		atom.Header, atom.Footer, atom.Dd, atom.Dt, atom.Dl, atom.Td, atom.Th:
		return true
	}
	return false
}

func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// partShape reads a part's content type (lower case, text/plain when
// missing), its disposition and its file name (filename, else the
// type's name, RFC 2047 words decoded), as Extract and Attachment both
// judge a part by them.
func partShape(part *message.Entity) (ct, disp, name string) {
	ct, ctParams, _ := part.Header.ContentType()
	ct = strings.ToLower(ct)
	if ct == "" {
		ct = "text/plain"
	}
	disp, dParams, _ := part.Header.ContentDisposition()
	name = dParams["filename"]
	if name == "" {
		name = ctParams["name"]
	}
	if name != "" {
		if dec, err := new(mime.WordDecoder).DecodeHeader(name); err == nil {
			name = dec
		}
	}
	return ct, disp, name
}

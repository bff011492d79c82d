package digest

import (
	"bytes"
	"html"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// An HTML-only post is read once into a node tree. Its quotes and
// signature are cut from the tree; the same tree then gives the text for
// the text part and, sanitised, the HTML for the HTML part, so both show
// the same words.

// sanitizer is the HTML a post may bring into a digest: text structure
// and links (http, https, mailto) only. No scripts, styles, forms,
// frames, event handlers or images (a remote image tells its sender who
// opened the digest, and when).
func sanitizer() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "div", "span", "b", "strong", "i", "em", "u", "s", "sub", "sup", "small",
		"ul", "ol", "li", "dl", "dt", "dd", "pre", "code", "hr", "q", "cite", "abbr",
		"table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("colspan", "rowspan").OnElements("td", "th")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	p.SkipElementsContent("script", "style", "title", "head", "noscript", "template", "object", "embed", "iframe", "svg", "math")
	return p
}

// quoteClasses and signatureClasses are how mail programs mark the
// quoted message and the signature in HTML (Gmail, Yahoo, Thunderbird,
// Apple Mail, Outlook).
var (
	quoteClasses     = []string{"gmail_quote", "gmail_quote_container", "yahoo_quoted", "moz-cite-prefix", "gmail_attr"}
	signatureClasses = []string{"gmail_signature", "moz-signature"}
	signatureIDs     = []string{"signature", "applemailsignature", "ms-outlook-mobile-signature"}
	// Outlook puts the quoted header in #divRplyFwdMsg and the original
	// after it; #appendonsend marks the same spot.
	quoteStartIDs = []string{"divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container"}
)

// cleanHTML reads an HTML post: its words as text and as sanitised HTML
// without quotes, signature, mobile footer and list footer (foot), and
// what was left out.
func cleanHTML(src, foot string) (text, safe string, trimmed []string) {
	doc, err := xhtml.Parse(strings.NewReader(src))
	if err != nil {
		return "", "", nil
	}
	var quoted, sig, mobile bool
	var cut func(n *xhtml.Node) bool // true: stop, everything after is quoted
	cut = func(n *xhtml.Node) bool {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			switch {
			case c.Type == xhtml.ElementNode && hasAny(idOf(c), quoteStartIDs):
				// The rest of the message is the message replied to.
				for d := c; d != nil; {
					dn := d.NextSibling
					n.RemoveChild(d)
					d = dn
				}
				quoted = true
				return true
			case c.Type == xhtml.ElementNode && (c.DataAtom == atom.Blockquote || hasClass(c, quoteClasses)):
				n.RemoveChild(c)
				quoted = true
			case c.Type == xhtml.ElementNode && (hasClass(c, signatureClasses) || hasAny(idOf(c), signatureIDs) || attr(c, "data-smartmail") == "gmail_signature"):
				n.RemoveChild(c)
				sig = true
			case c.Type == xhtml.ElementNode && (c.DataAtom == atom.Img || c.DataAtom == atom.Picture || c.DataAtom == atom.Script || c.DataAtom == atom.Style || c.DataAtom == atom.Head):
				n.RemoveChild(c)
			case c.Type == xhtml.TextNode && reMobile.MatchString(strings.TrimSpace(c.Data)):
				n.RemoveChild(c)
				mobile = true
			case c.Type == xhtml.CommentNode:
				n.RemoveChild(c)
			default:
				if c.Type == xhtml.ElementNode {
					switch c.DataAtom {
					case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
						// The digest's headings are its threads and posts;
						// a post's own headings become bold paragraphs.
						c.DataAtom, c.Data = atom.P, "p"
						c.Attr = nil
						b := &xhtml.Node{Type: xhtml.ElementNode, DataAtom: atom.Strong, Data: "strong"}
						for k := c.FirstChild; k != nil; {
							kn := k.NextSibling
							c.RemoveChild(k)
							b.AppendChild(k)
							k = kn
						}
						c.AppendChild(b)
					}
				}
				if cut(c) {
					// Everything after c at this level is quoted too.
					for d := next; d != nil; {
						dn := d.NextSibling
						n.RemoveChild(d)
						d = dn
					}
					return true
				}
			}
			c = next
		}
		return false
	}
	cut(doc)
	body := findBody(doc)
	var tb strings.Builder
	htmlText(&tb, body, false)
	text, more := trimText(tb.String(), foot)
	var hb bytes.Buffer
	for c := body.FirstChild; c != nil; c = c.NextSibling {
		xhtml.Render(&hb, c)
	}
	safe = strings.TrimSpace(sanitizer().Sanitize(hb.String()))
	if quoted {
		trimmed = append(trimmed, "quoted text")
	}
	if sig {
		trimmed = append(trimmed, "signature")
	}
	if mobile {
		trimmed = append(trimmed, "mobile footer")
	}
	for _, w := range more {
		if !contains(trimmed, w) {
			trimmed = append(trimmed, w)
		}
	}
	return text, safe, orderTrim(trimmed)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// orderTrim puts the notes in one order: quoted text, signature, mobile
// footer.
func orderTrim(in []string) []string {
	var out []string
	for _, w := range []string{"quoted text", "signature", "mobile footer"} {
		if contains(in, w) {
			out = append(out, w)
		}
	}
	return out
}

func findBody(n *xhtml.Node) *xhtml.Node {
	if n.Type == xhtml.ElementNode && n.DataAtom == atom.Body {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if b := findBody(c); b != nil {
			return b
		}
	}
	if n.Type == xhtml.DocumentNode {
		return n
	}
	return nil
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func idOf(n *xhtml.Node) string { return strings.ToLower(attr(n, "id")) }

func hasAny(v string, set []string) bool {
	return v != "" && contains(set, v)
}

func hasClass(n *xhtml.Node, classes []string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if contains(classes, c) {
			return true
		}
	}
	return false
}

var reSpaces = regexp.MustCompile(`[ \t\r\n\f]+`)

// htmlText writes the text of a node tree: blocks on their own lines,
// list items with "- ", links as "words <URL>".
func htmlText(b *strings.Builder, n *xhtml.Node, pre bool) {
	if n == nil {
		return
	}
	switch n.Type {
	case xhtml.TextNode:
		if pre {
			b.WriteString(n.Data)
			return
		}
		b.WriteString(reSpaces.ReplaceAllString(n.Data, " "))
		return
	case xhtml.ElementNode:
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Head, atom.Title, atom.Img:
			return
		case atom.Br:
			b.WriteString("\n")
			return
		}
	}
	block := false
	if n.Type == xhtml.ElementNode {
		switch n.DataAtom {
		case atom.P, atom.Div, atom.Ul, atom.Ol, atom.Table, atom.Tr, atom.Pre, atom.H1, atom.H2, atom.H3,
			atom.H4, atom.H5, atom.H6, atom.Hr, atom.Dl, atom.Dt, atom.Dd, atom.Section, atom.Article:
			block = true
			b.WriteString("\n")
		case atom.Li:
			b.WriteString("\n- ")
		case atom.Td, atom.Th:
			b.WriteString(" ")
		}
		if n.DataAtom == atom.Pre {
			pre = true
		}
	}
	start := b.Len()
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		htmlText(b, c, pre)
	}
	if n.Type == xhtml.ElementNode && n.DataAtom == atom.A {
		href := attr(n, "href")
		words := strings.TrimSpace(b.String()[start:])
		if (strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "https://")) && words != href {
			b.WriteString(" <" + href + ">")
		}
	}
	if block {
		b.WriteString("\n")
	}
}

// textHTML shows a text post in the HTML part: paragraphs at blank
// lines, line breaks kept, web addresses as links. Everything is
// escaped here; the result is safe to insert as it is.
func textHTML(text string) string {
	var b strings.Builder
	for _, para := range strings.Split(text, "\n\n") {
		para = strings.Trim(para, "\n")
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		for i, line := range strings.Split(para, "\n") {
			if i > 0 {
				b.WriteString("<br>\n")
			}
			b.WriteString(linkify(line))
		}
		b.WriteString("</p>\n")
	}
	return b.String()
}

var reURL = regexp.MustCompile(`https?://[^\s<>"]+[^\s<>".,;:!?)\]'’”]`)

// linkify escapes a line of text and makes its web addresses links.
func linkify(line string) string {
	var b strings.Builder
	last := 0
	for _, m := range reURL.FindAllStringIndex(line, -1) {
		b.WriteString(html.EscapeString(line[last:m[0]]))
		u := html.EscapeString(line[m[0]:m[1]])
		b.WriteString(`<a href="` + u + `">` + u + `</a>`)
		last = m[1]
	}
	b.WriteString(html.EscapeString(line[last:]))
	return b.String()
}

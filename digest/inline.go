package digest

import (
	"bytes"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	gomessage "github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode ISO-8859-x and friends

	"minyan/listserv/i18n"
)

// A digest shows each post's own words: the text a member would read in
// the post itself, without the quoted message it answers, the signature,
// the "Sent from my iPhone" line or the list's footer. What was left out
// is named in a note, so nobody thinks words went missing.

// maxInlineText bounds how much of one post's text is decoded for the
// digest (the full post is always in the attached copy).
const maxInlineText = 256 << 10

// postBody is what a digest shows of one archived post.
type postBody struct {
	// Text is the post's own words as plain text, trimmed.
	Text string
	// HTML is the post's own words as HTML for the HTML part: the
	// sanitised HTML of a post written only in HTML, or "" for a text
	// post (its Text is shown).
	HTML string
	// Trimmed names what was left out ("quoted text", "signature",
	// "mobile footer"), in that order; empty when nothing was.
	Trimmed []string
	// Attachments are the post's files, numbered as the web archive
	// numbers them.
	Attachments []attachment
}

// attachment is one file of a post.
type attachment struct {
	// N counts the post's attachments from 1 in the order they appear
	// in the message (depth first).
	N    int
	Name string
	Size int64
	// URL is its address in the web archive, "" when there is none.
	URL string
}

// SizeText is the size for people, in the reader's language ({{local
// .SizeText}}): "820 bytes", "12 KB", "1.4 MB".
func (a attachment) SizeText() Size { return Size(a.Size) }

// Size is a file's size written for people: bytes with the language's
// plural, else KB or MB with its decimal mark. String is the English.
type Size int64

// String is the size in English.
func (n Size) String() string { return n.In(i18n.English) }

// In writes the size in language l.
func (n Size) In(l i18n.Lang) string {
	c := i18n.Builtin()
	switch {
	case n < 1000:
		return c.N(l, "size.bytes", int(n))
	case n < 1000*1000:
		return c.T(l, "size.kb", int64(n+500)/1000)
	default:
		mb := strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64)
		return c.T(l, "size.mb", strings.Replace(mb, ".", c.T(l, "size.decimal"), 1))
	}
}

// TrimNote is the note shown where a post was trimmed, naming what was
// left out ("Quoted text and signature trimmed."), in the reader's
// language ({{local .TrimNote}}); empty, and false in {{if}}, when
// nothing was. Its parts are postBody.Trimmed's words, each a key of the
// catalogue (trim.part_quoted_text, …).
type TrimNote []string

// String is the note in English.
func (n TrimNote) String() string { return n.In(i18n.English) }

// In writes the note in language l.
func (n TrimNote) In(l i18n.Lang) string {
	if len(n) == 0 {
		return ""
	}
	c := i18n.Builtin()
	parts := make([]string, len(n))
	for i, w := range n {
		parts[i] = c.T(l, "trim.part_"+strings.ReplaceAll(w, " ", "_"))
	}
	what := parts[len(parts)-1]
	if len(parts) > 1 {
		what = c.T(l, "trim.and", parts[len(parts)-2], what)
		for i := len(parts) - 3; i >= 0; i-- {
			what = c.T(l, "trim.list", parts[i], what)
		}
	}
	s := c.T(l, "trim.note", what)
	first, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(first)) + s[size:]
}

// extractPost reads an archived post: its text and HTML body parts and
// its attachments. footer is the list's footer (added to every post when
// it was distributed), trimmed silently.
func extractPost(raw []byte, footer string) postBody {
	var (
		plain, html string
		gotPlain    bool
		gotHTML     bool
		extraPlain  []string
		atts        []attachment
		depth       int
	)
	var walk func(e *gomessage.Entity, parentAlt bool)
	walk = func(e *gomessage.Entity, parentAlt bool) {
		ct, params, _ := e.Header.ContentType()
		if mr := e.MultipartReader(); mr != nil {
			alt := ct == "multipart/alternative"
			depth++
			for depth < 20 {
				p, err := mr.NextPart()
				if err != nil {
					break
				}
				walk(p, alt)
			}
			depth--
			return
		}
		disp, dparams, _ := e.Header.ContentDisposition()
		name := dparams["filename"]
		if name == "" {
			name = params["name"]
		}
		text := ct == "" || ct == "text/plain" || ct == "text/html"
		if disp == "attachment" || name != "" || !text {
			n, _ := io.Copy(io.Discard, e.Body)
			if name == "" {
				name = describeUnnamed(ct, e)
			}
			atts = append(atts, attachment{N: len(atts) + 1, Name: oneLine(name), Size: n})
			return
		}
		b, _ := io.ReadAll(io.LimitReader(e.Body, maxInlineText))
		switch {
		case ct == "text/html" && !gotHTML:
			html, gotHTML = string(b), true
		case ct != "text/html" && !gotPlain:
			plain, gotPlain = string(b), true
		case ct != "text/html" && !parentAlt:
			extraPlain = append(extraPlain, string(b)) // a footer part, or more text of a mixed body
		}
	}
	e, err := gomessage.Read(bytes.NewReader(raw))
	if e == nil {
		return postBody{}
	}
	_ = err // an unknown charset still yields a readable entity
	walk(e, false)

	var out postBody
	out.Attachments = atts
	foot := normalizeLines(footer)
	if gotPlain {
		for _, x := range extraPlain {
			if normalizeLines(x) != foot {
				plain += "\n\n" + x
			}
		}
		out.Text, out.Trimmed = trimText(plain, foot)
		return out
	}
	if gotHTML {
		out.Text, out.HTML, out.Trimmed = cleanHTML(html, foot)
	}
	return out
}

// describeUnnamed names a file that came without a name.
func describeUnnamed(ct string, e *gomessage.Entity) string {
	if ct == "message/rfc822" {
		return "forwarded message.eml"
	}
	if ct == "" {
		ct = "file"
	}
	return "unnamed " + ct
}

// normalizeLines is text with LF line ends, no trailing blanks on lines
// and no blank lines around it: what two copies of a footer share.
func normalizeLines(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

var (
	// reOnWrote is the attribution line above a quote: "On Tue, Nov 3,
	// 2026 at 9:00 AM Alice <alice@example.net> wrote:", "Alice wrote:",
	// and a few languages' equivalents.
	reOnWrote = regexp.MustCompile(`(?i)^(on\b.*\bwrote:|.*\bwrote:|am\b.*\bschrieb.*:|le\b.*\ba écrit\s*:|el\b.*\bescribió:)$`)
	// reOriginal marks where a quoted message starts in Outlook style.
	reOriginal = regexp.MustCompile(`(?i)^(-{2,}\s*original message\s*-{2,}|_{10,})$`)
	// reMobile are the lines phones and mail apps add under a message.
	reMobile = regexp.MustCompile(`(?i)^(sent from my \S.{0,40}|sent from (outlook|yahoo mail|mail for windows|proton ?mail|gmail|samsung).{0,40}|get outlook for (ios|android).{0,20}|sent (via|from) (the )?\S+ (app|mobile).{0,20}|enviado desde mi .{1,40}|von meinem .{1,40} gesendet|envoy[ée] de mon .{1,40})$`)
)

// trimText leaves out a text post's quotes, signature, mobile footer and
// the list footer (foot, normalised), and says what it left out.
func trimText(text, foot string) (string, []string) {
	text = normalizeLines(text)
	if foot != "" {
		if t, ok := strings.CutSuffix(text, foot); ok {
			// The "-- " line the list put above its footer goes with
			// it: it is no sign that the author wrote a signature.
			t = strings.TrimRight(t, "\n")
			if t == "--" {
				t = ""
			}
			text = strings.TrimRight(strings.TrimSuffix(t, "\n--"), "\n")
		}
	}
	lines := strings.Split(text, "\n")
	var out []string
	var quoted, sig, mobile bool
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		t := strings.TrimSpace(line)
		switch {
		case line == "-- " || t == "--":
			sig = true
			// A phone line under the signature is still a phone line.
			for _, rest := range lines[i+1:] {
				if reMobile.MatchString(strings.TrimSpace(rest)) {
					mobile = true
				}
			}
			i = len(lines)
			continue
		case reOriginal.MatchString(t), isHeaderQuote(lines, i):
			quoted = true
			i = len(lines)
			continue
		case strings.HasPrefix(t, ">"):
			quoted = true
			continue
		case reOnWrote.MatchString(t) && (quoteFollows(lines, i+1) || strings.HasPrefix(strings.ToLower(t), "on ")):
			quoted = true
			continue
		case strings.HasPrefix(strings.ToLower(t), "on ") && i+1 < len(lines) &&
			reOnWrote.MatchString(t+" "+strings.TrimSpace(lines[i+1])) && quoteFollows(lines, i+2):
			quoted = true // an attribution wrapped over two lines
			i++
			continue
		case reMobile.MatchString(t):
			mobile = true
			continue
		}
		out = append(out, line)
	}
	var what []string
	if quoted {
		what = append(what, "quoted text")
	}
	if sig {
		what = append(what, "signature")
	}
	if mobile {
		what = append(what, "mobile footer")
	}
	return squeezeBlank(out), what
}

// quoteFollows tells whether the next non-blank line from i is quoted
// (or there is none: an attribution line at the very end).
func quoteFollows(lines []string, i int) bool {
	for ; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t == "" {
			continue
		}
		return strings.HasPrefix(t, ">")
	}
	return true
}

// isHeaderQuote tells whether line i starts an Outlook-style quoted
// header block ("From: ..." then "Sent: ..." or "Date: ...").
func isHeaderQuote(lines []string, i int) bool {
	t := strings.TrimSpace(lines[i])
	if !strings.HasPrefix(t, "From: ") || i+1 >= len(lines) {
		return false
	}
	n := strings.TrimSpace(lines[i+1])
	return strings.HasPrefix(n, "Sent: ") || strings.HasPrefix(n, "Date: ")
}

// squeezeBlank joins lines, keeping at most one blank line in a row and
// none at either end.
func squeezeBlank(lines []string) string {
	var b strings.Builder
	blank := false
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			blank = b.Len() > 0
			continue
		}
		if blank {
			b.WriteString("\n")
			blank = false
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(l)
	}
	return b.String()
}

// leadLines is the opening of a trimmed text: at most n non-blank lines
// and maxChars characters, and whether anything was left out.
func leadLines(text string, n, maxChars int) ([]string, bool) {
	var out []string
	total := 0
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if len(out) == n || total >= maxChars {
			return out, true
		}
		if total+len(l) > maxChars {
			out = append(out, truncate(l, maxChars-total))
			return out, true
		}
		out = append(out, l)
		total += len(l)
	}
	return out, false
}

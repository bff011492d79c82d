package listserv

import (
	"bytes"
	"html"
	"io"
	"mime"
	"regexp"
	"strings"

	"github.com/emersion/go-message/mail"
)

// maxReplyText bounds how much of a reply is read to find a one-word
// answer; people answer at the top or right below a quote.
const maxReplyText = 64 << 10

// ReplyText returns the readable text of a message: the first text/plain
// part, or the first text/html part turned into text when that is all
// there is (some phone clients and Outlook send HTML only).
func ReplyText(raw []byte) string {
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if r == nil {
		return ""
	}
	_ = err // an unknown charset still gives a readable reader
	var htmlText string
	for {
		p, err := r.NextPart()
		if err != nil {
			break
		}
		h, ok := p.Header.(*mail.InlineHeader)
		if !ok {
			continue
		}
		ct, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
		if ct == "" {
			ct = "text/plain"
		}
		b, _ := io.ReadAll(io.LimitReader(p.Body, maxReplyText))
		switch ct {
		case "text/plain":
			return string(b)
		case "text/html":
			if htmlText == "" {
				htmlText = HTMLToText(string(b))
			}
		}
	}
	return htmlText
}

var (
	reQuoteBlock = regexp.MustCompile(`(?is)<blockquote.*?</blockquote>|<div[^>]*class="?(gmail_quote|gmail_attr|moz-cite-prefix)[^>]*>.*$|<div[^>]*id="?(divRplyFwdMsg|appendonsend|mail-editor-reference-message-container)[^>]*>.*$`)
	reBreaks     = regexp.MustCompile(`(?i)<br\s*/?>|</p>|</div>|</li>|</tr>|<hr[^>]*>`)
	reTags       = regexp.MustCompile(`(?s)<[^>]*>`)
	reStyle      = regexp.MustCompile(`(?is)<(style|script|head)[^>]*>.*?</(style|script|head)>`)
)

// HTMLToText turns an HTML reply into plain lines, dropping quoted blocks
// (blockquote, Gmail's and Thunderbird's quote containers, Outlook's reply
// header block) so only what the person wrote remains.
func HTMLToText(s string) string {
	s = reStyle.ReplaceAllString(s, "")
	s = reQuoteBlock.ReplaceAllString(s, "\n")
	s = reBreaks.ReplaceAllString(s, "\n")
	s = reTags.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	return strings.ReplaceAll(s, "\u00a0", " ")
}

var (
	// "On Mon, Nov 2, 2026 at 10:00 AM Alice <a@x> wrote:", also split
	// over two lines, and the common translations.
	reAttribution = regexp.MustCompile(`(?i)^(on\b.*|le\b.*|am\b.*|el\b.*|em\b.*|op\b.*)(wrote|écrit|schrieb|escribió|escreveu|geschreven)\s*:?\s*$`)
	reWroteTail   = regexp.MustCompile(`(?i)^.*\b(wrote|écrit|schrieb|escribió|escreveu):\s*$`)
	// Lines after which everything is the quoted original.
	reOriginal = regexp.MustCompile(`(?i)^(-{2,}\s*(original message|forwarded message|urspr.ngliche nachricht|message d'origine)\s*-{2,}|_{5,}|-{5,}|from:\s.+|de\s*:\s.+|von:\s.+|\*from:\*.+)$`)
	// Footers phones and webmail add.
	reFooter = regexp.MustCompile(`(?i)^(sent from (my )?(iphone|ipad|android|mobile|samsung|galaxy|phone|blackberry)|sent from outlook|get outlook for (ios|android)|sent from yahoo mail|sent from mail for windows|sent via|envoyé de mon|von meinem .* gesendet|enviado desde mi).*$`)
)

// AnswerLines returns the lines a person wrote in a reply, in order:
// quoted lines, attribution lines, everything after an "Original
// Message" separator or an Outlook "From:" header block, signatures
// ("-- ") and phone footers are left out.
func AnswerLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		raw := strings.TrimRight(lines[i], " \t\r")
		line := strings.TrimSpace(raw)
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, ">") || strings.HasPrefix(line, "|"):
			continue
		case raw == "--" || raw == "-- " || line == "--":
			return out // signature
		case reOriginal.MatchString(line):
			// An Outlook "From: x" line only ends the answer when a
			// header block (Sent:/Date:/To:) follows it.
			if strings.HasPrefix(strings.ToLower(line), "from:") || strings.HasPrefix(strings.ToLower(line), "*from:*") ||
				strings.HasPrefix(strings.ToLower(line), "de") || strings.HasPrefix(strings.ToLower(line), "von:") {
				if i+1 < len(lines) && regexp.MustCompile(`(?i)^\s*\*?(sent|date|to|envoyé|gesendet|datum|an)\s*:?\*?\s*:`).MatchString(lines[i+1]) {
					return out
				}
				if !strings.HasPrefix(strings.ToLower(line), "from:") && !strings.HasPrefix(strings.ToLower(line), "*from:*") {
					out = append(out, line)
				}
				continue
			}
			return out
		case reAttribution.MatchString(line) || reWroteTail.MatchString(line):
			if !quoteFollows(lines[i+1:]) {
				return out // the quote itself is not marked with '>'
			}
			continue
		case reFooter.MatchString(line):
			continue
		case i+1 < len(lines) && strings.HasPrefix(strings.ToLower(line), "on ") && reWroteTail.MatchString(strings.TrimSpace(lines[i+1])):
			i++ // attribution wrapped over two lines
			if !quoteFollows(lines[i+1:]) {
				return out
			}
			continue
		}
		out = append(out, line)
	}
	return out
}

// quoteFollows tells whether the first non-empty line after an
// attribution is '>'-quoted. Only then can a person's answer stand below
// the quote (bottom-posting); when the quote is not marked, everything
// after the attribution is the quoted notification, whose own lines
// ("approve   send it to the list") must never count as an answer.
func quoteFollows(rest []string) bool {
	for _, l := range rest {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		return strings.HasPrefix(l, ">") || strings.HasPrefix(l, "|")
	}
	return false
}

// FirstAnswerLine is the first line a person wrote, or "".
func FirstAnswerLine(text string) string {
	if l := AnswerLines(text); len(l) > 0 {
		return l[0]
	}
	return ""
}

// stripReplyPrefixes removes "Re:", "Fwd:", "AW:" and list tags from a
// subject, so "Re: [team] approve" reads as "approve".
func stripReplyPrefixes(s string) string {
	for {
		t := strings.TrimSpace(s)
		low := strings.ToLower(t)
		switch {
		case strings.HasPrefix(low, "re:"), strings.HasPrefix(low, "aw:"), strings.HasPrefix(low, "sv:"), strings.HasPrefix(low, "vs:"):
			s = t[3:]
		case strings.HasPrefix(low, "fwd:"):
			s = t[4:]
		case strings.HasPrefix(low, "fw:"):
			s = t[3:]
		case strings.HasPrefix(t, "["):
			if j := strings.IndexByte(t, ']'); j > 0 {
				s = t[j+1:]
				continue
			}
			return t
		default:
			return t
		}
	}
}

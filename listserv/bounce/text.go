package bounce

import (
	"regexp"
	"strings"
)

// Preambles of the plain-text bounces of common MTAs, and what they
// identify.
var preambles = []struct {
	format string
	re     *regexp.Regexp
}{
	{"qmail", regexp.MustCompile(`(?i)this is the qmail-send program|i'm afraid i wasn't able to deliver your message|i wasn't able to deliver your message`)},
	{"yahoo", regexp.MustCompile(`(?i)sorry,? we were unable to deliver your message`)},
	{"postfix", regexp.MustCompile(`(?i)this is the mail system at host|this is the mailer-daemon at|i'm sorry to have to inform you that your message could not`)},
	{"exim", regexp.MustCompile(`(?i)this message was created automatically by mail delivery software|following address\(es\) failed|has not yet been delivered to one or more of its`)},
	{"sendmail", regexp.MustCompile(`(?i)the following addresses had permanent fatal errors|transcript of session follows|warning: could not send message for past`)},
	{"text", regexp.MustCompile(`(?i)delivery to the following recipients? (has )?failed|delivery has failed to these recipients|your message (couldn't|could not|wasn't|was not|cannot) (be )?delivered|could not be delivered to one or more recipients|message (was )?not delivered|undeliverable message|delivery status notification`)},
}

// bounceSubjectRE matches the subjects bounces are sent with.
var bounceSubjectRE = regexp.MustCompile(`(?i)undeliver|undelivered mail|delivery status notification|delivery (failure|failed|problem|has failed|incomplete|delayed|notification)|returned mail|mail delivery (failed|failure|system)|failure notice|could not be delivered|non-?delivery|mail system error|warning: could not send|delayed mail|message not delivered|returned to sender|delivery report`)

// bounceFromRE matches the senders bounces come from.
var bounceFromRE = regexp.MustCompile(`(?i)(^|[<\s"])(mailer-daemon|postmaster|mail-daemon|maildaemon)@|mail delivery (subsystem|system)`)

// looksLikeBounce decides whether a message without a DSN part is a
// bounce, and names its format.
func looksLikeBounce(e *entity, text string) (string, bool) {
	for _, p := range preambles {
		if p.re.MatchString(text) {
			return p.format, true
		}
	}
	if len(e.header["x-failed-recipients"]) > 0 {
		return "exim", true
	}
	if bounceFromRE.MatchString(e.get("from")) || bounceSubjectRE.MatchString(e.get("subject")) {
		// A robot's mail: a bounce if its words say something failed.
		if failureWordsRE.MatchString(text) || enhancedRE.MatchString(text) {
			return "text", true
		}
	}
	return "", false
}

var failureWordsRE = regexp.MustCompile(`(?i)could not be delivered|couldn't be delivered|undeliverable|not delivered|delivery (has )?failed|failed permanently|permanent (error|failure)|user unknown|does not exist|has not yet been delivered|delayed|rejected`)

// delayRE recognizes warnings that delivery is still being tried.
var delayRE = regexp.MustCompile(`(?i)has not yet been delivered|not been delivered yet|delivery (has been |is )?delayed|delayed mail|warning message only|do not need to resend|will (continue|keep) trying|will be retried|still trying|delivery attempts will continue|temporary (error|failure)|this is a temporary|is only a warning|could not send message for past`)

// textKind is the kind of a text bounce: a delay warning as a whole, or
// else the worst of its recipients, or the words of the whole text.
func textKind(text string, rs []Recipient) Kind {
	if delayRE.MatchString(text) && !permanentRE.MatchString(text) {
		for i := range rs {
			if rs[i].Kind == Failed {
				rs[i].Kind = Delayed
			}
		}
		return max(maxKind(rs), Delayed)
	}
	if len(rs) > 0 {
		return maxKind(rs)
	}
	return Classify("", clip(text, 4000))
}

var permanentRE = regexp.MustCompile(`(?i)permanent (error|failure)|i've given up|failed permanently|fatal error`)

var (
	// angleAddrLineRE: qmail, Yahoo, Postfix and sendmail start each
	// recipient with "<user@example.com>:" (or without the colon).
	angleAddrLineRE = regexp.MustCompile(`^\s*<([^<>\s@]+@[^<>\s]+)>:?\s*(.*)$`)
	// eximHeadRE introduces Exim's indented address list.
	eximHeadRE = regexp.MustCompile(`(?i)following address(?:\(es\)|es)? (?:failed|deferred)|(?:has|have) not yet been delivered (?:is|are):`)
	// bareAddrLineRE is one of Exim's address lines.
	bareAddrLineRE = regexp.MustCompile(`^(\s*)<?([^<>\s@:]+@[^<>\s:]+?)>?:?(\s.*)?$`)
	anyAddrRE      = regexp.MustCompile(`[A-Za-z0-9._%+'=-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`)
)

// textRecipients finds the recipients a text bounce reports on, with
// the words about each.
func textRecipients(e *entity, text string) []Recipient {
	lines := strings.Split(text, "\n")
	var out []Recipient
	seen := map[string]int{}
	add := func(addr, diag string) {
		addr = strings.ToLower(strings.Trim(addr, "<>.,;:'\""))
		if !strings.Contains(addr, "@") {
			return
		}
		diag = clip(oneLine(diag), 500)
		if i, ok := seen[addr]; ok {
			if out[i].Diagnostic == "" {
				out[i].Diagnostic = diag
			}
			return
		}
		seen[addr] = len(out)
		out = append(out, Recipient{Address: addr, Diagnostic: diag})
	}

	// "<addr>: words" blocks, continued by the following non-empty
	// lines that start no block of their own.
	for i := 0; i < len(lines); i++ {
		m := angleAddrLineRE.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		diag := []string{m[2]}
		for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" && !angleAddrLineRE.MatchString(lines[i+1]) {
			i++
			diag = append(diag, lines[i])
		}
		add(m[1], strings.Join(diag, " "))
	}

	// Exim: an indented address alone on its line, then deeper
	// indented lines about it.
	for i := 0; i < len(lines); i++ {
		if !eximHeadRE.MatchString(lines[i]) {
			continue
		}
		for j := i + 1; j < len(lines); j++ {
			m := bareAddrLineRE.FindStringSubmatch(lines[j])
			if m == nil {
				if strings.TrimSpace(lines[j]) == "" {
					continue
				}
				if !strings.HasPrefix(lines[j], " ") && !strings.HasPrefix(lines[j], "\t") {
					break
				}
				continue
			}
			indent := len(m[1])
			var diag []string
			if rest := strings.TrimSpace(m[3]); rest != "" {
				diag = append(diag, rest)
			}
			k := j + 1
			for ; k < len(lines); k++ {
				l := lines[k]
				if strings.TrimSpace(l) == "" {
					if k+1 < len(lines) && leading(lines[k+1]) > indent {
						continue
					}
					break
				}
				if leading(l) <= indent {
					break
				}
				diag = append(diag, strings.TrimSpace(l))
			}
			add(m[2], strings.Join(diag, " "))
			j = k - 1
		}
		break
	}

	for _, v := range e.header["x-failed-recipients"] {
		for _, a := range strings.Split(v, ",") {
			add(strings.TrimSpace(a), "")
		}
	}

	// Nothing in a known shape: one address among the lines that carry
	// a status code is the recipient.
	if len(out) == 0 {
		cands := map[string]string{}
		for _, l := range lines {
			if !enhancedRE.MatchString(l) && !basicRE.MatchString(l) && !failureWordsRE.MatchString(l) {
				continue
			}
			for _, a := range anyAddrRE.FindAllString(l, -1) {
				a = strings.ToLower(a)
				if _, ok := cands[a]; !ok {
					cands[a] = l
				}
			}
		}
		if len(cands) == 1 {
			for a := range cands {
				add(a, strings.TrimSpace(text))
			}
		}
	}

	for i := range out {
		if out[i].Diagnostic == "" {
			out[i].Diagnostic = clip(oneLine(text), 500)
		}
		out[i].Status = statusCode(out[i].Diagnostic)
		out[i].Kind = Classify(out[i].Status, out[i].Diagnostic)
	}
	if len(out) > 100 {
		out = out[:100]
	}
	return out
}

func leading(s string) int {
	return len(s) - len(strings.TrimLeft(s, " \t"))
}

// autoSubjectRE matches the subjects of out-of-office and vacation
// replies in the languages members are likely to use.
var autoSubjectRE = regexp.MustCompile(`(?i)^\s*(auto(matic|matische|matisch)?[ -]?(reply|response|respond|answer|antwort|r[ée]ponse)|auto:|out of (the )?office|ooo\b|abwesen|absence|r[ée]ponse automatique|respuesta autom[aá]tica|risposta automatica|resposta autom[aá]tica|automatisch antwoord|vacation|on (vacation|leave|holiday)|away from (the )?office|i am (currently )?(out|away))`)

// isAutoReply recognizes automatic answers (RFC 3834 and the usual
// vendor fields), once it is known the message is no bounce.
func isAutoReply(e *entity, text string) bool {
	as := strings.ToLower(e.get("auto-submitted"))
	if as != "" && as != "no" {
		return true
	}
	for _, h := range []string{"x-autoreply", "x-autorespond", "x-autoresponse", "x-auto-reply"} {
		if len(e.header[h]) > 0 {
			return true
		}
	}
	switch strings.ToLower(strings.TrimSpace(e.get("precedence"))) {
	case "auto_reply", "auto-reply":
		return true
	}
	return autoSubjectRE.MatchString(decodeHeader(e.get("subject")))
}

package bounce

import (
	"strings"
)

// parseDSN reads the per-recipient field groups of a message/
// delivery-status body (RFC 3464 §2.3). Groups are separated by empty
// lines; the first is about the message. A group with a Final-Recipient
// or Original-Recipient is a recipient's, wherever it is (some servers
// forget the empty line after the per-message fields).
func parseDSN(body []byte) []Recipient {
	var out []Recipient
	for _, g := range dsnGroups(string(body)) {
		final, orig := g["final-recipient"], g["original-recipient"]
		if final == "" && orig == "" {
			continue
		}
		r := Recipient{
			Address:    dsnAddress(final),
			Original:   dsnAddress(orig),
			Action:     strings.ToLower(firstWord(g["action"])),
			Status:     statusCode(g["status"]),
			Diagnostic: clip(oneLine(dsnDiagnostic(g["diagnostic-code"])), 500),
		}
		if r.Address == "" {
			r.Address = r.Original
		}
		if r.Address == "" {
			continue
		}
		r.Kind = dsnKind(r, g["will-retry-until"] != "")
		out = append(out, r)
		if len(out) >= 100 {
			break
		}
	}
	return out
}

// dsnKind classifies one recipient by its action, then its status and
// diagnostic.
func dsnKind(r Recipient, willRetry bool) Kind {
	switch r.Action {
	case "delivered", "relayed", "expanded":
		return Delivered
	case "delayed":
		return Delayed
	}
	k := Classify(r.Status, r.Diagnostic)
	switch {
	case r.Action == "failed" && (k == Delayed || k == Delivered):
		// A temporary failure that went on until the sender gave up
		// (Postfix: "Action: failed, Status: 4.4.1" after the queue
		// lifetime): the mailbox was unreachable for days.
		return Failed
	case r.Action == "" && willRetry:
		return Delayed
	}
	return k
}

// dsnGroups splits a delivery-status body into field groups.
func dsnGroups(s string) []map[string]string {
	var groups []map[string]string
	cur := map[string]string{}
	var last string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				groups = append(groups, cur)
				cur = map[string]string{}
			}
			last = ""
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if last != "" {
				cur[last] += " " + strings.TrimSpace(line)
			}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			last = ""
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if _, dup := cur[k]; dup && (k == "final-recipient" || k == "original-recipient") {
			// A new recipient without the separating empty line.
			if k == "final-recipient" || cur["final-recipient"] != "" {
				groups = append(groups, cur)
				cur = map[string]string{}
			}
		}
		cur[k] = strings.TrimSpace(v)
		last = k
		if len(groups) > 200 {
			break
		}
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return groups
}

// dsnAddress takes the address out of "rfc822; <user@example.com>"
// (address type optional).
func dsnAddress(v string) string {
	if _, a, ok := strings.Cut(v, ";"); ok {
		v = a
	}
	v = strings.TrimSpace(v)
	v = strings.Trim(v, "<>\"' ")
	if !strings.Contains(v, "@") || strings.ContainsAny(v, " \t<>") {
		return ""
	}
	return strings.ToLower(v)
}

// dsnDiagnostic drops the diagnostic type ("smtp; 550 ..." → "550 ...").
func dsnDiagnostic(v string) string {
	if t, rest, ok := strings.Cut(v, ";"); ok && !strings.ContainsAny(strings.TrimSpace(t), " \t") {
		return strings.TrimSpace(rest)
	}
	return strings.TrimSpace(v)
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return strings.Trim(f[0], "();,")
}

// statusCode returns the x.y.z of a Status field ("5.1.1 (bad
// destination mailbox)" → "5.1.1"), "" when it has none.
func statusCode(v string) string {
	if m := enhancedRE.FindString(v); m != "" {
		return m
	}
	return ""
}

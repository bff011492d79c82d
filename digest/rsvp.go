package digest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"minyan/listserv"
	"minyan/listserv/i18n"
	"minyan/store"
)

// TokenRSVP is the token kind of the Reply-To of reminders and session
// digests: Ref is the session ID, Address the member it was sent to.
const TokenRSVP = "rsvp"

// Answers to an RSVP.
const (
	AnswerYes   = "yes"
	AnswerNo    = "no"
	AnswerMaybe = "maybe"
)

// ParseAnswer reads yes, no or maybe from the first word of a line
// ("Yes!", "no, sorry", "Maybe."); "" when it is none of them.
// noIdioms follow "no" in sentences that do not decline ("no problem").
var noIdioms = map[string]bool{"problem": true, "problems": true, "worries": true, "worry": true, "doubt": true,
	"question": true, "idea": true, "rush": true, "matter": true}

func ParseAnswer(line string) string {
	line = strings.ToLower(strings.TrimSpace(line))
	// The first word, cut at any punctuation ("Yes—see you", "no, sorry").
	end := strings.IndexFunc(line, func(r rune) bool { return !unicode.IsLetter(r) })
	w, rest := line, ""
	if end >= 0 {
		w, rest = line[:end], line[end:]
	}
	next := strings.Fields(strings.TrimLeftFunc(rest, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) }))
	switch w {
	case "yes", "y", "yep", "yeah", "accept", "attending":
		return AnswerYes
	case "no", "n", "nope", "decline", "declined":
		// "No problem, see you there" is not a no ("No thanks" is).
		if w == "no" && len(next) > 0 && noIdioms[strings.Trim(next[0], ".,;:!?")] && !strings.HasPrefix(strings.TrimSpace(rest), ",") {
			return ""
		}
		return AnswerNo
	case "maybe", "perhaps", "tentative", "possibly":
		return AnswerMaybe
	}
	return ""
}

// RSVPSummary counts a session's answers; the name lists are for
// organizers only.
type RSVPSummary struct {
	Yes, No, Maybe                int
	YesNames, NoNames, MaybeNames []string
	YesAddrs, NoAddrs, MaybeAddrs []string
}

// Counts is "yes=3 no=1 maybe=0", the RSVP column of `session ls`.
func (r RSVPSummary) Counts() string {
	return fmt.Sprintf("yes=%d no=%d maybe=%d", r.Yes, r.No, r.Maybe)
}

// Answers is "yes:a@x,b@x no:c@x" ("-" when nobody answered), the names
// column of `session ls`.
func (r RSVPSummary) Answers() string {
	var parts []string
	for _, p := range []struct {
		k string
		v []string
	}{{AnswerYes, r.YesAddrs}, {AnswerNo, r.NoAddrs}, {AnswerMaybe, r.MaybeAddrs}} {
		if len(p.v) > 0 {
			parts = append(parts, p.k+":"+strings.Join(p.v, ","))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

func rsvpSummary(tx *store.Tx, list string, session uint64) (RSVPSummary, error) {
	var out RSVPSummary
	rs, err := tx.RSVPs(list, session)
	if err != nil {
		return out, err
	}
	for _, r := range rs {
		name := personName(tx, r.Address)
		if name != r.Address {
			name = fmt.Sprintf("%q <%s>", name, r.Address)
		}
		switch r.Answer {
		case AnswerYes:
			out.Yes++
			out.YesNames, out.YesAddrs = append(out.YesNames, name), append(out.YesAddrs, r.Address)
		case AnswerNo:
			out.No++
			out.NoNames, out.NoAddrs = append(out.NoNames, name), append(out.NoAddrs, r.Address)
		case AnswerMaybe:
			out.Maybe++
			out.MaybeNames, out.MaybeAddrs = append(out.MaybeNames, name), append(out.MaybeAddrs, r.Address)
		}
	}
	return out, nil
}

// rsvpData is what the session-rsvp-* templates see.
type rsvpData struct {
	SessionView
	Answer string
	Who    string
	// Standing is registered, waitlisted, maybe or declined; Position the
	// place on the waitlist.
	Standing Standing
	Position int
	// Answers are the questions with the member's answers.
	Answers []QA
}

// handleRSVP records the answer in a reply to a reminder or announcement
// (token kind "rsvp"): yes, no or maybe on the first line and, for a yes
// to a session with questions, the answers on the lines after it. The
// answer counts for the member the mail was sent to. A recorded answer
// is acknowledged (session-rsvp-noted, or session-rsvp-waitlisted past
// the cap), queued in the same transaction, as is the notice to whoever
// a freed seat goes to; anything else is answered with a short
// explanation, which listserv mails back.
func (s *Scheduler) handleRSVP(ctx context.Context, r *listserv.Reply) (string, error) {
	tok := r.Token
	if r.From != tok.Address && listserv.NormalizeAddress(r.EnvelopeFrom) != tok.Address {
		// A forwarded reminder: the answer would count for someone else.
		return i18n.Builtin().T(s.svc.LanguageFor(r.From, tok.List), "rsvp_go.only", tok.Address), nil
	}
	now := s.svc.Now()
	var (
		reply  string
		answer string
		out    Outcome
		gone   bool // the session is no longer on the calendar
	)
	err := s.st.Update(func(tx *store.Tx) error {
		l, err := tx.List(tok.List)
		if err != nil {
			return err
		}
		ss, si, err := listSession(tx, l, tok.Ref)
		if errors.Is(err, ErrNoSession) {
			gone = true
			return nil
		}
		if err != nil {
			return err
		}
		var answers []string
		answer, answers = ParseRegistration(r.Lines, ss.Questions)
		if answer == "" {
			answer = ParseAnswer(r.Subject)
		}
		data := rsvpData{SessionView: s.view(l, si), Answer: answer, Who: tok.Address}
		switch {
		case ss.Status == store.SessionCancelled:
			_, reply, err = s.svc.RenderTx(tx, tok.Address, l.Name, "session-rsvp-closed", data)
			return err
		case !now.Before(si.End):
			_, reply, err = s.svc.RenderTx(tx, tok.Address, l.Name, "session-rsvp-closed", data)
			return err
		case answer == "":
			_, reply, err = s.svc.RenderTx(tx, tok.Address, l.Name, "session-rsvp-unclear", data)
			return err
		}
		if out, err = s.respond(tx, l, si, tok.Address, answer, answers, now); err != nil {
			return err
		}
		if err := s.svc.Emit(tx, listserv.EventSessionRSVP, l.Name, map[string]any{"session": ss.ID, "address": tok.Address, "answer": answer}); err != nil {
			return err
		}
		data.Standing, data.Position = out.Standing, out.Position
		if answer == AnswerYes {
			data.Answers = qaOf(ss.Questions, answers)
		}
		template := "session-rsvp-noted"
		if out.Standing == StandingWaitlisted {
			template = "session-rsvp-waitlisted"
		}
		return s.note(tx, l, tok.Address, template, data, now)
	})
	if err != nil {
		return "", fmt.Errorf("rsvp for session %d of %s: %w", tok.Ref, tok.List, err)
	}
	if gone {
		return i18n.Builtin().T(s.svc.LanguageFor(tok.Address, tok.List), "rsvp_go.gone"), nil
	}
	if reply == "" {
		s.log.Info("rsvp recorded", "list", tok.List, "session", tok.Ref, "member", tok.Address, "answer", answer, "standing", out.Standing, "promoted", len(out.Promoted))
	}
	return reply, nil
}

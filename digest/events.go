package digest

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"minyan/listserv/mailcompose"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"minyan/listserv"
	"minyan/listserv/outbox"
	"minyan/store"
)

// Events: sessions with a place, whole days or several days, and
// registration with a seat cap, questions and a waitlist.

// Limits of events and registration.
const (
	MaxQuestions = 3
	MaxSeats     = 100000
	maxQuestion  = 200
	maxLocation  = 200
	// maxAnswer bounds one answer to a question (bytes).
	maxAnswer = 500
)

// Standing is where a member's answer leaves them for a session.
type Standing string

// Standings.
const (
	// StandingRegistered: a "yes" with a seat (or on a session without a
	// cap).
	StandingRegistered Standing = "registered"
	// StandingWaitlisted: a "yes" that came past the cap.
	StandingWaitlisted Standing = "waitlisted"
	StandingMaybe      Standing = "maybe"
	StandingDeclined   Standing = "declined"
)

func standingOf(r store.RSVP) Standing {
	switch {
	case r.Answer == AnswerYes && r.Waitlist > 0:
		return StandingWaitlisted
	case r.Answer == AnswerYes:
		return StandingRegistered
	case r.Answer == AnswerMaybe:
		return StandingMaybe
	}
	return StandingDeclined
}

// checkEvent checks and normalizes the event parts of a request: whole
// days, duration, place, seats and questions.
func checkEvent(req *AddRequest) error {
	if req.AllDay {
		start := strings.TrimSpace(req.Start)
		if d, err := time.Parse("2006-01-02", start); err == nil {
			req.Start = d.Format(LocalLayout)
		} else if t, err := time.Parse(LocalLayout, start); err == nil && (t.Hour() != 0 || t.Minute() != 0) {
			return listserv.RefuseSaying("--all-day sessions take a date: give --start as \"YYYY-MM-DD\"", "session_err.all_day_date")
		}
		if req.Duration == 0 {
			req.Duration = 24 * time.Hour
		}
		if req.Duration%(24*time.Hour) != 0 {
			return listserv.RefuseSaying("--all-day needs --duration in whole days (24h, 48h, 72h, ...)", "session_err.all_day_days")
		}
	}
	if req.Duration == 0 {
		req.Duration = DefaultDuration
	}
	if req.Duration < time.Minute || req.Duration > MaxDuration {
		return listserv.RefuseSaying("--duration must be between 1m and 14 days (336h)", "session_err.length", listserv.Span(MaxDuration))
	}
	req.Location = strings.TrimSpace(oneLine(req.Location))
	if len(req.Location) > maxLocation || hasControl(req.Location) || !utf8.ValidString(req.Location) {
		return listserv.RefuseSaying(fmt.Sprintf("--location must be one line of at most %d characters", maxLocation), "session_err.location", maxLocation)
	}
	if req.Seats < 0 || req.Seats > MaxSeats {
		return listserv.RefuseSaying(fmt.Sprintf("--seats must be between 1 and %d (or left out for no cap)", MaxSeats), "session_err.seats", MaxSeats)
	}
	if len(req.Questions) > MaxQuestions {
		return listserv.RefuseSaying(fmt.Sprintf("at most %d --question may be asked", MaxQuestions), "session_err.questions", MaxQuestions)
	}
	qs := make([]string, 0, len(req.Questions))
	for _, q := range req.Questions {
		q = strings.TrimSpace(oneLine(q))
		if q == "" || len(q) > maxQuestion || hasControl(q) || !utf8.ValidString(q) {
			return listserv.RefuseSaying(fmt.Sprintf("--question %q: give one line of at most %d characters", q, maxQuestion), "session_err.question", q, maxQuestion)
		}
		qs = append(qs, q)
	}
	if len(qs) == 0 {
		qs = nil
	}
	req.Questions = qs
	return nil
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// reNumbered is a numbering in front of an answer: "1.", "2)", "Q1:",
// "A2 -".
var reNumbered = regexp.MustCompile(`^(?i)[qa]?\d{1,2}\s*[.):\-]\s*`)

// ParseRegistration reads a reply to a session mail: the answer (yes, no
// or maybe) on the first line and, for a "yes" to a session with
// questions, one answer per question on the lines after it, in order
// (numbering such as "1." and a repeated question before a colon are
// dropped). answers has one entry per question ("" when none was
// given); it is nil unless the answer is yes and there are questions.
func ParseRegistration(lines []string, questions []string) (answer string, answers []string) {
	if len(lines) == 0 {
		return "", nil
	}
	answer = ParseAnswer(lines[0])
	if answer != AnswerYes || len(questions) == 0 {
		return answer, nil
	}
	answers = make([]string, len(questions))
	for i, q := range questions {
		if i+1 < len(lines) {
			answers[i] = cleanAnswer(lines[i+1], q)
		}
	}
	return answer, answers
}

// cleanAnswer is one answer as stored: valid UTF-8, one line without
// control characters, numbering and an echoed question removed, at most
// maxAnswer bytes.
func cleanAnswer(s, question string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	s = strings.TrimSpace(reNumbered.ReplaceAllString(s, ""))
	if q := strings.TrimRight(strings.TrimSpace(question), "?:"); q != "" && len(s) > len(q) && strings.EqualFold(s[:len(q)], q) {
		rest := strings.TrimLeft(s[len(q):], "?: \t-")
		if len(rest) < len(s)-len(q) { // the question was followed by ":" or "?"
			s = strings.TrimSpace(rest)
		}
	}
	if len(s) > maxAnswer {
		cut := maxAnswer
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// Outcome is what an answer did, for the person who gave it.
type Outcome struct {
	Answer   string
	Standing Standing
	// Position is the place in the waitlist (1 = next to get a seat).
	Position int
	// Promoted are the people who got a seat because this answer freed
	// one.
	Promoted []string
}

// Sentence says the outcome to the person, kindly.
func (o Outcome) Sentence() string {
	switch o.Standing {
	case StandingRegistered:
		return "Thank you: you are registered."
	case StandingWaitlisted:
		return fmt.Sprintf("Thank you. Every seat is taken for now, so you are number %d on the waitlist; we will write as soon as a seat opens for you.", o.Position)
	}
	return "Thank you: your answer (" + o.Answer + ") is noted."
}

// counted reports whether an address is still a member whose answer
// holds a seat.
func counted(tx *store.Tx, list, addr string) bool {
	mb, err := tx.Membership(list, addr)
	// Alumni (a cohort that ended) keep their registrations and
	// attendance on the record.
	return err == nil && (listserv.Counts(mb) || mb.Status == listserv.StatusAlumni)
}

// respond records addr's answer for a session, inside the caller's
// transaction: a "yes" takes a seat while there is one and otherwise a
// place on the waitlist; a registered person who answers no or maybe
// frees their seat, which goes to the first on the waitlist with a
// notice. The caller has checked that the session is open.
func (s *Scheduler) respond(tx *store.Tx, l store.List, si SessionInfo, addr, answer string, answers []string, now time.Time) (Outcome, error) {
	addr = strings.ToLower(addr)
	rs, err := tx.RSVPs(l.Name, si.ID)
	if err != nil {
		return Outcome{}, err
	}
	var prev *store.RSVP
	taken, last := 0, 0
	for i, r := range rs {
		if r.Address == addr {
			prev = &rs[i]
			continue
		}
		if standingOf(r) == StandingRegistered && counted(tx, l.Name, r.Address) {
			taken++
		}
		last = max(last, r.Waitlist)
	}
	if prev != nil {
		last = max(last, prev.Waitlist)
	}
	rec := store.RSVP{List: l.Name, Session: si.ID, Address: addr, Answer: answer, At: now, Answers: answers}
	if answer == AnswerYes && prev != nil && allEmpty(answers) {
		rec.Answers = prev.Answers // a plain "yes" again keeps the answers given
	}
	if answer != AnswerYes {
		rec.Answers = nil
		if prev != nil && prev.Answer == AnswerYes {
			rec.Answers = prev.Answers // kept for the organizers
		}
	}
	if answer == AnswerYes {
		switch {
		case prev != nil && standingOf(*prev) == StandingRegistered:
			rec.Registered = prev.Registered
		case prev != nil && standingOf(*prev) == StandingWaitlisted:
			rec.Waitlist = prev.Waitlist
		case si.Seats == 0 || taken < si.Seats:
			rec.Registered = now
		default:
			rec.Waitlist = last + 1
		}
	}
	if err := tx.PutRSVP(rec); err != nil {
		return Outcome{}, err
	}
	out := Outcome{Answer: answer, Standing: standingOf(rec)}
	if rec.Waitlist > 0 {
		out.Position = waitPosition(tx, l.Name, si.ID, rec.Waitlist)
	}
	if prev != nil && standingOf(*prev) == StandingRegistered && answer != AnswerYes {
		if out.Promoted, err = s.fill(tx, l, si, now); err != nil {
			return out, err
		}
	}
	return out, nil
}

func allEmpty(ss []string) bool {
	for _, s := range ss {
		if s != "" {
			return false
		}
	}
	return true
}

// waitPosition is the 1-based place of waitlist ticket w among those
// still waiting.
func waitPosition(tx *store.Tx, list string, id uint64, w int) int {
	rs, _ := tx.RSVPs(list, id)
	n := 1
	for _, r := range rs {
		if standingOf(r) == StandingWaitlisted && r.Waitlist < w && counted(tx, list, r.Address) {
			n++
		}
	}
	return n
}

// fill gives free seats to the people waiting longest, in order of
// their waitlist place, each with a notice queued in the same
// transaction. It returns who got a seat.
func (s *Scheduler) fill(tx *store.Tx, l store.List, si SessionInfo, now time.Time) ([]string, error) {
	if si.Seats == 0 {
		return nil, nil
	}
	rs, err := tx.RSVPs(l.Name, si.ID)
	if err != nil {
		return nil, err
	}
	taken := 0
	var waiting []store.RSVP
	for _, r := range rs {
		if !counted(tx, l.Name, r.Address) {
			continue
		}
		switch standingOf(r) {
		case StandingRegistered:
			taken++
		case StandingWaitlisted:
			waiting = append(waiting, r)
		}
	}
	sort.Slice(waiting, func(i, j int) bool { return waiting[i].Waitlist < waiting[j].Waitlist })
	var promoted []string
	for _, r := range waiting {
		if taken >= si.Seats {
			break
		}
		r.Waitlist, r.Registered = 0, now
		if err := tx.PutRSVP(r); err != nil {
			return nil, err
		}
		taken++
		promoted = append(promoted, r.Address)
		if err := s.svc.Emit(tx, listserv.EventSessionRSVP, l.Name, map[string]any{"session": si.ID, "address": r.Address, "answer": AnswerYes, "promoted": true}); err != nil {
			return nil, err
		}
		data := rsvpData{SessionView: s.view(l, si), Answer: AnswerYes, Who: r.Address, Standing: StandingRegistered, Answers: qaOf(si.Questions, r.Answers)}
		if err := s.note(tx, l, r.Address, "session-rsvp-promoted", data, now); err != nil {
			return nil, err
		}
		s.log.Info("promoted from the waitlist", "list", l.Name, "session", si.ID, "member", r.Address)
	}
	return promoted, nil
}

// note queues a personal notice about a session to one member (nothing
// when they are no longer a member).
func (s *Scheduler) note(tx *store.Tx, l store.List, addr, template string, data any, now time.Time) error {
	mb, err := tx.Membership(l.Name, addr)
	if err != nil {
		return nil
	}
	subject, body, err := s.svc.RenderTx(tx, addr, l.Name, template, data)
	if err != nil {
		return err
	}
	raw := mailcompose.Compose(mailcompose.Header{
		From:          s.listFrom(l, listserv.RoleOwner).String(),
		To:            mailcompose.Addresses(personAddress(tx, addr)),
		Subject:       subject,
		MessageID:     mailcompose.NewID(s.svc.Domain()),
		Date:          now,
		AutoSubmitted: "auto-generated",
	}, mailcompose.Text(body))
	rc := s.svc.MemberRecipient(l, mb)
	rc.Header = "" // a personal note, not list mail: no unsubscribe header
	_, err = s.outbox.Enqueue(tx, outbox.Message{List: l.Name, Raw: raw, Batch: true, At: now}, []store.QueuedRcpt{rc}, outbox.KindNotice)
	return err
}

// QA is one question with a member's answer.
type QA struct{ Question, Answer string }

func qaOf(questions, answers []string) []QA {
	out := make([]QA, len(questions))
	for i, q := range questions {
		out[i].Question = q
		if i < len(answers) {
			out[i].Answer = answers[i]
		}
	}
	return out
}

// reconcile frees the seats and waitlist places of people who are no
// longer members of the list (removed, or left) and gives the seats to
// those waiting, with a notice. The scheduler runs it on each pass for
// sessions with a cap that have not ended.
func (s *Scheduler) reconcile(l store.List, si SessionInfo, now time.Time) error {
	stale := false
	if err := s.st.View(func(tx *store.Tx) error {
		rs, err := tx.RSVPs(l.Name, si.ID)
		for _, r := range rs {
			if r.Answer == AnswerYes && !counted(tx, l.Name, r.Address) {
				stale = true
			}
		}
		return err
	}); err != nil || !stale {
		return err
	}
	return s.st.Update(func(tx *store.Tx) error {
		ss, err := tx.Session(l.Name, si.ID)
		if err != nil || ss.Status != store.SessionScheduled {
			return err
		}
		rs, err := tx.RSVPs(l.Name, si.ID)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.Answer == AnswerYes && !counted(tx, l.Name, r.Address) {
				r.Answer, r.Waitlist, r.Registered, r.At = AnswerNo, 0, time.Time{}, now
				if err := tx.PutRSVP(r); err != nil {
					return err
				}
				s.log.Info("registration freed: no longer a member", "list", l.Name, "session", si.ID, "member", r.Address)
			}
		}
		_, err = s.fill(tx, l, si, now)
		return err
	})
}

// seatCounts counts the members of list holding a seat at session id
// and those on its waitlist.
func seatCounts(tx *store.Tx, list string, id uint64) (registered, waitlisted int, err error) {
	rs, err := tx.RSVPs(list, id)
	if err != nil {
		return 0, 0, err
	}
	for _, r := range rs {
		switch standingOf(r) {
		case StandingRegistered, StandingWaitlisted:
			if !counted(tx, list, r.Address) {
				continue
			}
			if standingOf(r) == StandingRegistered {
				registered++
			} else {
				waitlisted++
			}
		}
	}
	return registered, waitlisted, nil
}

// registeredMembers keeps the members registered for a session.
func registeredMembers(tx *store.Tx, l store.List, si SessionInfo, members []store.Membership) ([]store.Membership, error) {
	rs, err := tx.RSVPs(l.Name, si.ID)
	if err != nil {
		return nil, err
	}
	reg := map[string]bool{}
	for _, r := range rs {
		if standingOf(r) == StandingRegistered {
			reg[r.Address] = true
		}
	}
	var out []store.Membership
	for _, mb := range members {
		if reg[strings.ToLower(mb.Address)] {
			out = append(out, mb)
		}
	}
	return out, nil
}

// Registration is one person's answer for a session with registration.
type Registration struct {
	Address, Name string
	Standing      Standing
	// Position is the place on the waitlist (0 unless waitlisted).
	Position int
	Answers  []string
	At       time.Time
	// Attended is when they were marked present (zero: not); Rating
	// (1-5, 0: none) and Comment are their feedback.
	Attended time.Time
	Rating   int
	Comment  string
}

// Registrations is a session's registration sheet.
type Registrations struct {
	Session   SessionInfo
	Seats     int
	Questions []string
	// Registered, Waitlisted count the people in each standing.
	Registered, Waitlisted int
	// People: registered first (in order of registration), then the
	// waitlist in order, then maybe, then declined.
	People []Registration
}

// Registrations returns who registered for a session of a list, with
// their answers and waitlist places. It needs PermSessions on the list.
func (s *Scheduler) Registrations(ctx context.Context, a listserv.Actor, list string, id uint64) (Registrations, error) {
	var out Registrations
	err := s.st.View(func(tx *store.Tx) error {
		l, ss, si, err := s.organizerSession(tx, a, list, id)
		if err != nil {
			return err
		}
		out.Session = si
		out.Seats, out.Questions = ss.Seats, ss.Questions
		rs, err := tx.RSVPs(l.Name, id)
		if err != nil {
			return err
		}
		rank := map[Standing]int{StandingRegistered: 0, StandingWaitlisted: 1, StandingMaybe: 2, StandingDeclined: 3}
		sort.SliceStable(rs, func(i, j int) bool {
			a, b := rs[i], rs[j]
			if ra, rb := rank[standingOf(a)], rank[standingOf(b)]; ra != rb {
				return ra < rb
			}
			if a.Waitlist != b.Waitlist {
				return a.Waitlist < b.Waitlist
			}
			if !a.Registered.Equal(b.Registered) {
				return a.Registered.Before(b.Registered)
			}
			return a.At.Before(b.At)
		})
		pos := 0
		for _, r := range rs {
			if !counted(tx, l.Name, r.Address) {
				continue // no longer a member (a seat is freed on the next pass)
			}
			p := Registration{Address: r.Address, Name: personName(tx, r.Address), Standing: standingOf(r), Answers: r.Answers, At: r.At,
				Attended: r.Attended, Rating: r.Rating, Comment: r.Comment}
			if p.Name == r.Address {
				p.Name = ""
			}
			switch p.Standing {
			case StandingRegistered:
				out.Registered++
			case StandingWaitlisted:
				out.Waitlisted++
				pos++
				p.Position = pos
			}
			out.People = append(out.People, p)
		}
		return nil
	})
	return out, err
}

// Row is one person as fields: address, name, standing, waitlist place
// ("" when not waiting), answered at (RFC 3339), then one answer per
// question.
func (r Registrations) Row(p Registration) []string {
	pos := ""
	if p.Position > 0 {
		pos = strconv.Itoa(p.Position)
	}
	row := []string{p.Address, p.Name, string(p.Standing), pos, p.At.UTC().Format(time.RFC3339)}
	for i := range r.Questions {
		a := ""
		if i < len(p.Answers) {
			a = p.Answers[i]
		}
		row = append(row, a)
	}
	return row
}

// FollowUp is what came after the session for one person: attended
// (RFC 3339, "" when not marked), rating ("" for none) and comment.
func (r Registrations) FollowUp(p Registration) []string {
	attended, rating := "", ""
	if !p.Attended.IsZero() {
		attended = p.Attended.UTC().Format(time.RFC3339)
	}
	if p.Rating > 0 {
		rating = strconv.Itoa(p.Rating)
	}
	return []string{attended, rating, p.Comment}
}

// Header names the fields of Row.
func (r Registrations) Header() []string {
	return append([]string{"address", "name", "status", "waitlist", "answered"}, r.Questions...)
}

// WriteCSV writes the sheet as CSV (RFC 4180) with a header line. A
// field that a spreadsheet would take for a formula (=, +, -, @ first)
// gets a leading apostrophe.
func (r Registrations) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	safe := SafeCSV
	if err := cw.Write(safe(append(r.Header(), "attended", "rating", "comment"))); err != nil {
		return fmt.Errorf("registrations csv: %w", err)
	}
	for _, p := range r.People {
		if err := cw.Write(safe(append(r.Row(p), r.FollowUp(p)...))); err != nil {
			return fmt.Errorf("registrations csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("registrations csv: %w", err)
	}
	return nil
}

// SafeCSV returns a CSV row with every field a spreadsheet would take
// for a formula (=, +, -, @, tab or CR first) led by an apostrophe: the
// roster export's rule (listserv.SafeCSV).
func SafeCSV(row []string) []string { return listserv.SafeCSV(row) }

// ExportRegistrations is a session's registrations as CSV (see
// WriteCSV). It needs PermSessions on the list.
func (s *Scheduler) ExportRegistrations(ctx context.Context, a listserv.Actor, list string, id uint64) ([]byte, error) {
	r, err := s.Registrations(ctx, a, list, id)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	if err := r.WriteCSV(&b); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// markAttended records that addr was present at a session: on their
// answer when they gave one, else (a session without a cap) as a "yes"
// registered now. ok is false when the session has seats and addr holds
// no answer for it; first is true when they were not marked before.
func (s *Scheduler) markAttended(tx *store.Tx, l store.List, si SessionInfo, addr string, now time.Time) (ok, first bool, err error) {
	r, found, err := rsvpOf(tx, l.Name, si.ID, addr)
	switch {
	case err != nil:
		return false, false, err
	case !found && si.Seats > 0:
		return false, false, nil
	case !found:
		r = store.RSVP{List: l.Name, Session: si.ID, Address: addr, Answer: AnswerYes, At: now, Registered: now}
	}
	if !r.Attended.IsZero() {
		return true, false, nil
	}
	r.Attended = now
	return true, true, tx.PutRSVP(r)
}

// recordFeedback keeps a person's answer to the feedback mail on their
// answer for the session.
func (s *Scheduler) recordFeedback(tx *store.Tx, r store.RSVP, rating int, comment string) error {
	r.Rating, r.Comment = rating, comment
	return tx.PutRSVP(r)
}

// rsvpOf is addr's answer for a session, if any.
func rsvpOf(tx *store.Tx, list string, id uint64, addr string) (store.RSVP, bool, error) {
	rs, err := tx.RSVPs(list, id)
	if err != nil {
		return store.RSVP{}, false, err
	}
	for _, r := range rs {
		if r.Address == addr {
			return r, true, nil
		}
	}
	return store.RSVP{}, false, nil
}

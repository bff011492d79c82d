package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// Buckets of the clock-driven features (package digest). Their records
// carry the list's UIDValidity, so a list deleted and created again under
// the same name does not inherit the old one's sessions, pairs or digest
// position.
var (
	bSessions    = []byte("sessions")     // list \x00 id -> Session
	bRSVPs       = []byte("rsvps")        // list \x00 id \x00 addr -> RSVP
	bPairs       = []byte("pairs")        // list -> Pairing (the current pairs)
	bPairHistory = []byte("pair_history") // list \x00 addr \x00 addr (sorted) -> times paired
	bDigestState = []byte("digest_state") // list -> DigestState
)

// Session statuses.
const (
	SessionScheduled = "scheduled"
	SessionCancelled = "cancelled"
)

// Session is one meeting of a list. Its time is wall-clock time in a named
// zone (Local in Zone), not an instant: a 19:00 America/New_York series
// stays at 19:00 when daylight saving time begins or ends. The instant is
// computed from the zone's rules whenever it is needed.
type Session struct {
	ID   uint64 `json:"id"`
	List string `json:"list"`
	// ListUID is the list's UIDValidity when the session was made.
	ListUID uint32 `json:"list_uid"`
	// Series is the ID of the first session of the series (its own ID for
	// the first one); Index is the 1-based position and Count the number
	// of sessions the series was created with.
	Series uint64 `json:"series"`
	Index  int    `json:"index"`
	Count  int    `json:"count"`
	// Every is the recurrence: "" (one session), weekly, biweekly, monthly.
	Every    string        `json:"every,omitempty"`
	Zone     string        `json:"zone"`
	Local    string        `json:"local"` // "2006-01-02 15:04"
	Duration time.Duration `json:"duration"`
	Link     string        `json:"link,omitempty"`
	Topic    string        `json:"topic,omitempty"`
	Status   string        `json:"status"`
	// AllDay: Local is midnight and Duration a whole number of days; the
	// session is shown and put in calendars by date, not time.
	AllDay bool `json:"all_day,omitempty"`
	// Location is the place where people meet, besides or instead of Link.
	Location string `json:"location,omitempty"`
	// Seats caps registrations (answers "yes"); past it people go on the
	// session's waitlist. 0: no cap.
	Seats int `json:"seats,omitempty"`
	// Questions are asked of everyone who registers (at most three).
	Questions []string `json:"questions,omitempty"`
	// Sequence is the iCalendar SEQUENCE: raised on every move and on
	// cancellation.
	Sequence int       `json:"sequence"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated,omitzero"`
}

// Days is how many calendar days an all-day session covers (its
// Duration in whole days, at least one).
func (s Session) Days() int {
	return max(1, int((s.Duration+24*time.Hour-1)/(24*time.Hour)))
}

// Registration reports whether members register for the session (it has
// seats or questions): then only those registered get its reminders.
func (s Session) Registration() bool {
	return s.Seats > 0 || len(s.Questions) > 0
}

// RSVP is one member's answer for one session.
type RSVP struct {
	List    string    `json:"list"`
	Session uint64    `json:"session"`
	Address string    `json:"address"`
	Answer  string    `json:"answer"` // yes | no | maybe
	At      time.Time `json:"at"`
	// Answers are the replies to the session's questions, in order.
	Answers []string `json:"answers,omitempty"`
	// Waitlist is the place in the session's waitlist of a "yes" that
	// came past the cap: positions only grow, the lowest is promoted
	// first. 0: not waiting (registered, or not a "yes").
	Waitlist int `json:"waitlist,omitempty"`
	// Registered is when the "yes" got its seat (zero when it has none).
	Registered time.Time `json:"registered,omitzero"`
	// Attended is when an organizer marked the person as present (zero:
	// not marked).
	Attended time.Time `json:"attended,omitzero"`
	// Rating (1-5, 0: none) and Comment are the person's answer to the
	// feedback mail.
	Rating  int    `json:"rating,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// Pairing is a list's current chevruta pairs (one group of three when the
// count was odd).
type Pairing struct {
	List    string     `json:"list"`
	ListUID uint32     `json:"list_uid"`
	Round   int        `json:"round"`
	Made    time.Time  `json:"made"`
	Groups  [][]string `json:"groups"`
}

// DigestState is where a list's weekly digest stands: the last archive
// sequence number a digest covered and the last schedule slot handled.
type DigestState struct {
	List     string    `json:"list"`
	ListUID  uint32    `json:"list_uid"`
	LastSeq  uint64    `json:"last_seq"`
	LastSlot time.Time `json:"last_slot,omitzero"`
	LastSent time.Time `json:"last_sent,omitzero"`
	Number   int       `json:"number"`
}

func sessionKey(list string, id uint64) []byte {
	return append([]byte(list+"\x00"), u64(id)...)
}

// NewSessionID reserves the next session ID (IDs are never reused, across
// all lists).
func (t *Tx) NewSessionID() (uint64, error) {
	id, err := t.tx.Bucket(bSessions).NextSequence()
	if err != nil {
		return 0, fmt.Errorf("new session id: %w", err)
	}
	return id, nil
}

// PutSession creates or replaces a session.
func (t *Tx) PutSession(s Session) error {
	if s.ID == 0 || s.List == "" {
		return fmt.Errorf("put session: missing id or list")
	}
	return putJSON(t.tx.Bucket(bSessions), sessionKey(s.List, s.ID), s)
}

// Session returns one session of a list, or ErrNotFound.
func (t *Tx) Session(list string, id uint64) (Session, error) {
	var s Session
	if err := getJSON(t.tx.Bucket(bSessions), sessionKey(list, id), &s); err != nil {
		return s, fmt.Errorf("session %d of %s: %w", id, list, err)
	}
	return s, nil
}

// EachSession calls fn for every session of a list in ID order.
func (t *Tx) EachSession(list string, fn func(Session) error) error {
	prefix := []byte(list + "\x00")
	c := t.tx.Bucket(bSessions).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var s Session
		if err := jsonUnmarshal(v, &s); err != nil {
			return fmt.Errorf("session %q: %w", k, err)
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

func rsvpKey(list string, session uint64, addr string) []byte {
	k := sessionKey(list, session)
	k = append(k, 0)
	return append(k, strings.ToLower(addr)...)
}

// PutRSVP records (or replaces) a member's answer for a session.
func (t *Tx) PutRSVP(r RSVP) error {
	r.Address = strings.ToLower(r.Address)
	return putJSON(t.tx.Bucket(bRSVPs), rsvpKey(r.List, r.Session, r.Address), r)
}

// RSVPs returns the answers for one session in address order.
func (t *Tx) RSVPs(list string, session uint64) ([]RSVP, error) {
	var out []RSVP
	prefix := append(sessionKey(list, session), 0)
	c := t.tx.Bucket(bRSVPs).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var r RSVP
		if err := jsonUnmarshal(v, &r); err != nil {
			return nil, fmt.Errorf("rsvp %q: %w", k, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Pairing returns a list's current pairs, or ErrNotFound.
func (t *Tx) Pairing(list string) (Pairing, error) {
	var p Pairing
	if err := getJSON(t.tx.Bucket(bPairs), []byte(list), &p); err != nil {
		return p, fmt.Errorf("pairs of %s: %w", list, err)
	}
	return p, nil
}

// PutPairing replaces a list's current pairs and adds every two people
// grouped together to the pair history, in the same step.
func (t *Tx) PutPairing(p Pairing) error {
	for _, g := range p.Groups {
		for i := 0; i < len(g); i++ {
			for j := i + 1; j < len(g); j++ {
				k := pairKey(p.List, g[i], g[j])
				n := uint64(0)
				if v := t.tx.Bucket(bPairHistory).Get(k); len(v) == 8 {
					n = binary.BigEndian.Uint64(v)
				}
				if err := t.tx.Bucket(bPairHistory).Put(k, u64(n+1)); err != nil {
					return fmt.Errorf("pair history of %s: %w", p.List, err)
				}
			}
		}
	}
	return putJSON(t.tx.Bucket(bPairs), []byte(p.List), p)
}

func pairKey(list, a, b string) []byte {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if b < a {
		a, b = b, a
	}
	return []byte(list + "\x00" + a + "\x00" + b)
}

// TimesPaired tells how often two people of a list were grouped together.
func (t *Tx) TimesPaired(list, a, b string) int {
	if v := t.tx.Bucket(bPairHistory).Get(pairKey(list, a, b)); len(v) == 8 {
		return int(binary.BigEndian.Uint64(v))
	}
	return 0
}

// DigestState returns a list's weekly digest position, or ErrNotFound
// before its first digest.
func (t *Tx) DigestState(list string) (DigestState, error) {
	var d DigestState
	if err := getJSON(t.tx.Bucket(bDigestState), []byte(list), &d); err != nil {
		return d, fmt.Errorf("digest state of %s: %w", list, err)
	}
	return d, nil
}

// PutDigestState records a list's weekly digest position.
func (t *Tx) PutDigestState(d DigestState) error {
	return putJSON(t.tx.Bucket(bDigestState), []byte(d.List), d)
}

// DeleteListSchedule removes a list's sessions, answers, pairs, pair
// history and digest position (for DeleteList). Sent-job marks stay: they
// name sessions by IDs that are never reused.
func (t *Tx) DeleteListSchedule(list string) error {
	prefix := []byte(list + "\x00")
	for _, name := range [][]byte{bSessions, bRSVPs, bPairHistory} {
		if err := deletePrefix(t.tx.Bucket(name), prefix); err != nil {
			return fmt.Errorf("delete schedule of %s: %w", list, err)
		}
	}
	for _, name := range [][]byte{bPairs, bDigestState} {
		if err := t.tx.Bucket(name).Delete([]byte(list)); err != nil {
			return fmt.Errorf("delete schedule of %s: %w", list, err)
		}
	}
	return nil
}

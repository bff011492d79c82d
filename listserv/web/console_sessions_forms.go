package web

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"minyan/digest"
	"minyan/listserv"
	"minyan/listserv/i18n"
)

// The forms of the console's sessions pages. They translate what a
// browser sends (a date and a time input, an end date, a length in
// words, a zone from a list) into the request `minyan session add`
// makes; the domain (digest.Scheduler) checks every rule.

// formProblem is a form's answer to the person: a catalogue key and its
// arguments, put in the viewer's language by the page. Field, when set,
// names the form field the answer is about; its label comes first among
// the arguments.
type formProblem struct {
	Key   string
	Field string
	Args  []any
}

// In writes the problem in language l.
func (p formProblem) In(l i18n.Lang) string {
	c := i18n.Builtin()
	args := p.Args
	if p.Field != "" {
		key, n := fieldLabel(p.Field)
		label := c.T(l, key)
		if n > 0 {
			label = c.T(l, key, n)
		}
		args = append([]any{label}, args...)
	}
	return c.T(l, p.Key, args...)
}

// Error is the English sentence, for logs and tests.
func (p formProblem) Error() string { return p.In(i18n.English) }

func problem(key string, args ...any) error { return formProblem{Key: key, Args: args} }

// fieldLabel is the catalogue key of a session form field's label (and
// the number of a question field).
func fieldLabel(field string) (string, int) {
	switch field {
	case "q1", "q2", "q3":
		return "events.f_question", int(field[1] - '0')
	}
	key, ok := map[string]string{
		"topic": "events.f_topic", "date": "events.f_date", "start": "events.f_date", "time": "events.f_time",
		"end_date": "events.f_end_date", "end_time": "events.f_end_time", "duration": "events.f_length",
		"zone": "events.f_zone", "location": "events.f_place", "link": "events.f_link",
	}[field]
	if !ok {
		return "events.f_topic", 0
	}
	return key, 0
}

// sessionField reads one line of at most max bytes.
func sessionField(v url.Values, key string, max int) (string, error) {
	s, err := oneLineField(v, key, max)
	if err != nil {
		return "", formProblem{Key: "events.err_line", Field: key, Args: []any{max}}
	}
	return s, nil
}

// sessionForm is POST /lists/NAME/admin/sessions: a session or a series,
// as `minyan session add` takes it.
type sessionForm struct{ Req digest.AddRequest }

// Form layouts of <input type="date"> and <input type="time">.
const (
	dateLayout = "2006-01-02"
	timeLayout = "15:04"
)

// wallStart reads a start: the fields date and time (time may be empty
// when allDay), or, from a client without date inputs, start as
// "YYYY-MM-DD HH:MM".
func wallStart(v url.Values, allDay bool) (date time.Time, clock string, err error) {
	d, err := sessionField(v, "date", 10)
	if err != nil {
		return date, "", err
	}
	if d == "" {
		s, err := sessionField(v, "start", 16)
		if err != nil {
			return date, "", err
		}
		if t, err := time.Parse(digest.LocalLayout, s); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), t.Format(timeLayout), nil
		}
		if t, err := time.Parse(dateLayout, s); err == nil && allDay {
			return t, "", nil
		}
		return date, "", problem("events.err_start")
	}
	if date, err = time.Parse(dateLayout, d); err != nil {
		return date, "", problem("events.err_date")
	}
	c, err := sessionField(v, "time", 5)
	if err != nil {
		return date, "", err
	}
	if c == "" && !allDay {
		return date, "", problem("events.err_time_missing")
	}
	if c != "" {
		if _, err := time.Parse(timeLayout, c); err != nil {
			return date, "", problem("events.err_time")
		}
	}
	return date, c, nil
}

func sessionValues(list string, v url.Values) (sessionForm, error) {
	var f sessionForm
	f.Req.List = list
	f.Req.AllDay = v.Get("all_day") != ""
	date, clock, err := wallStart(v, f.Req.AllDay)
	if err != nil {
		return f, err
	}
	f.Req.Start = date.Format(dateLayout)
	if f.Req.AllDay {
		clock = "" // a browser sends the time field even when all day is ticked
	} else {
		f.Req.Start += " " + clock
	}
	switch every := v.Get("every"); every {
	case "", "once":
	case digest.EveryWeekly, digest.EveryBiweekly, digest.EveryMonthly:
		f.Req.Every = every
	default:
		return f, problem("events.err_every")
	}
	if c := strings.TrimSpace(v.Get("count")); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 || n > digest.MaxSeries {
			return f, problem("events.err_count", digest.MaxSeries)
		}
		f.Req.Count = n
	}
	if f.Req.Every == "" || f.Req.Count == 0 {
		f.Req.Count = 1 // the form's default: one session
	}
	end, err := sessionField(v, "end_date", 10)
	if err != nil {
		return f, err
	}
	length, err := sessionField(v, "duration", 100)
	if err != nil {
		return f, err
	}
	switch {
	case end != "" && length != "":
		return f, problem("events.err_end_and_length")
	case end != "":
		last, err := time.Parse(dateLayout, end)
		if err != nil {
			return f, problem("events.err_end_date")
		}
		days := int(last.Sub(date).Hours()/24) + 1
		if days < 1 {
			return f, problem("events.err_end_before")
		}
		if days > 366 {
			return f, problem("events.err_too_long")
		}
		if f.Req.AllDay || clock == "" {
			f.Req.Duration = time.Duration(days) * 24 * time.Hour
		} else {
			// Hours on several days: from the first day's start
			// time to the end time on the last day (the start time
			// again when none is given). Wall-clock arithmetic: across
			// a change of daylight saving time the length is off by
			// that hour, as a calendar would show it too.
			endClock, err := sessionField(v, "end_time", 5)
			if err != nil {
				return f, err
			}
			if endClock == "" {
				endClock = clock
			}
			ec, err := time.Parse(timeLayout, endClock)
			if err != nil {
				return f, problem("events.err_time")
			}
			sc, _ := time.Parse(timeLayout, clock)
			f.Req.Duration = time.Duration(days-1)*24*time.Hour + ec.Sub(sc)
			if f.Req.Duration <= 0 {
				return f, problem("events.err_end_before")
			}
		}
	case length != "":
		d, err := listserv.ParseHumanDuration(length)
		if err != nil || d <= 0 {
			return f, problem("events.err_length")
		}
		f.Req.Duration = d
	}
	if f.Req.Zone, err = sessionField(v, "zone", 64); err != nil {
		return f, err
	}
	if f.Req.Link, err = sessionField(v, "link", 500); err != nil {
		return f, err
	}
	if f.Req.Topic, err = sessionField(v, "topic", 200); err != nil {
		return f, err
	}
	if f.Req.Location, err = sessionField(v, "location", 200); err != nil {
		return f, err
	}
	if s := strings.TrimSpace(v.Get("seats")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > digest.MaxSeats {
			return f, problem("events.err_seats", digest.MaxSeats)
		}
		f.Req.Seats = n
	}
	for i := 1; i <= digest.MaxQuestions; i++ {
		q, err := sessionField(v, "q"+strconv.Itoa(i), 200)
		if err != nil {
			return f, err
		}
		if q != "" {
			f.Req.Questions = append(f.Req.Questions, q)
		}
	}
	return f, nil
}

// sessionChange is POST /lists/NAME/admin/sessions/ID: action move (with
// a new start), cancel or attend (with the people present).
type sessionChange struct {
	Action string
	Start  string
	// Present are the addresses marked present (action attend).
	Present []string
}

// maxPresent bounds the addresses one attendance form marks.
const maxPresent = 500

func sessionChangeValues(v url.Values) (sessionChange, error) {
	c := sessionChange{Action: v.Get("action")}
	switch c.Action {
	case "cancel":
	case "move":
		date, clock, err := wallStart(v, false)
		if err != nil {
			return c, err
		}
		c.Start = date.Format(dateLayout) + " " + clock
	case "attend":
		// Ticked boxes (one address each) and a box of addresses typed
		// one per line.
		text := strings.Join(v["present"], "\n")
		if len(text) > maxPresent*256 {
			return c, problem("events.err_present_many", maxPresent)
		}
		for _, a := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
			if !listserv.ValidAddress(a) {
				return c, problem("events.err_present_address", a)
			}
			c.Present = append(c.Present, a)
		}
		if len(c.Present) == 0 || len(c.Present) > maxPresent {
			return c, problem("events.err_present_none", maxPresent)
		}
	default:
		return c, problem("events.err_action")
	}
	return c, nil
}

// sessionID reads a session number from the path.
func sessionID(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 19 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil && n > 0
}

package web

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"minyan/digest"
)

func FuzzSessionForm(f *testing.F) {
	fuzzValues(f, []string{"start=2026-12-03+19:00&every=monthly&count=6", "start=2026-13-40+25:00", "start=x&every=daily",
		"start=2026-12-03+19:00&link=https://meet.example.org/a%0A", "start=2026-12-03+19:00&count=-1&every=weekly",
		"date=2027-05-04&time=09:00&end_date=2027-05-06&end_time=17:00&seats=20&q1=a&q2=b",
		"date=2027-05-04&all_day=1&end_date=2027-05-06", "date=2027-05-04&time=19:00&duration=1+hour+and+a+half&zone=Asia/Jerusalem",
		"date=2027-05-04&time=19:00&end_date=2027-05-01", "date=2027-05-04&time=19:00&end_date=2027-05-05&duration=2h"},
		func(t *testing.T, v url.Values) {
			f, err := sessionValues("team", v)
			if err != nil {
				return
			}
			r := f.Req
			if r.Count < 1 || strings.ContainsAny(r.Link+r.Topic+r.Zone+r.Location+strings.Join(r.Questions, ""), "\r\n") || r.List != "team" ||
				r.Duration < 0 || len(r.Questions) > digest.MaxQuestions || r.Seats < 0 || r.Seats > digest.MaxSeats {
				t.Errorf("unclean request %+v", r)
			}
			if _, err := time.Parse(digest.LocalLayout, r.Start); err != nil && !(r.AllDay && len(r.Start) == 10) {
				t.Errorf("start %q is neither a wall-clock time nor an all-day date", r.Start)
			}
		})
}

func FuzzSessionChangeForm(f *testing.F) {
	fuzzValues(f, []string{"action=move&date=2027-01-08&time=19:00", "action=move&start=2027-01-08+19:00", "action=cancel",
		"action=attend&present=a@example.org&present=b@example.org", "action=attend&present=a@example.org%0Anot+an+address", "action=x"},
		func(t *testing.T, v url.Values) {
			c, err := sessionChangeValues(v)
			if err != nil {
				return
			}
			switch c.Action {
			case "move":
				if _, err := time.Parse(digest.LocalLayout, c.Start); err != nil {
					t.Errorf("move to %q", c.Start)
				}
			case "attend":
				if len(c.Present) == 0 || len(c.Present) > maxPresent {
					t.Errorf("%d present", len(c.Present))
				}
			case "cancel":
			default:
				t.Errorf("action %q", c.Action)
			}
		})
}

// TestSessionFormReadsAnEvent: what the console's form sends becomes the
// request `minyan session add` makes.
func TestSessionFormReadsAnEvent(t *testing.T) {
	const day = 24 * time.Hour
	cases := []struct {
		name, query string
		want        digest.AddRequest
	}{
		{"a series, typed", "start=2026-12-03+19:00&every=monthly&count=6&duration=2h&topic=Pirkei+Avot",
			digest.AddRequest{Start: "2026-12-03 19:00", Every: "monthly", Count: 6, Duration: 2 * time.Hour, Topic: "Pirkei Avot"}},
		{"date and time inputs, length in words", "date=2027-03-04&time=19:30&duration=1+hour+30+minutes&zone=America/New_York",
			digest.AddRequest{Start: "2027-03-04 19:30", Count: 1, Duration: 90 * time.Minute, Zone: "America/New_York"}},
		{"three whole days", "date=2027-05-04&time=09:00&all_day=1&end_date=2027-05-06&location=Auburn,+MA&seats=20&q1=Dietary+needs?&q2=Arriving+by?",
			digest.AddRequest{Start: "2027-05-04", Count: 1, AllDay: true, Duration: 3 * day, Location: "Auburn, MA", Seats: 20,
				Questions: []string{"Dietary needs?", "Arriving by?"}}},
		{"three days with hours", "date=2027-05-04&time=09:00&end_date=2027-05-06&end_time=16:00",
			digest.AddRequest{Start: "2027-05-04 09:00", Count: 1, Duration: 2*day + 7*time.Hour}},
		{"three days, no end time", "date=2027-05-04&time=09:00&end_date=2027-05-06",
			digest.AddRequest{Start: "2027-05-04 09:00", Count: 1, Duration: 2 * day}},
		{"all day, one day", "date=2027-05-04&all_day=1", digest.AddRequest{Start: "2027-05-04", Count: 1, AllDay: true}},
		{"length in days", "date=2027-05-04&all_day=on&duration=3+days", digest.AddRequest{Start: "2027-05-04", Count: 1, AllDay: true, Duration: 3 * day}},
	}
	for _, c := range cases {
		v, _ := url.ParseQuery(c.query)
		f, err := sessionValues("team", v)
		c.want.List = "team"
		if err != nil || f.Req.Start != c.want.Start || f.Req.Count != c.want.Count || f.Req.Duration != c.want.Duration ||
			f.Req.AllDay != c.want.AllDay || f.Req.Location != c.want.Location || f.Req.Seats != c.want.Seats || f.Req.Zone != c.want.Zone ||
			f.Req.Topic != c.want.Topic || strings.Join(f.Req.Questions, "|") != strings.Join(c.want.Questions, "|") || f.Req.Every != c.want.Every {
			t.Errorf("%s: %+v, %v\nwant %+v", c.name, f.Req, err, c.want)
		}
	}
	for _, q := range []string{"start=next+thursday", "date=2027-05-04", "date=2027-05-04&time=19:00&end_date=2027-05-03",
		"date=2027-05-04&time=19:00&end_date=2027-05-05&duration=2h", "date=2027-05-04&time=19:00&duration=soon", "date=2027-05-04&time=7pm",
		"date=2027-05-04&time=19:00&seats=-2", "date=2027-05-04&time=19:00&end_date=2027-05-04&end_time=18:00"} {
		v, _ := url.ParseQuery(q)
		if f, err := sessionValues("team", v); err == nil {
			t.Errorf("%s accepted: %+v", q, f.Req)
		}
	}
}

// TestSessionFormProblemNamesTheField: a problem with one field names it
// by its label, in the viewer's language.
func TestSessionFormProblemNamesTheField(t *testing.T) {
	_, err := sessionValues("team", url.Values{"date": {"2027-05-04"}, "time": {"19:00"}, "location": {"a\nb"}})
	p, ok := err.(formProblem)
	if !ok {
		t.Fatalf("%v is not a form problem", err)
	}
	if s := p.In("en"); !strings.HasPrefix(s, "Place (address, room, town): ") {
		t.Errorf("English: %q", s)
	}
	if s := p.In("he"); !strings.HasPrefix(s, "מקום (כתובת, חדר, עיר): ") {
		t.Errorf("Hebrew: %q", s)
	}
	_, err = sessionValues("team", url.Values{"date": {"2027-05-04"}, "time": {"19:00"}, "q2": {"a\nb"}})
	if p, _ := err.(formProblem); !strings.HasPrefix(p.In("es"), "Pregunta 2 ") {
		t.Errorf("Spanish, question 2: %q", p.In("es"))
	}
}

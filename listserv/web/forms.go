package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"minyan/listserv"
)

// Parsers of every path parameter and form field: each returns a clean
// value or a sentence for the person. They are fuzzed (forms_test.go).

// listName accepts a list name as the store spells them: lowercase
// letters, digits, dot, dash and underscore, at most 64 characters.
func listName(s string) (string, bool) {
	if s == "" || len(s) > 64 {
		return "", false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return "", false
		}
	}
	return s, true
}

// token accepts a link token: 16 to 64 letters and digits, any case.
func token(s string) (string, bool) {
	if len(s) < 16 || len(s) > 64 {
		return "", false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", false
		}
	}
	return strings.ToLower(s), true
}

// parseZone reads the time zone a visitor asked to see times in; a name
// that is not an IANA zone is ignored.
func parseZone(s string) (string, *time.Location) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 || s == "Local" || strings.Contains(s, "..") || strings.HasPrefix(s, "/") {
		return "", nil
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return "", nil
	}
	return s, loc
}

var errNoAddress = errors.New("please give an email address, such as name@example.org")

// cleanEmail trims and checks an address typed into a form.
func cleanEmail(s string) (string, error) {
	s = listserv.NormalizeAddress(strings.TrimSpace(s))
	if s == "" {
		return "", errNoAddress
	}
	if len(s) > 254 || !listserv.ValidAddress(s) {
		return "", errors.New("that does not look like an email address; please check it")
	}
	return s, nil
}

func postForm(r *http.Request) (url.Values, error) {
	if err := r.ParseForm(); err != nil {
		return nil, errors.New("that form could not be read; please try again")
	}
	return r.PostForm, nil
}

// joinForm is POST /lists/NAME/join: email and an optional name.
type joinForm struct{ Email, Name string }

func parseJoinForm(r *http.Request) (joinForm, error) {
	v, err := postForm(r)
	if err != nil {
		return joinForm{}, err
	}
	return joinValues(v)
}

func joinValues(v url.Values) (joinForm, error) {
	email, err := cleanEmail(v.Get("email"))
	if err != nil {
		return joinForm{}, err
	}
	name := strings.Join(strings.Fields(v.Get("name")), " ")
	if len(name) > 200 {
		return joinForm{}, errors.New("that name is too long (200 characters at most)")
	}
	return joinForm{Email: email, Name: name}, nil
}

// parseEmailForm is POST /login: email.
func parseEmailForm(r *http.Request) (string, error) {
	v, err := postForm(r)
	if err != nil {
		return "", err
	}
	return cleanEmail(v.Get("email"))
}

// memberForm is POST /me/lists/NAME: mode, or action=leave.
type memberForm struct {
	Mode  listserv.Mode
	Leave bool
}

func parseMemberForm(r *http.Request) (memberForm, error) {
	v, err := postForm(r)
	if err != nil {
		return memberForm{}, err
	}
	return memberValues(v)
}

func memberValues(v url.Values) (memberForm, error) {
	if a := v.Get("action"); a != "" {
		if a != "leave" {
			return memberForm{}, errors.New("that action is not known here")
		}
		return memberForm{Leave: true}, nil
	}
	m := v.Get("mode")
	if mode, ok := listserv.ParseMode(m); ok {
		return memberForm{Mode: mode}, nil
	}
	if m == "" {
		return memberForm{}, errors.New("please choose how you want to get mail")
	}
	return memberForm{}, errors.New("please choose every message, a weekly digest, or no mail")
}

// rsvpForm is POST /me/rsvp: list, session and answer, and for a
// session with questions the answers q1, q2, q3.
type rsvpForm struct {
	List    string
	Session uint64
	Answer  string
	Answers []string
}

// maxFormAnswers is how many question fields the RSVP form has, and
// maxFormAnswer how long one may be.
const (
	maxFormAnswers = 3
	maxFormAnswer  = 2000
)

func parseRSVPForm(r *http.Request) (rsvpForm, error) {
	v, err := postForm(r)
	if err != nil {
		return rsvpForm{}, err
	}
	return rsvpValues(v)
}

func rsvpValues(v url.Values) (rsvpForm, error) {
	list, ok := listName(v.Get("list"))
	if !ok {
		return rsvpForm{}, errors.New("that session is not known here")
	}
	id, err := strconv.ParseUint(v.Get("session"), 10, 64)
	if err != nil || id == 0 {
		return rsvpForm{}, errors.New("that session is not known here")
	}
	var answers []string
	for i := 1; i <= maxFormAnswers; i++ {
		a := v.Get("q" + strconv.Itoa(i))
		if len(a) > maxFormAnswer {
			return rsvpForm{}, errors.New("please keep each answer shorter")
		}
		answers = append(answers, a)
	}
	switch a := v.Get("answer"); a {
	case "yes", "no", "maybe":
		return rsvpForm{List: list, Session: id, Answer: a, Answers: answers}, nil
	}
	return rsvpForm{}, errors.New("please answer yes, no or maybe")
}

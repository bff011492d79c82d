package listserv

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// MaxHumanDuration bounds every duration a person types: ten years is
// more than any setting or session needs, and keeps the arithmetic far
// from overflow.
const MaxHumanDuration = 10 * 365 * 24 * time.Hour

// durationUnits are the unit words people write, in English, Hebrew and
// Spanish, singular and plural, with and without accents.
var durationUnits = map[string]time.Duration{
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"segundo": time.Second, "segundos": time.Second, "שנייה": time.Second, "שניה": time.Second, "שניות": time.Second,

	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"minuto": time.Minute, "minutos": time.Minute, "דקה": time.Minute, "דקות": time.Minute, "ד'": time.Minute,

	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"hora": time.Hour, "horas": time.Hour, "שעה": time.Hour, "שעות": time.Hour,

	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"día": 24 * time.Hour, "días": 24 * time.Hour, "dia": 24 * time.Hour, "dias": 24 * time.Hour,
	"יום": 24 * time.Hour, "ימים": 24 * time.Hour,

	"w": 7 * 24 * time.Hour, "wk": 7 * 24 * time.Hour, "wks": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
	"semana": 7 * 24 * time.Hour, "semanas": 7 * 24 * time.Hour, "שבוע": 7 * 24 * time.Hour, "שבועות": 7 * 24 * time.Hour,
}

// durationDuals are Hebrew's dual forms: a unit and the number two in
// one word ("two hours" is שעתיים).
var durationDuals = map[string]time.Duration{
	"שעתיים": 2 * time.Hour, "יומיים": 48 * time.Hour, "שבועיים": 14 * 24 * time.Hour,
}

// durationNumbers are the numbers people spell out before a unit ("a
// day", "two hours", "tres días", "שלושה ימים").
var durationNumbers = map[string]float64{
	"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
	"un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
	"אחד": 1, "אחת": 1, "שני": 2, "שתי": 2, "שניים": 2, "שתיים": 2, "שלוש": 3, "שלושה": 3, "שלושת": 3,
	"ארבע": 4, "ארבעה": 4, "ארבעת": 4, "חמש": 5, "חמישה": 5, "חמשת": 5, "שש": 6, "שישה": 6, "ששת": 6,
	"שבע": 7, "שבעה": 7, "שבעת": 7, "שמונה": 8, "שמונת": 8, "תשע": 9, "תשעה": 9, "תשעת": 9, "עשר": 10, "עשרה": 10, "עשרת": 10,
}

// durationHalf are the words for "half" ("an hour and a half", "hora y
// media", "שעה וחצי", "half an hour").
var durationHalf = map[string]bool{"half": true, "media": true, "medio": true, "חצי": true}

// durationJoiners are the words between parts ("1 hour and 30 minutes",
// "1 hora y 30 minutos"); Hebrew writes its "and" as a prefix ו.
var durationJoiners = map[string]bool{"and": true, "y": true, "e": true, "&": true, "+": true, "ו": true}

// ParseHumanDuration reads a duration as people write it: Go's syntax
// ("90m", "1h30m"), whole days ("14d"), or words in English, Hebrew or
// Spanish ("1 hour", "90 minutes", "2 days", "an hour and a half",
// "hora y media", "שעתיים"). It is the one duration parser of every
// door: the command line's --duration, list settings and the console's
// forms. Zero is accepted ("0", for settings that turn something off);
// negative and longer than MaxHumanDuration are not.
func ParseHumanDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	bad := RefuseSaying(fmt.Sprintf("must be a duration such as 90m, 24h, 14d or \"1 hour 30 minutes\", not %q", v), "duration_err.bad", v)
	if len(v) > 100 {
		return 0, bad
	}
	if d, ok := goDuration(v); ok {
		if d < 0 || d > MaxHumanDuration {
			return 0, bad
		}
		return d, nil
	}
	d, ok := wordsDuration(v)
	if !ok || d > MaxHumanDuration {
		return 0, bad
	}
	return d, nil
}

// goDuration reads Go's duration syntax and a "d" unit for whole days.
func goDuration(v string) (time.Duration, bool) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		if k, err := strconv.Atoi(n); err == nil && k >= 0 && k <= int(MaxHumanDuration/(24*time.Hour)) {
			return time.Duration(k) * 24 * time.Hour, true
		}
	}
	d, err := time.ParseDuration(v)
	return d, err == nil
}

// durationTokens splits words from numbers ("90min" is "90 min") and at
// spaces, commas between parts and hyphens ("1-hour").
func durationTokens(v string) []string {
	var b strings.Builder
	prevDigit, prevLetter := false, false
	for _, r := range strings.ToLower(v) {
		digit := unicode.IsDigit(r) || r == '.'
		letter := unicode.IsLetter(r) || r == '\''
		if digit && prevLetter || letter && prevDigit {
			b.WriteByte(' ')
		}
		switch {
		case r == '-' || unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
		prevDigit, prevLetter = digit, letter
	}
	var out []string
	for _, f := range strings.Fields(b.String()) {
		// A comma ends a part ("1 hour, 30 minutes"); between digits it
		// is a decimal comma ("1,5 horas").
		if f = strings.TrimSuffix(f, ","); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// wordsDuration adds up NUMBER UNIT parts.
func wordsDuration(v string) (time.Duration, bool) {
	toks := durationTokens(v)
	if len(toks) == 0 {
		return 0, false
	}
	var (
		total    float64 // in nanoseconds, so huge inputs cannot wrap
		pending  = -1.0  // a number waiting for its unit
		lastUnit time.Duration
		parts    int
	)
	isUnit := func(t string) bool {
		_, u := durationUnits[strip(t)]
		return u
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if durationJoiners[t] {
			continue
		}
		t = strip(t)
		if n, ok := number(t); ok {
			if pending >= 0 {
				return 0, false // "1 2 hours"
			}
			pending = n
			continue
		}
		if u, ok := durationUnits[t]; ok {
			n := pending
			if n < 0 {
				n = 1 // "hour", "שעה": one of it
			}
			total += n * float64(u)
			pending, lastUnit = -1, u
			parts++
			continue
		}
		if u, ok := durationDuals[t]; ok && pending < 0 {
			total += float64(u)
			lastUnit = u / 2
			parts++
			continue
		}
		if durationHalf[t] {
			// "half an hour", "media hora", "חצי שעה": a half of the
			// unit that follows; "an hour and a half": of the one before.
			next := i + 1
			if next < len(toks) && durationNumbers[strip(toks[next])] == 1 && next+1 < len(toks) && isUnit(toks[next+1]) {
				next++
			}
			if next < len(toks) && isUnit(toks[next]) && (pending < 0 || pending == 1) {
				pending, i = 0.5, next-1
				continue
			}
			if lastUnit > 0 && (pending < 0 || pending == 1) {
				total += float64(lastUnit) / 2
				pending = -1
				parts++
				continue
			}
			return 0, false
		}
		return 0, false
	}
	if pending >= 0 || parts == 0 || total > float64(MaxHumanDuration) {
		return 0, false
	}
	return time.Duration(total).Round(time.Second), true
}

// strip takes Hebrew's prefixed "and" (ו) off a word whose rest is a
// number, unit or "half" ("וחצי", "ו30").
func strip(t string) string {
	rest, ok := strings.CutPrefix(t, "ו")
	if !ok || rest == "" {
		return t
	}
	if _, u := durationUnits[t]; u {
		return t
	}
	if _, n := number(rest); n || durationHalf[rest] {
		return rest
	}
	if _, u := durationUnits[rest]; u {
		return rest
	}
	return t
}

// number reads digits (with a decimal point or comma) or a spelled-out
// number.
func number(t string) (float64, bool) {
	if n, ok := durationNumbers[t]; ok {
		return n, true
	}
	if t == "" || !unicode.IsDigit(rune(t[0])) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.Replace(t, ",", ".", 1), 64)
	if err != nil || f < 0 || f > 1e6 {
		return 0, false
	}
	return f, true
}

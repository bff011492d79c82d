package i18n

import (
	"fmt"
	"strconv"
	"time"
)

// Funcs are the template functions of language l, for both text/template
// (mail) and html/template (pages):
//
//	{{t "key" ARG...}}      the text of key, {1}… replaced by the args
//	{{tn "key" N ARG...}}   the plural text of key for the count N
//	{{date TIME}}           a day as the language writes it (a Localized
//	                        value, such as a session's time, writes itself)
//	{{datetime TIME}}       a day and the time of day
//	{{local V}}             a Localized value (a session's name, a length
//	                        of time) in the language; anything else as it is
//	{{month MONTH}}         a month's name
//	{{lang}}, {{dir}}       the language code and its direction (ltr, rtl)
func (c *Catalogue) Funcs(l Lang) map[string]any {
	return map[string]any{
		"t":        func(key string, args ...any) string { return c.T(l, key, args...) },
		"tn":       func(key string, n any, args ...any) string { return c.N(l, key, count(n), args...) },
		"date":     func(v any) string { return when(l, v, func(t time.Time) string { return c.Date(l, t) }) },
		"datetime": func(v any) string { return when(l, v, func(t time.Time) string { return c.DateTime(l, t) }) },
		"local": func(v any) string {
			if x, ok := v.(Localized); ok {
				return x.In(l)
			}
			return fmt.Sprint(v)
		},
		"month": func(m time.Month) string { return c.T(l, "date.month."+strconv.Itoa(int(m))) },
		"lang":  func() string { return string(l) },
		"dir":   func() string { return l.Dir() },
	}
}

// Date writes a day: "December 7, 2026", "7 בדצמבר 2026", "7 de
// diciembre de 2026". The words and their order come from the
// catalogue (date.day and date.month.1 … date.month.12).
func (c *Catalogue) Date(l Lang, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return c.T(l, "date.day", t.Day(), c.T(l, "date.month."+strconv.Itoa(int(t.Month()))), t.Year(),
		c.T(l, "date.weekday."+strconv.Itoa(int(t.Weekday()))))
}

// DateTime writes a day and its time of day (12-hour clock in English,
// 24-hour in Hebrew and Spanish, as the catalogue's date.time says).
func (c *Catalogue) DateTime(l Lang, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	clock := t.Format(c.T(l, "date.clock"))
	return c.T(l, "date.time", c.Date(l, t), clock, t.Format("MST"))
}

// when formats a time with f and a Localized value in language l;
// anything else (a sample value in a template preview, a text an older
// caller passes) is shown as it is.
func when(l Lang, v any, f func(time.Time) string) string {
	switch t := v.(type) {
	case time.Time:
		return f(t)
	case Localized:
		return t.In(l)
	}
	return fmt.Sprint(v)
}

// count reads the count of a plural text: any integer, or a string of
// digits (a sample value in a template preview); anything else is 0.
func count(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case uint64:
		return int(n)
	case int32:
		return int(n)
	case uint:
		return int(n)
	case string:
		i, _ := strconv.Atoi(n)
		return i
	}
	return 0
}

package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"golang.org/x/text/feature/plural"
)

//go:embed catalogue/*/*.toml
var catalogueFS embed.FS

// Catalogue holds every text of every language. A text is either a plain
// string or a table of plural forms (one, two, few, many, other: the
// CLDR categories of its language). Texts take arguments as {1}, {2}, …
// and plural texts the count as {n}.
type Catalogue struct {
	texts map[Lang]map[string]text
}

type text struct {
	plain string
	forms map[plural.Form]string
}

var formNames = map[string]plural.Form{"zero": plural.Zero, "one": plural.One, "two": plural.Two, "few": plural.Few, "many": plural.Many, "other": plural.Other}

// Load reads the embedded catalogues. It fails on a file that does not
// parse or a plural text without its "other" form.
func Load() (*Catalogue, error) {
	c := &Catalogue{texts: map[Lang]map[string]text{}}
	for _, l := range Langs {
		m, err := loadLang(catalogueFS, l)
		if err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", l, err)
		}
		c.texts[l] = m
	}
	return c, nil
}

// loadLang reads every file of one language's catalogue
// (catalogue/LANG/*.toml). The texts of an area of minyan may live in a
// file of their own, so that work on one area does not touch another's
// file; a key defined in two files is an error, not a silent override.
func loadLang(fsys fs.FS, l Lang) (map[string]text, error) {
	dir := "catalogue/" + string(l)
	files, err := fs.Glob(fsys, dir+"/*.toml")
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no files in %s", dir)
	}
	m := map[string]text{}
	from := map[string]string{}
	for _, f := range files {
		src, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var raw map[string]any
		if _, err := toml.Decode(string(src), &raw); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		part := map[string]text{}
		if err := flatten(part, "", raw); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for k, v := range part {
			if prev, ok := from[k]; ok {
				return nil, fmt.Errorf("%s: key %q is also in %s", f, k, prev)
			}
			from[k] = f
			m[k] = v
		}
	}
	return m, nil
}

// flatten turns nested tables into dotted keys; a table whose keys are
// all plural categories is one plural text.
func flatten(out map[string]text, prefix string, raw map[string]any) error {
	for k, v := range raw {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch v := v.(type) {
		case string:
			out[key] = text{plain: v}
		case map[string]any:
			if forms, ok := pluralForms(v); ok {
				if _, ok := forms[plural.Other]; !ok {
					return fmt.Errorf("%s: a plural text needs its \"other\" form", key)
				}
				out[key] = text{forms: forms}
				continue
			}
			if err := flatten(out, key, v); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: a text must be a string or a table", key)
		}
	}
	return nil
}

func pluralForms(v map[string]any) (map[plural.Form]string, bool) {
	forms := map[plural.Form]string{}
	for k, s := range v {
		f, ok := formNames[k]
		str, isStr := s.(string)
		if !ok || !isStr {
			return nil, false
		}
		forms[f] = str
	}
	return forms, len(forms) > 0
}

// mustLoad is the catalogue built into the binary; the embedded files
// are checked by the tests, so a failure here is a build mistake.
func mustLoad() *Catalogue {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// builtin is read once, when first asked for (a command that prints
// nothing translated does not pay for reading it); it is never changed
// after.
var builtin = sync.OnceValue(mustLoad)

// Builtin returns the embedded catalogue.
func Builtin() *Catalogue { return builtin() }

// Keys returns the keys of one language, sorted.
func (c *Catalogue) Keys(l Lang) []string {
	keys := make([]string, 0, len(c.texts[l]))
	for k := range c.texts[l] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether language l has its own text for key.
func (c *Catalogue) Has(l Lang, key string) bool {
	_, ok := c.texts[l][key]
	return ok
}

// IsPlural reports whether key is a plural text in language l.
func (c *Catalogue) IsPlural(l Lang, key string) bool {
	return c.texts[l][key].forms != nil
}

func (c *Catalogue) lookup(l Lang, key string) (text, bool) {
	if t, ok := c.texts[l][key]; ok {
		return t, true
	}
	t, ok := c.texts[English][key]
	return t, ok
}

// T returns the text of key in language l (English when l lacks it; the
// key itself in brackets when no language has it, so a mistake shows on
// the page and the missing-key test names it) with {1}, {2}, … replaced
// by args.
func (c *Catalogue) T(l Lang, key string, args ...any) string {
	t, ok := c.lookup(l, key)
	if !ok {
		return "[" + key + "]"
	}
	s := t.plain
	if t.forms != nil {
		s = t.forms[plural.Other]
	}
	return fill(s, "", localize(l, args))
}

// N returns the plural text of key for the count n in language l, with
// {n} the count and {1}, {2}, … the args.
func (c *Catalogue) N(l Lang, key string, n int, args ...any) string {
	t, ok := c.lookup(l, key)
	if !ok {
		return "[" + key + "]"
	}
	if !c.Has(l, key) {
		l = English
	}
	s := t.plain
	if t.forms != nil {
		abs := n
		if abs < 0 {
			abs = -abs
		}
		form := plural.Cardinal.MatchPlural(l.Tag(), abs, 0, 0, 0, 0)
		var found bool
		if s, found = t.forms[form]; !found {
			s = t.forms[plural.Other]
		}
	}
	return fill(s, strconv.Itoa(n), localize(l, args))
}

// Localized is a value that writes itself in a language (a sentence the
// domain says, a session's time): as an argument of T or N, or through
// {{date}}, it is written in the text's language, not as fmt prints it.
type Localized interface {
	In(Lang) string
}

// localize writes the Localized args in language l, in a copy (the
// caller's slice is left as it was).
func localize(l Lang, args []any) []any {
	var out []any
	for i, a := range args {
		if v, ok := a.(Localized); ok {
			if out == nil {
				out = append([]any(nil), args...)
			}
			out[i] = v.In(l)
		}
	}
	if out == nil {
		return args
	}
	return out
}

func fill(s, n string, args []any) string {
	if !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, 2*len(args)+2)
	if n != "" {
		pairs = append(pairs, "{n}", n)
	}
	for i, a := range args {
		pairs = append(pairs, "{"+strconv.Itoa(i+1)+"}", fmt.Sprint(a))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

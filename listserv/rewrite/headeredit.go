package rewrite

import (
	"bytes"
	"fmt"
	"net/textproto"
	"strings"

	gmtextproto "github.com/emersion/go-message/textproto"
)

// go-message's textproto.Header only inserts at the top and deletes, which
// keeps untouched fields byte-exact. These helpers add the one operation a
// list needs on top of that: replacing a field where it stands, so that a
// tagged Subject or a munged From does not jump to the top of the header.

// rawField is one header field as the bytes written on the wire (CRLF
// terminated, folded as it was).
type rawField struct {
	key string // canonical key
	raw []byte
}

// fieldsOf lists the fields of h from top to bottom.
func fieldsOf(h *gmtextproto.Header) ([]rawField, error) {
	var fs []rawField
	it := h.Fields()
	for it.Next() {
		raw, err := it.Raw()
		if err != nil {
			return nil, fmt.Errorf("reading header field %q: %w", it.Key(), err)
		}
		fs = append(fs, rawField{key: textproto.CanonicalMIMEHeaderKey(it.Key()), raw: raw})
	}
	return fs, nil
}

// headerFrom builds a header with fields fs in top-to-bottom order
// (AddRaw inserts at the top, hence the reverse walk).
func headerFrom(fs []rawField) gmtextproto.Header {
	var h gmtextproto.Header
	for i := len(fs) - 1; i >= 0; i-- {
		h.AddRaw(fs[i].raw)
	}
	return h
}

// formatField renders "Key: value" folded as go-message folds it,
// refusing values that would need CR or LF.
func formatField(key, value string) (rawField, error) {
	var h gmtextproto.Header
	h.Add(key, value)
	fs, err := fieldsOf(&h)
	if err != nil {
		return rawField{}, err
	}
	f := fs[0]
	// Keep the caller's spelling ("MIME-Version", "Message-ID"): Add
	// writes the canonical one ("Mime-Version"), equal but odd-looking.
	if bytes.HasPrefix(f.raw, []byte(f.key+":")) {
		f.raw = append([]byte(key), f.raw[len(f.key):]...)
	}
	return f, nil
}

// setField replaces the first key field of h in place with value and drops
// any other key field; without one, the field is inserted at the top.
func setField(h *gmtextproto.Header, key, value string) error {
	nf, err := formatField(key, value)
	if err != nil {
		return fmt.Errorf("setting %s: %w", key, err)
	}
	fs, err := fieldsOf(h)
	if err != nil {
		return fmt.Errorf("setting %s: %w", key, err)
	}
	out := make([]rawField, 0, len(fs)+1)
	done := false
	for _, f := range fs {
		if f.key != nf.key {
			out = append(out, f)
			continue
		}
		if !done {
			out = append(out, nf)
			done = true
		}
	}
	if !done {
		out = append([]rawField{nf}, out...)
	}
	*h = headerFrom(out)
	return nil
}

// setFieldAfter is setField, except that a field that did not exist is
// placed just below the first field named after (or at the top without
// one), e.g. a new Reply-To next to From.
func setFieldAfter(h *gmtextproto.Header, key, value, after string) error {
	if h.Has(key) || !h.Has(after) {
		return setField(h, key, value)
	}
	nf, err := formatField(key, value)
	if err != nil {
		return fmt.Errorf("setting %s: %w", key, err)
	}
	fs, err := fieldsOf(h)
	if err != nil {
		return fmt.Errorf("setting %s: %w", key, err)
	}
	after = textproto.CanonicalMIMEHeaderKey(after)
	out := make([]rawField, 0, len(fs)+1)
	done := false
	for _, f := range fs {
		out = append(out, f)
		if !done && f.key == after {
			out = append(out, nf)
			done = true
		}
	}
	*h = headerFrom(out)
	return nil
}

// keepFirst drops every key field of h but the first, which stays where
// it stands, byte-exact.
func keepFirst(h *gmtextproto.Header, key string) error {
	if len(h.Values(key)) < 2 {
		return nil
	}
	fs, err := fieldsOf(h)
	if err != nil {
		return fmt.Errorf("keeping one %s: %w", key, err)
	}
	key = textproto.CanonicalMIMEHeaderKey(key)
	out := make([]rawField, 0, len(fs))
	seen := false
	for _, f := range fs {
		if f.key == key {
			if seen {
				continue
			}
			seen = true
		}
		out = append(out, f)
	}
	*h = headerFrom(out)
	return nil
}

// oneLine makes s safe as a header value: CR, LF and NUL become spaces and
// runs of whitespace they create collapse, because go-message refuses to
// write a value containing a line break and a stray one would let an input
// inject header fields.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\x00") {
		return strings.TrimSpace(s)
	}
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\r', '\n', 0:
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

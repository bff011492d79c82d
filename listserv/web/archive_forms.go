package web

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"minyan/listserv"
	"minyan/listserv/search"
)

// Parsers of the archive's path parameters and query fields. Each
// returns a clean value or false; a bad one answers "Page not found"
// (paths) or is ignored (filters). They are fuzzed (archive_test.go).

// maxPage bounds page numbers (no archive has that many pages; a larger
// number is someone typing).
const maxPage = 100000

// parseSeq reads SEQ, a message's number: decimal digits, 1 or more, no
// sign or leading zero.
func parseSeq(s string) (uint64, bool) {
	if s == "" || len(s) > 19 || s[0] == '0' {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil && n > 0
}

// parseAttachment reads N, an attachment's number (from 1, at most 1000).
func parseAttachment(s string) (int, bool) {
	n, ok := parseSeq(s)
	if !ok || n > 1000 {
		return 0, false
	}
	return int(n), true
}

// parsePage reads ?page=N: empty is page 1; anything else must be a
// number from 1 to maxPage.
func parsePage(s string) (int, bool) {
	if s == "" {
		return 1, true
	}
	n, ok := parseSeq(s)
	if !ok || n > maxPage {
		return 0, false
	}
	return int(n), true
}

// parseMonthPath reads YYYY-MM as written in an archive path.
func parseMonthPath(s string) (int, time.Month, bool) {
	if len(s) != 7 || s[4] != '-' {
		return 0, 0, false
	}
	y, m, err := listserv.ParseMonth(s)
	if err != nil || y < 1970 {
		return 0, 0, false
	}
	return y, m, true
}

// maxQuery bounds what a search box may hold.
const maxQuery = 500

// cleanQuery trims a typed query; ok is false for one too long or not
// UTF-8.
func cleanQuery(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > maxQuery || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return "", false
	}
	return s, true
}

// parseTag reads a #tag filter: letters, digits, '_' and '-' after an
// optional '#', lowercased, at most 64 bytes; "" is no filter.
func parseTag(s string) (string, bool) {
	s = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "#"))
	if s == "" {
		return "", true
	}
	if len(s) > 64 || !utf8.ValidString(s) {
		return "", false
	}
	for _, c := range s {
		if !(c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c > 127 && (unicode.IsLetter(c) || unicode.IsDigit(c) || unicode.IsMark(c))) {
			return "", false
		}
	}
	return s, true
}

// parseKindFilter reads a kind filter ("" is any kind).
func parseKindFilter(s string) (search.Kind, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	if len(s) > 32 {
		return "", false
	}
	return search.ParseKind(s)
}

// resourceQuery is the hub's filter as read from the query string.
type resourceQuery struct {
	List, Tag, Q string
	Kind         search.Kind
	Page         int
}

// parseResourceQuery reads ?tag=T&q=Q&kind=K&list=L&page=N. A bad field
// is an error for the person (ok false, with the catalogue key of the
// sentence naming the field).
func parseResourceQuery(get func(string) string) (resourceQuery, string, bool) {
	var f resourceQuery
	var ok bool
	if f.Tag, ok = parseTag(get("tag")); !ok {
		return f, "resources_go.bad_tag", false
	}
	if f.Kind, ok = parseKindFilter(get("kind")); !ok {
		return f, "resources_go.bad_kind", false
	}
	if f.Q, ok = cleanQuery(get("q")); !ok || len(f.Q) > 200 {
		return f, "resources_go.too_long", false
	}
	if l := get("list"); l != "" {
		if f.List, ok = listName(l); !ok {
			return f, noSuchList, false
		}
	}
	if f.Page, ok = parsePage(get("page")); !ok {
		return f, "resources_go.bad_page", false
	}
	return f, "", true
}

// parseRedactForm reads the redaction form's `reason` (optional, at most
// 500 characters, one line).
func parseRedactForm(r interface{ FormValue(string) string }) (string, bool) {
	reason := strings.TrimSpace(r.FormValue("reason"))
	if len(reason) > 500 || !utf8.ValidString(reason) {
		return "", false
	}
	return reason, true
}

// noSuchList is the key of the problem of a ?list= naming no list.
const noSuchList = "resources_go.no_list"

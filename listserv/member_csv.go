package listserv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The roster file format, shared by `minyan member import` and the
// console's CSV import: a header row naming the columns, then one row
// per person. Bad rows are reported with their line and skipped.

// MemberCSVColumns are the header names an import understands.
const MemberCSVColumns = "email, name, role, mode, good_standing"

// MemberRow is one good row of an import file, with its line for
// messages.
type MemberRow struct {
	Line int
	Spec MemberSpec
}

// memberCSVHeader maps the known columns to their index (-1 = absent).
type memberCSVHeader struct {
	email, name, role, mode, good int
}

// parseMemberCSVHeader reads the header row: names are matched without
// regard to case, spaces or dashes ("Good Standing" is good_standing), in
// any order. Only email is required; unknown columns are ignored with a
// warning.
func parseMemberCSVHeader(rec []string, warn func(string)) (memberCSVHeader, error) {
	h := memberCSVHeader{-1, -1, -1, -1, -1}
	for i, raw := range rec {
		name := strings.ToLower(strings.TrimSpace(raw))
		name = strings.NewReplacer(" ", "_", "-", "_").Replace(name)
		var slot *int
		switch name {
		case "email", "e_mail":
			slot = &h.email
		case "name":
			slot = &h.name
		case "role":
			slot = &h.role
		case "mode":
			slot = &h.mode
		case "good_standing":
			slot = &h.good
		default:
			if strings.Contains(raw, "@") {
				return h, fmt.Errorf("the first row must be a header naming the columns (%s), not an address such as %q", MemberCSVColumns, raw)
			}
			warn(fmt.Sprintf("ignoring unknown column %q (known: %s)", raw, MemberCSVColumns))
			continue
		}
		if *slot >= 0 {
			return h, fmt.Errorf("column %q appears twice in the header row", raw)
		}
		*slot = i
	}
	if h.email < 0 {
		return h, fmt.Errorf("the header row has no email column (columns: %s; only email is required)", MemberCSVColumns)
	}
	return h, nil
}

// ParseMemberCSV turns an import file into member specs. Each bad row
// (wrong number of fields, bad address, role, mode or true/false, or an
// address seen before) is passed to bad with its line and left out;
// warn receives remarks that skip nothing. An error means the file as a
// whole is unusable (empty, or no usable header).
func ParseMemberCSV(data []byte, bad func(line int, msg string), warn func(string)) ([]MemberRow, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // spreadsheets often write a BOM
	r := csv.NewReader(bytes.NewReader(data))
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("the file is empty; it needs a header row (%s) and then one row per person", MemberCSVColumns)
	}
	if err != nil {
		return nil, fmt.Errorf("header row: %w", err)
	}
	head = append([]string(nil), head...)
	h, err := parseMemberCSVHeader(head, warn)
	if err != nil {
		return nil, err
	}
	var rows []MemberRow
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				bad(pe.StartLine, fmt.Sprintf("%d fields where the header has %d", len(rec), len(head)))
			} else {
				bad(pe.StartLine, pe.Err.Error())
			}
			continue
		}
		if err != nil {
			return rows, err
		}
		line, _ := r.FieldPos(0)
		spec, msg := memberFromCSVRecord(rec, h)
		if msg != "" {
			bad(line, msg)
			continue
		}
		if first, dup := seen[spec.Address]; dup {
			bad(line, fmt.Sprintf("%s is already on line %d", spec.Address, first))
			continue
		}
		seen[spec.Address] = line
		rows = append(rows, MemberRow{Line: line, Spec: spec})
	}
}

// memberFromCSVRecord checks one CSV record; msg says what is wrong with
// it.
func memberFromCSVRecord(rec []string, h memberCSVHeader) (spec MemberSpec, msg string) {
	get := func(i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	spec.Address = NormalizeAddress(get(h.email))
	if spec.Address == "" {
		return spec, "no email address"
	}
	if !ValidAddress(spec.Address) {
		return spec, fmt.Sprintf("%q is not an email address", get(h.email))
	}
	spec.Name = get(h.name)
	if rest, ok := strings.CutPrefix(spec.Name, "'"); ok && rest != "" && strings.ContainsRune(formulaLeads, rune(rest[0])) {
		spec.Name = rest // our own export's guard (SafeCSV), taken off again
	}
	spec.Role = ListRole(strings.ToLower(get(h.role)))
	spec.Mode = Mode(strings.ToLower(get(h.mode)))
	if spec.Role != "" && RoleRank(spec.Role) < 0 {
		return spec, fmt.Sprintf("role %q: must be member, facilitator, moderator or owner", spec.Role)
	}
	if err := checkChoice("mode", spec.Mode, modes); err != nil {
		return spec, fmt.Sprintf("mode %q: must be each, digest or nomail", spec.Mode)
	}
	if v := get(h.good); v != "" {
		b, err := ParseBool(v)
		if err != nil {
			return spec, fmt.Sprintf("good_standing %q: must be true or false", v)
		}
		spec.GoodStanding = &b
	}
	return spec, ""
}

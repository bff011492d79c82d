package migrate

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"minyan/listserv"
)

// Member exports of Google Groups and groups.io are CSV files with a
// header row. Columns are found by their header name (case and spacing
// ignored), so a column added, removed or moved by the exporting system
// does not break the import; a file without an email column is refused.

// csvColumns are the header names a format's export uses for each field.
type csvColumns struct {
	email, name, role, delivery, status []string
}

var (
	googleColumns = csvColumns{
		email:    []string{"email address", "email"},
		name:     []string{"nickname", "name", "display name"},
		role:     []string{"group status", "role"},
		delivery: []string{"email preference", "subscription"},
		status:   []string{"email status", "posting permissions"},
	}
	groupsioColumns = csvColumns{
		email:    []string{"email", "email address"},
		name:     []string{"display name", "name", "full name"},
		role:     []string{"role"},
		delivery: []string{"email delivery", "delivery", "subscription"},
		status:   []string{"status", "member status"},
	}
)

// ReadGoogleGroups reads the member CSV of Google Groups ("Export
// members") for the list name.
func ReadGoogleGroups(r io.Reader, name string) (*Source, error) {
	return readCSVRoster(r, FormatGoogleGroups, name, googleColumns)
}

// ReadGroupsIO reads the member CSV of groups.io (Members, Download) for
// the list name.
func ReadGroupsIO(r io.Reader, name string) (*Source, error) {
	return readCSVRoster(r, FormatGroupsIO, name, groupsioColumns)
}

// normHeader compares header names loosely.
func normHeader(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(strings.Trim(s, "\ufeff \t\""))), " ")
}

func readCSVRoster(r io.Reader, f Format, name string, cols csvColumns) (*Source, error) {
	data, err := io.ReadAll(io.LimitReader(r, 256<<20))
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	src := &Source{Format: f, Name: name, Kind: string(listserv.KindDiscussion)}
	src.unmapped("settings", "", "the member export carries no list settings; set them with `minyan list set`")
	idx := map[string]int{}
	find := func(names []string) int {
		for _, n := range names {
			if i, ok := idx[n]; ok {
				return i
			}
		}
		return -1
	}
	var email, nameCol, role, delivery int
	var status []int
	header := false
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if !header {
			// Some exports start with a title line; the header is the
			// first line naming an email column.
			for i, h := range rec {
				idx[normHeader(h)] = i
			}
			if email = find(cols.email); email < 0 {
				idx = map[string]int{}
				continue
			}
			nameCol, role, delivery = find(cols.name), find(cols.role), find(cols.delivery)
			status = nil
			for _, n := range cols.status { // every status column counts
				if i, ok := idx[n]; ok {
					status = append(status, i)
				}
			}
			header = true
			continue
		}
		get := func(i int) string {
			if i < 0 || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		addr := get(email)
		if addr == "" {
			continue
		}
		var st string
		for _, i := range status {
			st += " " + strings.ToLower(get(i))
		}
		if strings.Contains(st, "banned") {
			src.unmapped("member", addr, "banned on the old list: not imported")
			continue
		}
		if strings.Contains(st, "pending") || strings.Contains(st, "not confirmed") || strings.Contains(st, "invited") {
			src.unmapped("member", addr, "had not confirmed on the old list: not imported")
			continue
		}
		src.Members = append(src.Members, listserv.MemberSpec{
			Address: addr, Name: get(nameCol), Role: csvRole(get(role)), Mode: csvMode(get(delivery)),
		})
	}
	if !header {
		return nil, fmt.Errorf("no header row with an email column (%s)", strings.Join(cols.email, ", "))
	}
	return src, nil
}

// csvRole maps Google's member/manager/owner and groups.io's
// Member/Moderator/Owner.
func csvRole(v string) listserv.ListRole {
	switch v = strings.ToLower(v); {
	case strings.Contains(v, "owner"):
		return listserv.ListOwner
	case strings.Contains(v, "manager"), strings.Contains(v, "moderator"):
		return listserv.ListModerator
	}
	return listserv.ListMember
}

// csvMode maps delivery preferences: every message, a digest or summary
// of any kind, or none (web only, special notices only).
func csvMode(v string) listserv.Mode {
	switch v = strings.ToLower(v); {
	case strings.Contains(v, "digest"), strings.Contains(v, "abridged"), strings.Contains(v, "summary"):
		return listserv.ModeDigest
	case strings.Contains(v, "no email"), strings.Contains(v, "none"), strings.Contains(v, "web only"),
		strings.Contains(v, "special notices"), strings.Contains(v, "nomail"):
		return listserv.ModeNomail
	}
	return listserv.ModeEach
}

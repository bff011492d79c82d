// Package migrate brings a list from another list server: Mailman 2
// (config.pck and the pipermail mbox), Mailman 3 (its REST API and a
// HyperKitty mbox), Google Groups (member export and Takeout mbox) and
// groups.io (member export and messages.zip).
//
// Each format's reader turns its export into a Source: the list's name,
// the settings that have an equivalent here (as `minyan list set`
// KEY=VALUE pairs), those that do not (for the report), the roster, and
// the scheme of its old archive URLs. Apply then moves a Source in
// through the domain's own operations (CreateList, SetList, AddMembers,
// ImportArchive, MapOldArchiveURLs) as an operator, so permissions,
// audit and validation are the same as for every other door, and it
// sends only what differs: running an import twice changes nothing the
// second time.
package migrate

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"

	"minyan/listserv"
	"minyan/store"
)

// Format names an exporting system.
type Format string

// The formats this package reads.
const (
	FormatMailman2     Format = "mailman2"
	FormatMailman3     Format = "mailman3"
	FormatGoogleGroups Format = "google-groups"
	FormatGroupsIO     Format = "groupsio"
)

// Setting is one `minyan list set` pair and the source field it came from.
type Setting struct {
	Key, Value string
	From       string
}

// Unmapped is a source setting with no equivalent here, for the report.
type Unmapped struct {
	Field, Value, Why string
}

// Source is what a format's reader found in an export.
type Source struct {
	Format Format
	// Name is the list's name here (lowercase, valid for ValidListName).
	Name string
	// Address is the list's address on the old server, when known.
	Address string
	// Kind is the preset the list is created with when it does not exist.
	Kind     string
	Settings []Setting
	Unmapped []Unmapped
	Members  []listserv.MemberSpec
}

// set adds a setting; a later value of the same key replaces an earlier
// one, so the list is set once to the final value.
func (s *Source) set(key, value, from string) {
	for i := range s.Settings {
		if s.Settings[i].Key == key {
			s.Settings[i] = Setting{Key: key, Value: value, From: from}
			return
		}
	}
	s.Settings = append(s.Settings, Setting{Key: key, Value: value, From: from})
}

// unmapped adds a setting without equivalent.
func (s *Source) unmapped(field, value, why string) {
	s.Unmapped = append(s.Unmapped, Unmapped{Field: field, Value: value, Why: why})
}

// Options steer Apply.
type Options struct {
	// OldArchiveURL is where the old archive was (its path is what is
	// matched; a URL without a path takes the format's usual one).
	// Empty records no redirects.
	OldArchiveURL string
	// Archive is the messages in mbox form (nil: no archive).
	Archive io.ReaderAt
	// ArchiveSize is Archive's length in bytes.
	ArchiveSize int64
	// Import is passed to ImportArchive (progress, unreadable messages).
	Import listserv.ImportOptions
}

// Report is what Apply did.
type Report struct {
	Created bool
	// Changed are the settings that differed and were set.
	Changed []Setting
	// Refused are settings the list refused, with why.
	Refused  []Unmapped
	Unmapped []Unmapped
	// Added, Updated and Unchanged count roster entries; Failed are the
	// addresses refused with why.
	Added, Updated, Unchanged int
	Failed                    []Unmapped
	Archive                   listserv.ImportResult
	// URLsAdded counts new redirects; URLsMissing the old pages whose
	// post is not in the archive.
	URLsAdded, URLsMissing int
}

// Apply moves src into the list src.Name through svc as actor a.
func Apply(ctx context.Context, svc *listserv.Service, a listserv.Actor, src *Source, o Options) (*Report, error) {
	rep := &Report{Unmapped: src.Unmapped}
	if err := listserv.ValidListName(src.Name); err != nil {
		return rep, fmt.Errorf("list name %q: %w (choose one with --list)", src.Name, err)
	}
	l, found, err := findList(svc, src.Name)
	if err != nil {
		return rep, err
	}
	if !found {
		kind := src.Kind
		if kind == "" {
			kind = string(listserv.KindDiscussion)
		}
		if l, err = svc.CreateList(ctx, a, src.Name, kind, "", ""); err != nil {
			return rep, fmt.Errorf("create list %s: %w", src.Name, err)
		}
		rep.Created = true
	}
	if err := applySettings(ctx, svc, a, l, src, rep); err != nil {
		return rep, err
	}
	if err := applyRoster(ctx, svc, a, src, rep); err != nil {
		return rep, err
	}
	if o.Archive == nil {
		return rep, nil
	}
	rep.Archive, err = svc.ImportArchive(ctx, src.Name, o.Archive, o.ArchiveSize, o.Import)
	if err != nil {
		return rep, fmt.Errorf("archive: %w", err)
	}
	if o.OldArchiveURL == "" {
		return rep, nil
	}
	base, err := oldBase(src, o.OldArchiveURL)
	if err != nil {
		return rep, err
	}
	urls, err := OldURLs(src.Format, base, o.Archive, o.ArchiveSize)
	if err != nil {
		return rep, err
	}
	rep.URLsAdded, rep.URLsMissing, err = svc.MapOldArchiveURLs(ctx, a, src.Name, urls)
	return rep, err
}

// findList looks the list up by name.
func findList(svc *listserv.Service, name string) (store.List, bool, error) {
	lists, err := svc.Lists()
	if err != nil {
		return store.List{}, false, err
	}
	for _, l := range lists {
		if l.Name == name {
			return l, true, nil
		}
	}
	return store.List{}, false, nil
}

// applySettings sets, one by one, the settings whose value differs, so
// one value the list refuses (reported) does not lose the others.
func applySettings(ctx context.Context, svc *listserv.Service, a listserv.Actor, l store.List, src *Source, rep *Report) error {
	for _, st := range src.Settings {
		probe := l.Settings
		if err := listserv.ApplySetting(&probe, st.Key, st.Value, listserv.ServerDefaults{}); err != nil {
			rep.Refused = append(rep.Refused, Unmapped{Field: st.From, Value: st.Value, Why: err.Error()})
			continue
		}
		if listserv.SettingValue(&probe, st.Key) == listserv.SettingValue(&l.Settings, st.Key) {
			continue
		}
		nl, err := svc.SetList(ctx, a, l.Name, []string{st.Key + "=" + st.Value})
		if err != nil {
			rep.Refused = append(rep.Refused, Unmapped{Field: st.From, Value: st.Value, Why: err.Error()})
			continue
		}
		l = nl
		rep.Changed = append(rep.Changed, st)
	}
	return nil
}

// applyRoster adds the members not on the list and updates those whose
// role or delivery mode differ.
func applyRoster(ctx context.Context, svc *listserv.Service, a listserv.Actor, src *Source, rep *Report) error {
	current, err := svc.Members(src.Name)
	if err != nil {
		return err
	}
	have := make(map[string]store.Membership, len(current))
	for _, m := range current {
		have[listserv.NormalizeAddress(m.Address)] = m
	}
	var add, update []listserv.MemberSpec
	seen := map[string]bool{}
	for _, sp := range src.Members {
		addr := listserv.NormalizeAddress(sp.Address)
		if seen[addr] {
			continue
		}
		seen[addr] = true
		if err := sp.Validate(); err != nil {
			rep.Failed = append(rep.Failed, Unmapped{Field: "member", Value: sp.Address, Why: err.Error()})
			continue
		}
		m, ok := have[addr]
		switch {
		case !ok:
			add = append(add, sp)
		case (sp.Role != "" && sp.Role != m.Role) || (sp.Mode != "" && sp.Mode != m.Mode):
			update = append(update, sp)
		default:
			rep.Unchanged++
		}
	}
	for _, batch := range []struct {
		specs  []listserv.MemberSpec
		update bool
		count  *int
	}{{add, false, &rep.Added}, {update, true, &rep.Updated}} {
		if len(batch.specs) == 0 {
			continue
		}
		res, err := svc.AddMembers(ctx, a, src.Name, batch.specs, batch.update)
		if err != nil {
			return fmt.Errorf("roster: %w", err)
		}
		for _, r := range res {
			if r.Err != nil {
				rep.Failed = append(rep.Failed, Unmapped{Field: "member", Value: r.Address, Why: r.Err.Error()})
				continue
			}
			*batch.count++
		}
	}
	return nil
}

// oldBase is the path prefix of the old archive's pages.
func oldBase(src *Source, oldURL string) (string, error) {
	u, err := url.Parse(oldURL)
	if err != nil {
		return "", fmt.Errorf("--old-archive-url %q: %w", oldURL, err)
	}
	if p := strings.TrimRight(u.Path, "/"); p != "" {
		return p, nil
	}
	name := src.Name
	if local, _, ok := strings.Cut(src.Address, "@"); ok {
		name = local
	}
	switch src.Format {
	case FormatMailman2:
		return "/pipermail/" + name, nil
	case FormatMailman3:
		if src.Address == "" {
			return "", errors.New("--old-archive-url: give the full HyperKitty path, such as https://host/hyperkitty/list/NAME@DOMAIN/")
		}
		return "/hyperkitty/list/" + src.Address, nil
	}
	return "/g/" + name, nil
}

// digestOf identifies a message without Message-ID as ImportArchive does.
func digestOf(raw []byte) []byte {
	sum := sha256.Sum256(raw)
	return sum[:16]
}

// sortedKeys returns a map's keys in order (for reports).
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

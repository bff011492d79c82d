package listserv

import (
	"context"
	"encoding/xml"

	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"minyan/listserv/search"
	"minyan/store"
)

// FeedEntries is how many recent posts an archive's Atom feed holds.
const FeedEntries = 20

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	Title     atomText   `xml:"title"`
	ID        string     `xml:"id"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Author    atomPerson `xml:"author"`
	Link      atomLink   `xml:"link"`
	Summary   atomText   `xml:"summary"`
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   atomText    `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

// archiveBase is where the web archive's pages are.
func (s *Service) archiveBase() string {
	if s.o.PublicURL != "" {
		return s.o.PublicURL
	}
	return "https://" + s.o.Domain
}

// Feed returns the Atom feed of list's most recent posts. Only archives
// open to everyone (`archive = public`, not a caucus) have one; every
// other list answers ErrNotFound, whoever asks.
func (s *Service) Feed(ctx context.Context, _ Actor, list string) ([]byte, error) {
	if err := ctxOr(ctx).Err(); err != nil {
		return nil, err
	}
	var (
		l     store.List
		metas []store.ArchiveMeta
		raws  [][]byte
	)
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		if l, err = s.archiveForTx(tx, Anonymous(DoorWeb), list); err != nil {
			return err
		}
		next, err := tx.ArchiveNext(l.Name)
		if err != nil {
			return err
		}
		// The last posts: scan back in windows until enough are found
		// (redacted posts leave holes).
		for hi := next - 1; hi >= 1 && len(metas) < FeedEntries; {
			lo := uint64(1)
			if hi > 4*FeedEntries {
				lo = hi - 4*FeedEntries + 1
			}
			var got []store.ArchiveMeta
			var gotRaw [][]byte
			if err := tx.ScanArchive(l.Name, lo, hi, func(it *store.ArchiveItem) error {
				m, err := it.Meta()
				if err != nil {
					return err
				}
				got = append(got, m)
				gotRaw = append(gotRaw, append([]byte(nil), it.Raw()...))
				return nil
			}); err != nil {
				return err
			}
			for i := len(got) - 1; i >= 0 && len(metas) < FeedEntries; i-- {
				metas, raws = append(metas, got[i]), append(raws, gotRaw[i])
			}
			if lo == 1 {
				break
			}
			hi = lo - 1
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	base := s.archiveBase() + "/lists/" + l.Name
	title := l.Settings.Title
	if title == "" {
		title = l.Name
	}
	f := atomFeed{
		Title: atomText{Type: "text", Body: title + " archive"},
		ID:    base + "/feed.atom",
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: base + "/feed.atom"},
			{Rel: "alternate", Type: "text/html", Href: base + "/archive"},
		},
		Author: atomPerson{Name: title},
	}
	updated := l.Created
	for i, m := range metas {
		if m.Archived.After(updated) {
			updated = m.Archived
		}
		p := search.Parse(raws[i])
		url := base + "/m/" + strconv.FormatUint(m.Seq, 10)
		subj := m.Subject
		if strings.TrimSpace(subj) == "" {
			subj = "(no subject)"
		}
		f.Entries = append(f.Entries, atomEntry{
			Title:     atomText{Type: "text", Body: xmlSafe(subj)},
			ID:        url,
			Updated:   m.Archived.UTC().Format(time.RFC3339),
			Published: m.Archived.UTC().Format(time.RFC3339),
			Author:    atomPerson{Name: xmlSafe(displayName(m))},
			Link:      atomLink{Rel: "alternate", Type: "text/html", Href: url},
			Summary:   atomText{Type: "text", Body: xmlSafe(summaryText(search.IndexText(p.Body()), 600))},
		})
	}
	f.Updated = updated.UTC().Format(time.RFC3339)
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("feed of %s: %w", l.Name, err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// summaryText is the start of a body, addresses hidden, cut at a word.
func summaryText(body string, max int) string {
	t := hideAddresses(strings.Join(strings.Fields(body), " "))
	if len(t) <= max {
		return t
	}
	t = t[:max]
	for !utf8.ValidString(t) {
		t = t[:len(t)-1]
	}
	if i := strings.LastIndexByte(t, ' '); i > max/2 {
		t = t[:i]
	}
	return t + " …"
}

// xmlSafe drops characters XML 1.0 cannot carry (control characters).
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r != 0xFFFE && r != 0xFFFF && !(r >= 0xD800 && r <= 0xDFFF)) {
			return r
		}
		return -1
	}, s)
}

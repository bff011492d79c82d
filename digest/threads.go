package digest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	_ "github.com/emersion/go-message/charset" // decode ISO-8859-x and friends in first lines
	"github.com/emersion/go-message/mail"

	"minyan/store"
)

// ThreadView is one thread in a session digest.
type ThreadView struct {
	Subject string
	// Posts is how many posts the thread got in the period.
	Posts        int
	Participants string
	// FirstLines are the opening lines of its first post in the period.
	FirstLines []string
}

// maxThreads bounds a session digest's thread list; the rest is counted.
const maxThreads = 25

var errStop = errors.New("stop")

// firstSeqAfter returns the sequence number of the first post archived
// after t (0 when there is none). The archive is appended in time order,
// so this is a binary search over sequence numbers rather than a scan of
// years of posts.
func firstSeqAfter(tx *store.Tx, list string, t time.Time) (uint64, error) {
	_, next, err := tx.ArchiveStats(list)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	// at returns the first existing post at or after seq.
	at := func(seq uint64) (store.ArchiveMeta, bool, error) {
		var m store.ArchiveMeta
		found := false
		err := tx.EachArchived(list, seq, 0, func(am store.ArchiveMeta, _ []byte) error {
			m, found = am, true
			return errStop
		})
		if errors.Is(err, errStop) {
			err = nil
		}
		return m, found, err
	}
	lo, hi := uint64(1), next // answer in [lo, hi]; hi means none
	for lo < hi {
		mid := lo + (hi-lo)/2
		m, ok, err := at(mid)
		if err != nil {
			return 0, err
		}
		if !ok {
			hi = mid
			continue
		}
		if m.Archived.After(t) {
			hi = mid
		} else {
			lo = m.Seq + 1
		}
	}
	if lo >= next {
		return 0, nil
	}
	m, ok, err := at(lo)
	if err != nil || !ok {
		return 0, err
	}
	return m.Seq, nil
}

// summarizeThreads groups the posts archived in (since, until] by thread,
// in the order threads first appear.
func summarizeThreads(tx *store.Tx, list string, since, until time.Time) ([]ThreadView, int, error) {
	from, err := firstSeqAfter(tx, list, since)
	if err != nil || from == 0 {
		return nil, 0, err
	}
	type acc struct {
		view  ThreadView
		names []string
		seen  map[string]bool
	}
	var order []uint64
	threads := map[uint64]*acc{}
	err = tx.EachArchived(list, from, 0, func(m store.ArchiveMeta, raw []byte) error {
		if m.Archived.After(until) {
			return errStop
		}
		a := threads[m.Thread]
		if a == nil {
			subject := m.Subject
			if root, err := tx.ArchiveMeta(list, m.Thread); err == nil && root.Subject != "" {
				subject = root.Subject
			}
			a = &acc{view: ThreadView{Subject: cleanSubject(subject), FirstLines: firstLines(raw, 3, 300)}, seen: map[string]bool{}}
			threads[m.Thread] = a
			order = append(order, m.Thread)
		}
		a.view.Posts++
		who := m.FromName
		if who == "" {
			who = m.From
		}
		if !a.seen[strings.ToLower(m.From)] {
			a.seen[strings.ToLower(m.From)] = true
			a.names = append(a.names, who)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, 0, err
	}
	var out []ThreadView
	for i, id := range order {
		if i >= maxThreads {
			break
		}
		a := threads[id]
		a.view.Participants = joinNames(a.names)
		out = append(out, a.view)
	}
	return out, max(len(order)-maxThreads, 0), nil
}

var reReplyPrefix = regexp.MustCompile(`(?i)^\s*((re|aw|sv|fwd?)\s*:\s*|\[[^\]]*\]\s*)+`)

// cleanSubject drops Re:/Fwd: and list tags for display.
func cleanSubject(s string) string {
	s = strings.TrimSpace(reReplyPrefix.ReplaceAllString(s, ""))
	if s == "" {
		return "(no subject)"
	}
	return s
}

var reAttribution = regexp.MustCompile(`(?i)^(on\b.*wrote:|.*\bwrote:)$`)

// firstLines returns up to n opening lines of a post's text (the first
// text/plain part, decoded), leaving out quotes, attribution lines and
// the signature, and at most maxChars characters in all.
func firstLines(raw []byte, n, maxChars int) []string {
	text := plainText(raw)
	var out []string
	total := 0
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if line == "-- " || line == "--" {
			break
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, ">") || reAttribution.MatchString(line) {
			continue
		}
		if total+len(line) > maxChars {
			line = truncate(line, maxChars-total)
		}
		out = append(out, line)
		total += len(line)
		if len(out) >= n || total >= maxChars {
			break
		}
	}
	return out
}

func truncate(s string, n int) string {
	if n <= 0 {
		return "…"
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimSpace(s[:n]) + "…"
}

// maxTextBytes bounds how much of a post is decoded for its first lines.
const maxTextBytes = 64 << 10

// plainText is the first text/plain part of a message ("" if none).
func plainText(raw []byte) string {
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if r == nil {
		return ""
	}
	_ = err // an unknown charset still yields a readable reader
	for {
		p, err := r.NextPart()
		if err != nil {
			return ""
		}
		h, ok := p.Header.(*mail.InlineHeader)
		if !ok {
			continue
		}
		ct, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
		if ct == "" || ct == "text/plain" {
			b, _ := io.ReadAll(io.LimitReader(p.Body, maxTextBytes))
			return string(b)
		}
	}
}

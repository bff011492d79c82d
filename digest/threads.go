package digest

import (
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"minyan/listserv"
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
	// Links to that first post: in the web archive ("" without one; the
	// post's page shows its thread) and a reply threaded under it.
	URL, ReplyLink string
	first          store.ArchiveMeta
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
			lines, _ := leadLines(extractPost(raw, "").Text, 3, 300)
			a = &acc{view: ThreadView{Subject: cleanSubject(subject), FirstLines: lines, first: m}, seen: map[string]bool{}}
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
		a.view.Participants = listserv.JoinNames(a.names)
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

package search

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"minyan/store/boltcheck"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// The resource hub: every link and attachment shared in a post. Shares
// are kept per post in a bbolt file of their own (derived data, rebuilt
// from the archive) and folded in memory into entries, one per
// normalized URL (links) or per file digest (attachments).

var (
	hubShares = []byte("shares") // list \x00 seq(8) -> []Share
	hubMarks  = []byte("marks")  // list -> Mark
)

// Share is one post sharing one resource.
type Share struct {
	List     string    `json:"list"`
	Seq      uint64    `json:"seq"`
	Thread   uint64    `json:"thread"`
	Subject  string    `json:"subject"`
	From     string    `json:"from"`
	FromName string    `json:"from_name,omitempty"`
	When     time.Time `json:"when"`
	Title    string    `json:"title,omitempty"`
	Tags     []string  `json:"tags,omitempty"`
	// URL is the link as written; empty for an attachment, which has
	// Attachment (its number in the post), FileName and Size instead.
	URL         string `json:"url,omitempty"`
	Attachment  int    `json:"att,omitempty"`
	FileName    string `json:"file,omitempty"`
	Size        int    `json:"size,omitempty"`
	ContentType string `json:"ct,omitempty"`
	Kind        Kind   `json:"kind"`
	Key         string `json:"key"`

	// hay is what the hub's word filter looks in, folded (set when the
	// share joins the hub).
	hay string
}

// Entry is one resource with every share of it a viewer may see, newest
// first.
type Entry struct {
	Key    string
	Title  string
	Kind   Kind
	Tags   []string
	URL    string // for links; empty for attachments (see Shares[i].Attachment)
	Shares []Share
	Latest time.Time
}

// HubFilter narrows the hub.
type HubFilter struct {
	List string
	Tag  string
	Kind Kind
	// Q matches words of the title, the address, the tags and the
	// subject of the sharing posts.
	Q       string
	Page    int // from 1
	PerPage int
}

// HubPage is one page of entries.
type HubPage struct {
	Entries []Entry
	Total   int
	Page    int
	PerPage int
}

// Hub is the open resource hub.
type Hub struct {
	db *bolt.DB

	mu      sync.RWMutex
	entries map[string]*Entry
	gen     uint64 // bumped by every change (under mu, written)

	vmu   sync.Mutex // guards views and tick
	views map[string]*hubView
	tick  uint64
}

// OpenHub opens (or creates) the hub file at path and loads it. A file
// that cannot be read is replaced by an empty one (rebuilt is true).
//
// Damaged pages make bbolt panic at open, some of them in a goroutine of
// its own that no recover reaches: the file's pages are walked first
// (boltcheck), and a panic in this goroutine is caught too.
func OpenHub(path string) (h *Hub, rebuilt bool, err error) {
	if err = boltcheck.File(path); err == nil {
		h, err = openHubRecover(path)
		if err == nil {
			return h, false, nil
		}
	}
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, false, fmt.Errorf("resource hub %s is in use by another process: %w", path, err)
	}
	if _, serr := os.Stat(path); serr != nil {
		return nil, false, err
	}
	os.Remove(path + ".damaged")
	if rerr := os.Rename(path, path+".damaged"); rerr != nil {
		return nil, false, fmt.Errorf("resource hub %s is damaged (%v) and cannot be moved aside: %w", path, err, rerr)
	}
	h, err = openHubRecover(path)
	return h, true, err
}

// openHubRecover is openHub with a panic of bbolt's turned into an error.
func openHubRecover(path string) (h *Hub, err error) {
	defer func() {
		if r := recover(); r != nil {
			h, err = nil, fmt.Errorf("%w: %s: %v", boltcheck.ErrDamaged, path, r)
		}
	}()
	return openHub(path)
}

func openHub(path string) (*Hub, error) {
	db, err := bolt.Open(path, 0o600, derivedBoltOptions())
	if err != nil {
		return nil, fmt.Errorf("open resource hub %s: %w", path, err)
	}
	h := &Hub{db: db, entries: map[string]*Entry{}, views: map[string]*hubView{}}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{hubShares, hubMarks} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		// Read the marks too, so a damaged page among them is found now,
		// at open, not at the first catch-up.
		if err := tx.Bucket(hubMarks).ForEach(func(_, _ []byte) error { return nil }); err != nil {
			return err
		}
		return tx.Bucket(hubShares).ForEach(func(_, v []byte) error {
			var ss []Share
			if err := json.Unmarshal(v, &ss); err != nil {
				return fmt.Errorf("decode shares: %w", err)
			}
			for _, s := range ss {
				h.addLocked(s)
			}
			return nil
		})
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("load resource hub %s: %w", path, err)
	}
	return h, nil
}

// Close closes the hub file.
func (h *Hub) Close() error { return h.db.Close() }

func postKey(list string, seq uint64) []byte {
	k := make([]byte, 0, len(list)+9)
	k = append(k, list...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

// Mark returns how far list's posts are in the hub.
func (h *Hub) Mark(list string) (Mark, error) {
	var m Mark
	err := h.db.View(func(tx *bolt.Tx) error {
		m = decodeMark(tx.Bucket(hubMarks).Get([]byte(list)))
		return nil
	})
	return m, err
}

// PostShares are the shares of one post.
type PostShares struct {
	Ref    Ref
	Shares []Share
}

// Put stores the shares of posts of list and moves its mark, in one
// transaction. Posts already stored are replaced.
func (h *Hub) Put(list string, posts []PostShares, m Mark) error {
	var old [][]Share
	err := h.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(hubShares)
		for _, p := range posts {
			k := postKey(p.Ref.List, p.Ref.Seq)
			if v := b.Get(k); v != nil {
				var ss []Share
				if json.Unmarshal(v, &ss) == nil {
					old = append(old, ss)
				}
			}
			if len(p.Shares) == 0 {
				if err := b.Delete(k); err != nil {
					return err
				}
				continue
			}
			v, err := json.Marshal(p.Shares)
			if err != nil {
				return err
			}
			if err := b.Put(k, v); err != nil {
				return err
			}
		}
		return tx.Bucket(hubMarks).Put([]byte(list), encodeMark(m))
	})
	if err != nil {
		return fmt.Errorf("resource hub %s: %w", list, err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	touched := map[string]bool{}
	for _, ss := range old {
		for _, s := range ss {
			h.removeLocked(s)
			touched[s.Key] = true
		}
	}
	for _, p := range posts {
		for _, s := range p.Shares {
			h.addLocked(s)
			touched[s.Key] = true
		}
	}
	h.changedLocked(touched)
	return nil
}

// Delete removes the shares of posts (redacted ones).
func (h *Hub) Delete(refs ...Ref) error {
	var gone []Share
	err := h.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(hubShares)
		for _, r := range refs {
			k := postKey(r.List, r.Seq)
			if v := b.Get(k); v != nil {
				var ss []Share
				if json.Unmarshal(v, &ss) == nil {
					gone = append(gone, ss...)
				}
				if err := b.Delete(k); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("resource hub: %w", err)
	}
	h.forget(gone)
	return nil
}

// DropList removes every share of list and its mark.
func (h *Hub) DropList(list string) error {
	var gone []Share
	err := h.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(hubShares)
		prefix := append([]byte(list), 0)
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Seek(prefix) {
			var ss []Share
			if json.Unmarshal(v, &ss) == nil {
				gone = append(gone, ss...)
			}
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return tx.Bucket(hubMarks).Delete([]byte(list))
	})
	if err != nil {
		return fmt.Errorf("resource hub %s: %w", list, err)
	}
	h.forget(gone)
	return nil
}

// forget takes shares that left the store out of the entries in memory.
func (h *Hub) forget(gone []Share) {
	h.mu.Lock()
	defer h.mu.Unlock()
	touched := map[string]bool{}
	for _, s := range gone {
		h.removeLocked(s)
		touched[s.Key] = true
	}
	h.changedLocked(touched)
}

func (h *Hub) addLocked(s Share) {
	s.hay = fold(strings.Join([]string{s.Title, s.URL, fallbackTitle(s), strings.Join(s.Tags, " "), s.Subject, s.FileName, s.FromName}, " "))
	e := h.entries[s.Key]
	if e == nil {
		e = &Entry{Key: s.Key, Kind: s.Kind, URL: s.URL}
		h.entries[s.Key] = e
	}
	// newest first; the same post twice replaces
	e.Shares = slices.DeleteFunc(e.Shares, func(o Share) bool { return o.List == s.List && o.Seq == s.Seq })
	i, _ := slices.BinarySearchFunc(e.Shares, s, func(a, b Share) int { return b.When.Compare(a.When) })
	e.Shares = slices.Insert(e.Shares, i, s)
	h.refreshLocked(e)
}

func (h *Hub) removeLocked(s Share) {
	e := h.entries[s.Key]
	if e == nil {
		return
	}
	e.Shares = slices.DeleteFunc(e.Shares, func(o Share) bool { return o.List == s.List && o.Seq == s.Seq })
	if len(e.Shares) == 0 {
		delete(h.entries, s.Key)
		return
	}
	h.refreshLocked(e)
}

// refreshLocked derives an entry's title, tags and date from its shares:
// the oldest share that gave a title names it.
func (h *Hub) refreshLocked(e *Entry) {
	e.Title, e.Tags = titleAndTags(e.Shares)
	e.Latest = e.Shares[0].When
	if e.URL == "" && e.Shares[0].URL != "" {
		e.URL = e.Shares[0].URL
	}
}

// titleAndTags derives a title and tags from shares (newest first, at
// least one): the oldest share that gave a title names it, else
// fallbackTitle; the tags are all the shares', oldest first, each once.
func titleAndTags(shares []Share) (title string, tags []string) {
	seen := map[string]bool{}
	for i := len(shares) - 1; i >= 0; i-- {
		s := shares[i]
		if title == "" && s.Title != "" {
			title = s.Title
		}
		for _, t := range s.Tags {
			if !seen[t] {
				seen[t] = true
				tags = append(tags, t)
			}
		}
	}
	if title == "" {
		title = fallbackTitle(shares[0])
	}
	return title, tags
}

// fallbackTitle names a resource nobody titled: a file's name, or a
// link's host and path.
func fallbackTitle(s Share) string {
	if s.URL == "" {
		return s.FileName
	}
	u, err := url.Parse(s.URL)
	if err != nil {
		return s.URL
	}
	t := strings.TrimPrefix(u.Host, "www.") + strings.TrimRight(u.Path, "/")
	if len(t) > 100 {
		t = t[:100] + "…"
	}
	return t
}

// visible copies e with only the shares in lists readable allows; ok is
// false when none is left.
func visible(e *Entry, readable func(string) bool) (Entry, bool) {
	out := *e
	out.Shares = nil
	for _, s := range e.Shares {
		if readable(s.List) {
			out.Shares = append(out.Shares, s)
		}
	}
	if len(out.Shares) == 0 {
		return Entry{}, false
	}
	out.Latest = out.Shares[0].When
	// Title, tags and the address as written may come from shares this
	// viewer cannot see: derive them again from the visible ones only.
	out.URL = ""
	if e.URL != "" {
		out.URL = out.Shares[0].URL
	}
	out.Title, out.Tags = titleAndTags(out.Shares)
	return out, true
}

// A hub view is the hub as the readers of one set of lists see it: the
// entries with a share in those lists, ordered by their newest such share
// (then by key), each with the tags of those shares, and the tag counts.
// Views are built on first use; a change of a few entries (a new post, a
// redaction) moves those entries in every view and fixes the counts, and
// a larger one (an import's batch) retires every view, to be built again
// on next use. A page of the hub is then a slice of a ready order and the
// tag cloud a ready map.
// The order depends on the set of lists on purpose: an entry's place must
// never show that someone shared it again where the reader cannot look.
type hubView struct {
	gen      uint64
	readable []string
	order    []viewItem
	at       map[string]int64 // key -> latest of its item in order
	tags     map[string]int
	used     uint64 // for evicting the least recently used view
}

// viewItem is one entry as a view sees it.
type viewItem struct {
	e      *Entry
	latest int64    // the newest visible share, Unix nanoseconds
	tags   []string // the tags of the visible shares
	all    bool     // every share of e is visible
}

// maxHubViews bounds how many sets of readable lists keep a view; each
// costs about 50 bytes an entry.
const maxHubViews = 16

func viewKey(readable []string) string { return strings.Join(readable, "\x00") }

// allowSet answers whether a list is among readable (sorted or not).
func allowSet(readable []string) func(string) bool {
	switch len(readable) {
	case 0:
		return func(string) bool { return false }
	case 1:
		only := readable[0]
		return func(l string) bool { return l == only }
	}
	m := make(map[string]bool, len(readable))
	for _, l := range readable {
		m[l] = true
	}
	return func(l string) bool { return m[l] }
}

// viewLocked returns the view of readable (sorted, no duplicates) for the
// current generation, building it if needed. The caller holds h.mu (read
// or write); the view is never changed once built.
func (h *Hub) viewLocked(readable []string) *hubView {
	key := viewKey(readable)
	h.vmu.Lock()
	defer h.vmu.Unlock()
	h.tick++
	if v := h.views[key]; v != nil && v.gen == h.gen {
		v.used = h.tick
		return v
	}
	v := h.buildView(readable)
	v.used = h.tick
	if len(h.views) >= maxHubViews {
		if _, ok := h.views[key]; !ok {
			oldest := ""
			var at uint64
			for k, o := range h.views {
				if o.gen != h.gen {
					oldest = k
					break
				}
				if oldest == "" || o.used < at {
					oldest, at = k, o.used
				}
			}
			delete(h.views, oldest)
		}
	}
	h.views[key] = v
	return v
}

func (h *Hub) buildView(readable []string) *hubView {
	allow := allowSet(readable)
	v := &hubView{gen: h.gen, readable: readable, tags: map[string]int{}, at: map[string]int64{}}
	if len(readable) == 0 {
		return v
	}
	v.order = make([]viewItem, 0, len(h.entries))
	for _, e := range h.entries {
		if it, ok := makeItem(e, allow); ok {
			for _, t := range it.tags {
				v.tags[t]++
			}
			v.order = append(v.order, it)
			v.at[e.Key] = it.latest
		}
	}
	slices.SortFunc(v.order, cmpItems)
	return v
}

func cmpItems(a, b viewItem) int {
	if a.latest != b.latest {
		if a.latest > b.latest {
			return -1
		}
		return 1
	}
	return strings.Compare(a.e.Key, b.e.Key)
}

// makeItem is e as seen from the lists allow admits; ok is false when
// none of its shares is there.
func makeItem(e *Entry, allow func(string) bool) (it viewItem, ok bool) {
	it = viewItem{e: e, latest: -1, all: true}
	for _, s := range e.Shares {
		if allow(s.List) {
			if it.latest == -1 {
				it.latest = s.When.UnixNano()
			}
		} else {
			it.all = false
		}
	}
	if it.latest == -1 {
		return viewItem{}, false
	}
	if it.all {
		it.tags = e.Tags
		return it, true
	}
	var seen map[string]bool
	for i := len(e.Shares) - 1; i >= 0; i-- {
		s := e.Shares[i]
		if !allow(s.List) {
			continue
		}
		for _, t := range s.Tags {
			if seen == nil {
				seen = map[string]bool{}
			}
			if !seen[t] {
				seen[t] = true
				it.tags = append(it.tags, t)
			}
		}
	}
	return it, true
}

// maxViewUpdate is the most entries a change may touch for the views to
// be updated in place; a larger change retires them.
const maxViewUpdate = 256

// changedLocked moves the hub to a new generation after the entries of
// keys changed, carrying the current views over when the change is
// small. The caller holds h.mu for writing.
func (h *Hub) changedLocked(keys map[string]bool) {
	if len(keys) == 0 {
		return
	}
	prev := h.gen
	h.gen++
	if len(keys) > maxViewUpdate {
		return
	}
	h.vmu.Lock()
	defer h.vmu.Unlock()
	for vk, v := range h.views {
		if v.gen != prev {
			continue
		}
		allow := allowSet(v.readable)
		ok := true
		for k := range keys {
			ok = ok && v.update(k, h.entries[k], allow)
		}
		if !ok {
			delete(h.views, vk) // cannot happen; built again on next use
			continue
		}
		v.gen = h.gen
	}
}

// update puts e (key k; nil when it is gone) in its place in v; false
// if v did not hold k where it said (v is then unusable).
func (v *hubView) update(k string, e *Entry, allow func(string) bool) bool {
	if latest, ok := v.at[k]; ok {
		i, found := slices.BinarySearchFunc(v.order, viewItem{e: &Entry{Key: k}, latest: latest}, cmpItems)
		if !found {
			return false
		}
		for _, t := range v.order[i].tags {
			if v.tags[t]--; v.tags[t] <= 0 {
				delete(v.tags, t)
			}
		}
		v.order = slices.Delete(v.order, i, i+1)
		delete(v.at, k)
	}
	if e == nil {
		return true
	}
	it, ok := makeItem(e, allow)
	if !ok {
		return true
	}
	i, _ := slices.BinarySearchFunc(v.order, it, cmpItems)
	v.order = slices.Insert(v.order, i, it)
	v.at[k] = it.latest
	for _, t := range it.tags {
		v.tags[t]++
	}
	return true
}

// normalReadable sorts readable and drops duplicates (a copy).
func normalReadable(readable []string) []string {
	out := slices.Clone(readable)
	slices.Sort(out)
	return slices.Compact(out)
}

// List returns the entries f selects, newest visible share first, built
// only from shares in the lists named in readable (the caller's access
// decision).
func (h *Hub) List(f HubFilter, readable []string) HubPage {
	if f.PerPage <= 0 {
		f.PerPage = 50
	}
	if f.Page <= 0 {
		f.Page = 1
	}
	readable = normalReadable(readable)
	if f.List != "" {
		if slices.Contains(readable, f.List) {
			readable = []string{f.List}
		} else {
			readable = nil
		}
	}
	tag := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(f.Tag), "#"))
	words := strings.Fields(fold(strings.TrimSpace(f.Q)))
	allow := allowSet(readable)
	p := HubPage{Page: f.Page, PerPage: f.PerPage}
	lo := (f.Page - 1) * f.PerPage
	hi := lo + f.PerPage

	h.mu.RLock()
	defer h.mu.RUnlock()
	v := h.viewLocked(readable)
	var picked []*Entry
	if f.Kind == "" && tag == "" && len(words) == 0 {
		p.Total = len(v.order)
		for i := lo; i < min(hi, len(v.order)); i++ {
			picked = append(picked, v.order[i].e)
		}
	} else {
		for i := range v.order {
			it := &v.order[i]
			if f.Kind != "" && it.e.Kind != f.Kind {
				continue
			}
			if tag != "" && !slices.Contains(it.tags, tag) {
				continue
			}
			if len(words) > 0 && !matchesWords(it.e, allow, words) {
				continue
			}
			if p.Total >= lo && p.Total < hi {
				picked = append(picked, it.e)
			}
			p.Total++
		}
	}
	for _, e := range picked {
		if out, ok := visible(e, allow); ok {
			p.Entries = append(p.Entries, out)
		}
	}
	return p
}

// matchesWords tells whether every word is in the title, address, tags,
// subject, file name or sharer's name of one of e's visible shares (or
// in the title the entry falls back on).
func matchesWords(e *Entry, allow func(string) bool, words []string) bool {
	for _, w := range words {
		found := false
		for i := range e.Shares {
			s := &e.Shares[i]
			if allow(s.List) && strings.Contains(s.hay, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// SharedIn returns the entries shared in list's posts with from <= seq
// <= to, each with only those shares, in the order first shared.
func (h *Hub) SharedIn(list string, from, to uint64) []Entry {
	h.mu.RLock()
	var out []Entry
	for _, e := range h.entries {
		v, ok := visible(e, func(l string) bool { return l == list })
		if !ok {
			continue
		}
		v.Shares = slices.DeleteFunc(v.Shares, func(s Share) bool { return s.Seq < from || (to != 0 && s.Seq > to) })
		if len(v.Shares) == 0 {
			continue
		}
		v.Latest = v.Shares[0].When
		out = append(out, v)
	}
	h.mu.RUnlock()
	slices.SortFunc(out, func(a, b Entry) int {
		sa, sb := a.Shares[len(a.Shares)-1].Seq, b.Shares[len(b.Shares)-1].Seq
		if sa != sb {
			if sa < sb {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

// Tags returns every tag on the entries visible from the lists named in
// readable, with how many entries carry it.
func (h *Hub) Tags(readable []string) map[string]int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return maps.Clone(h.viewLocked(normalReadable(readable)).tags)
}

// SharesOf builds the hub shares of one parsed post.
func SharesOf(r Ref, thread uint64, subject, from, fromName string, when time.Time, p *Parsed) []Share {
	var out []Share
	// A subject's #tags are the list's topics (listserv/topics.go): they
	// tag what the post shares as well as the body's.
	tags := p.Tags
	for _, t := range Tags(subject) {
		if !slices.Contains(tags, t) {
			tags = append(slices.Clip(tags), t)
		}
	}
	base := Share{List: r.List, Seq: r.Seq, Thread: thread, Subject: subject, From: from, FromName: fromName, When: when, Tags: tags}
	for _, l := range p.Links {
		s := base
		s.URL, s.Title, s.Kind, s.Key = l.URL, l.Title, KindOfURL(l.URL), "url:"+NormalizeURL(l.URL)
		if s.Title == "" && p.PageTitle != "" && len(p.Links) == 1 {
			s.Title = p.PageTitle
		}
		out = append(out, s)
	}
	for _, a := range p.Attachments {
		if isNoise(a) {
			continue
		}
		s := base
		s.Attachment, s.FileName, s.Size, s.ContentType = a.N, a.Name, a.Size, a.ContentType
		s.Title, s.Kind, s.Key = a.Name, KindOfFile(a.Name, a.ContentType), "file:"+a.SHA256
		out = append(out, s)
	}
	return out
}

// isNoise tells attachments that are not shared resources: signatures,
// calendar replies, vCards, tiny inline images.
func isNoise(a Attachment) bool {
	switch a.ContentType {
	case "application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature",
		"text/calendar", "text/vcard", "text/x-vcard", "message/delivery-status":
		return true
	}
	return strings.HasPrefix(a.ContentType, "image/") && a.Size < 4096
}

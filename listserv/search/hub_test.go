package search

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var hubT0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// share is a link share of url in post seq of list, seq minutes after
// hubT0.
func share(list string, seq uint64, url, title string, tags ...string) Share {
	return Share{List: list, Seq: seq, Thread: seq, Subject: "post " + fmt.Sprint(seq), From: "a@example.org", FromName: "Ada",
		When: hubT0.Add(time.Duration(seq) * time.Minute), Title: title, Tags: tags,
		URL: url, Kind: KindOfURL(url), Key: "url:" + NormalizeURL(url)}
}

func openTestHub(t *testing.T) *Hub {
	t.Helper()
	h, _, err := OpenHub(filepath.Join(t.TempDir(), "resources.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func put(t *testing.T, h *Hub, list string, ss ...Share) {
	t.Helper()
	var posts []PostShares
	var last uint64
	for _, s := range ss {
		posts = append(posts, PostShares{Ref: Ref{list, s.Seq}, Shares: []Share{s}})
		last = max(last, s.Seq)
	}
	if err := h.Put(list, posts, Mark{UIDValidity: 1, Seq: last}); err != nil {
		t.Fatal(err)
	}
}

func keys(p HubPage) []string {
	var out []string
	for _, e := range p.Entries {
		out = append(out, e.Key)
	}
	return out
}

func TestHubViewsFollowEveryChange(t *testing.T) {
	h := openTestHub(t)
	pub, cau := []string{"open"}, []string{"caucus", "open"}
	put(t, h, "open",
		share("open", 1, "https://example.org/a", "A", "guides"),
		share("open", 2, "https://example.org/b", "B", "budget"),
		share("open", 3, "https://example.org/c.pdf", "C", "guides"))
	// The caucus shares a later copy of a with a tag of its own: an
	// outsider must see neither its tag nor a moved up.
	put(t, h, "caucus", share("caucus", 10, "https://example.org/a?utm_source=x", "Secret title", "secret"))

	p := h.List(HubFilter{}, pub)
	if got, want := keys(p), []string{"url:example.org/c.pdf", "url:example.org/b", "url:example.org/a"}; !slices.Equal(got, want) || p.Total != 3 {
		t.Fatalf("outsider order %v (total %d), want %v", got, p.Total, want)
	}
	a := p.Entries[2]
	if a.Title != "A" || len(a.Shares) != 1 || slices.Contains(a.Tags, "secret") || a.URL != "https://example.org/a" {
		t.Fatalf("outsider sees %+v", a)
	}
	if tags := h.Tags(pub); tags["secret"] != 0 || tags["guides"] != 2 || tags["budget"] != 1 {
		t.Fatalf("outsider tags %v", tags)
	}
	if p := h.List(HubFilter{Tag: "#secret"}, pub); p.Total != 0 || len(p.Entries) != 0 {
		t.Fatalf("outsider finds the caucus tag: %+v", p)
	}
	if p := h.List(HubFilter{Q: "secret"}, pub); p.Total != 0 {
		t.Fatalf("outsider finds the caucus title: %+v", p)
	}
	if p := h.List(HubFilter{List: "caucus"}, pub); p.Total != 0 {
		t.Fatalf("outsider lists the caucus: %+v", p)
	}

	// A caucus member sees a first, with both shares and the tag.
	p = h.List(HubFilter{}, cau)
	if got := keys(p); got[0] != "url:example.org/a" || len(p.Entries[0].Shares) != 2 {
		t.Fatalf("member order %v %+v", got, p.Entries[0])
	}
	if tags := h.Tags(cau); tags["secret"] != 1 || tags["guides"] != 2 {
		t.Fatalf("member tags %v", tags)
	}
	if p := h.List(HubFilter{Tag: "secret", Q: "ada"}, cau); p.Total != 1 {
		t.Fatalf("member filter: %+v", p)
	}

	// A new post moves its entry up and counts its tags at once.
	put(t, h, "open", share("open", 20, "https://example.org/b/", "", "guides"))
	if got := keys(h.List(HubFilter{}, pub)); got[0] != "url:example.org/b" {
		t.Fatalf("after a new share: %v", got)
	}
	if tags := h.Tags(pub); tags["guides"] != 3 {
		t.Fatalf("tags after a new share: %v", tags)
	}

	// A redaction takes the share out of the views and the counts.
	if err := h.Delete(Ref{"open", 20}); err != nil {
		t.Fatal(err)
	}
	if got := keys(h.List(HubFilter{}, pub)); got[0] != "url:example.org/c.pdf" {
		t.Fatalf("after the redaction: %v", got)
	}
	if tags := h.Tags(pub); tags["guides"] != 2 {
		t.Fatalf("tags after the redaction: %v", tags)
	}
	if err := h.Delete(Ref{"caucus", 10}); err != nil {
		t.Fatal(err)
	}
	if tags := h.Tags(cau); tags["secret"] != 0 {
		t.Fatalf("member tags after the redaction: %v", tags)
	}
	if p := h.List(HubFilter{}, cau); p.Entries[2].Key != "url:example.org/a" || len(p.Entries[2].Shares) != 1 {
		t.Fatalf("member after the redaction: %v", keys(p))
	}

	// Dropping a list empties its view.
	if err := h.DropList("open"); err != nil {
		t.Fatal(err)
	}
	if p := h.List(HubFilter{}, pub); p.Total != 0 || len(h.Tags(pub)) != 0 {
		t.Fatalf("after dropping the list: %+v %v", p, h.Tags(pub))
	}
}

func TestHubPagingAndFilters(t *testing.T) {
	h := openTestHub(t)
	var ss []Share
	for i := uint64(1); i <= 95; i++ {
		ext := ".pdf"
		if i%3 == 0 {
			ext = ".mp4"
		}
		ss = append(ss, share("l", i, fmt.Sprintf("https://example.org/%d%s", i, ext), "", fmt.Sprintf("t%d", i%5)))
	}
	put(t, h, "l", ss...)
	all := []string{"l", "l", "other"} // duplicates and unknown lists are harmless
	seen := map[string]bool{}
	var prev time.Time
	for page := 1; page <= 4; page++ {
		p := h.List(HubFilter{Page: page, PerPage: 30}, all)
		if p.Total != 95 {
			t.Fatalf("page %d total %d", page, p.Total)
		}
		if want := min(30, 95-(page-1)*30); len(p.Entries) != want {
			t.Fatalf("page %d has %d entries, want %d", page, len(p.Entries), want)
		}
		for _, e := range p.Entries {
			if seen[e.Key] || (!prev.IsZero() && e.Latest.After(prev)) {
				t.Fatalf("page %d: %s repeated or out of order", page, e.Key)
			}
			seen[e.Key], prev = true, e.Latest
		}
	}
	p := h.List(HubFilter{Kind: KindVideo, Tag: "t0", Page: 2, PerPage: 2}, all)
	// seqs divisible by 3 and 5, newest first: 90 75 | 60 45 | 30 15
	if p.Total != 6 || len(p.Entries) != 2 || p.Entries[0].Shares[0].Seq != 60 || p.Entries[1].Shares[0].Seq != 45 {
		t.Fatalf("filtered page: total %d %v", p.Total, keys(p))
	}
	if p := h.List(HubFilter{Q: "example.org/7.pdf"}, all); p.Total != 1 {
		t.Fatalf("word filter: %+v", p)
	}
	if p := h.List(HubFilter{}, nil); p.Total != 0 {
		t.Fatalf("no readable lists: %+v", p)
	}
}

// BenchmarkHubList is one hub page and its tag counts, as the hub page
// asks them, over 100,000 shares of 20,000 resources.
//
//	go test ./listserv/search -run '^$' -bench HubList
func BenchmarkHubList(b *testing.B) {
	h, _, err := OpenHub(filepath.Join(b.TempDir(), "resources.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	var posts []PostShares
	for i := uint64(1); i <= 100_000; i++ {
		s := share("big", i, fmt.Sprintf("https://example.net/doc/%d", i%20_000), "", fmt.Sprintf("week%d", i%52))
		posts = append(posts, PostShares{Ref: Ref{"big", i}, Shares: []Share{s}})
	}
	if err := h.Put("big", posts, Mark{UIDValidity: 1, Seq: 100_000}); err != nil {
		b.Fatal(err)
	}
	readable := []string{"big"}
	for i := 0; b.Loop(); i++ {
		p := h.List(HubFilter{Page: 1 + i%5, PerPage: 30}, readable)
		if len(p.Entries) != 30 {
			b.Fatal(len(p.Entries))
		}
		if len(h.Tags(readable)) != 52 {
			b.Fatal("tags")
		}
	}
}

// BenchmarkHubAfterPost is a new post's share followed by a hub page, over
// 100,000 resources each shared once: what the first reader after each
// post waits for.
//
//	go test ./listserv/search -run '^$' -bench HubAfterPost
func BenchmarkHubAfterPost(b *testing.B) {
	h, _, err := OpenHub(filepath.Join(b.TempDir(), "resources.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	var posts []PostShares
	const n = 100_000
	for i := uint64(1); i <= n; i++ {
		s := share("big", i, fmt.Sprintf("https://example.net/doc/%d", i), "", fmt.Sprintf("week%d", i%52))
		posts = append(posts, PostShares{Ref: Ref{"big", i}, Shares: []Share{s}})
	}
	if err := h.Put("big", posts, Mark{UIDValidity: 1, Seq: n}); err != nil {
		b.Fatal(err)
	}
	readable := []string{"big"}
	h.List(HubFilter{}, readable)
	seq := uint64(n)
	for b.Loop() {
		seq++
		s := share("big", seq, fmt.Sprintf("https://example.net/doc/%d", seq%1000), "", "new")
		if err := h.Put("big", []PostShares{{Ref: Ref{"big", seq}, Shares: []Share{s}}}, Mark{UIDValidity: 1, Seq: seq}); err != nil {
			b.Fatal(err)
		}
		p := h.List(HubFilter{PerPage: 30}, readable)
		if p.Entries[0].Shares[0].Seq != seq || h.Tags(readable)["new"] == 0 {
			b.Fatal("the new share is not first")
		}
	}
}

// naiveHub is the hub as a reader of readable sees it, computed from
// scratch: every entry with a visible share, newest visible share first,
// and the tag counts.
func naiveHub(h *Hub, readable []string) ([]string, map[string]int) {
	allow := allowSet(readable)
	h.mu.RLock()
	var es []Entry
	for _, e := range h.entries {
		if v, ok := visible(e, allow); ok {
			es = append(es, v)
		}
	}
	h.mu.RUnlock()
	slices.SortFunc(es, func(a, b Entry) int {
		if c := b.Latest.Compare(a.Latest); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	var keys []string
	tags := map[string]int{}
	for _, e := range es {
		keys = append(keys, e.Key)
		for _, t := range e.Tags {
			tags[t]++
		}
	}
	return keys, tags
}

// TestHubViewsMatchAFreshLook makes random posts, re-posts, redactions,
// imports and dropped lists, and after each checks every reader's view
// (kept up to date in place, or built again) against the hub computed
// from scratch.
func TestHubViewsMatchAFreshLook(t *testing.T) {
	h := openTestHub(t)
	rng := rand.New(rand.NewPCG(1, 2))
	lists := []string{"open", "members", "caucus"}
	readers := [][]string{{"open"}, {"members", "open"}, {"caucus", "open"}, {"caucus", "members", "open"}, {"members"}}
	seqs := map[string]uint64{}
	randShare := func(list string, seq uint64) Share {
		s := share(list, seq, fmt.Sprintf("https://example.org/r%d", rng.IntN(40)), "", fmt.Sprintf("t%d", rng.IntN(6)), fmt.Sprintf("%s%d", list, rng.IntN(3)))
		s.When = hubT0.Add(time.Duration(rng.IntN(5000)) * time.Minute) // imports bring old dates
		return s
	}
	check := func(step int) {
		t.Helper()
		for _, r := range readers {
			want, wantTags := naiveHub(h, r)
			var got []string
			for page := 1; ; page++ {
				p := h.List(HubFilter{Page: page, PerPage: 7}, r)
				if p.Total != len(want) {
					t.Fatalf("step %d, reader %v: total %d, want %d", step, r, p.Total, len(want))
				}
				if len(p.Entries) == 0 {
					break
				}
				got = append(got, keys(p)...)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("step %d, reader %v:\n got %v\nwant %v", step, r, got, want)
			}
			if tags := h.Tags(r); !maps.Equal(tags, wantTags) {
				t.Fatalf("step %d, reader %v: tags %v, want %v", step, r, tags, wantTags)
			}
		}
	}
	for step := range 200 {
		list := lists[rng.IntN(len(lists))]
		switch op := rng.IntN(20); {
		case op < 12: // a new post with one or two shares
			seqs[list]++
			ss := []Share{randShare(list, seqs[list])}
			if rng.IntN(2) == 0 {
				ss = append(ss, randShare(list, seqs[list]))
			}
			if err := h.Put(list, []PostShares{{Ref: Ref{list, seqs[list]}, Shares: ss}}, Mark{1, seqs[list]}); err != nil {
				t.Fatal(err)
			}
		case op < 14: // a post indexed again, now with other shares
			if seqs[list] == 0 {
				continue
			}
			seq := 1 + uint64(rng.IntN(int(seqs[list])))
			if err := h.Put(list, []PostShares{{Ref: Ref{list, seq}, Shares: []Share{randShare(list, seq)}}}, Mark{1, seqs[list]}); err != nil {
				t.Fatal(err)
			}
		case op < 18: // a redaction
			if seqs[list] == 0 {
				continue
			}
			if err := h.Delete(Ref{list, 1 + uint64(rng.IntN(int(seqs[list])))}); err != nil {
				t.Fatal(err)
			}
		case op < 19: // an import batch, more than the views follow in place
			var posts []PostShares
			for range maxViewUpdate + 10 {
				seqs[list]++
				s := randShare(list, seqs[list])
				s.URL = fmt.Sprintf("https://example.org/import/%d", rng.IntN(1000))
				s.Key = "url:" + NormalizeURL(s.URL)
				posts = append(posts, PostShares{Ref: Ref{list, seqs[list]}, Shares: []Share{s}})
			}
			if err := h.Put(list, posts, Mark{1, seqs[list]}); err != nil {
				t.Fatal(err)
			}
		default:
			if err := h.DropList(list); err != nil {
				t.Fatal(err)
			}
			seqs[list] = 0
		}
		check(step)
	}
}

// TestHubReadersWhileItChanges reads pages and tags from several
// goroutines while posts and redactions come in (run with -race).
func TestHubReadersWhileItChanges(t *testing.T) {
	h := openTestHub(t)
	put(t, h, "open", share("open", 1, "https://example.org/first", "", "a"))
	stop := make(chan struct{})
	done := make(chan struct{})
	for r := range 3 {
		go func() {
			defer func() { done <- struct{}{} }()
			readable := [][]string{{"open"}, {"caucus", "open"}, {"caucus"}}[r]
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := h.List(HubFilter{PerPage: 5, Q: "example"}, readable)
				for _, e := range p.Entries {
					for _, s := range e.Shares {
						if !slices.Contains(readable, s.List) {
							t.Errorf("reader of %v sees a share of %s", readable, s.List)
						}
					}
				}
				h.Tags(readable)
			}
		}()
	}
	for i := uint64(2); i < 40; i++ {
		list := []string{"open", "caucus"}[i%2]
		put(t, h, list, share(list, i, fmt.Sprintf("https://example.org/%d", i%7), "", "t"))
		if i%5 == 0 {
			if err := h.Delete(Ref{list, i - 2}); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(stop)
	for range 3 {
		<-done
	}
}

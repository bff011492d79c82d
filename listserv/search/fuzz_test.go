package search

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "a b", `"study guide" -x`, "from:rivka@example.org list:lab after:2026-01-01 before:2026-02-01",
		`from:"Rivka Cohen"`, `"unclosed`, "-", "after:", "שבת שלום", "x:y:z", "\xff\xfe", strings.Repeat("a ", 600)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s)
		if err != nil {
			if !strings.Contains(err.Error(), "YYYY-MM-DD") {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		n := len(q.Words) + len(q.Phrases) + len(q.Not) + len(q.From) + len(q.Lists)
		if n > maxQueryParts {
			t.Fatalf("%d parts", n)
		}
		for _, w := range append(append(q.Words, q.Phrases...), q.Not...) {
			if w == "" || !utf8.ValidString(w) {
				t.Fatalf("bad word %q", w)
			}
		}
	})
}

func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{"", "<p>hi</p>", "<script>x</script>y", "<a href='https://e.x'>t</a>", "<title>T</title><svg><a href=x>y</a></svg>",
		"<<<>>>", "<p>שבת</p><br><li>a", "<style>", "<a href=\"javascript:alert(1)\">x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := HTMLToText(s)
		if !utf8.ValidString(h.Text) && utf8.ValidString(s) {
			t.Fatalf("invalid text from valid input")
		}
		if len(h.Text) > maxTextBytes+1 || len(h.Links) > maxLinks {
			t.Fatalf("limits: %d bytes, %d links", len(h.Text), len(h.Links))
		}
		if strings.Contains(s, "<script>") && !strings.Contains(s, "</script>") {
			return
		}
	})
}

func TestSnippetMarks(t *testing.T) {
	segs := Snippet("Hola, la Canción de la sesión", []string{"cancion"}, 200)
	var got []string
	for _, s := range segs {
		if s.Marked {
			got = append(got, s.Text)
		}
	}
	if len(got) != 1 || got[0] != "Canción" {
		t.Errorf("%+v", segs)
	}
}

func TestNormalizeURL(t *testing.T) {
	same := []string{"https://www.Example.org/a/?utm_source=x&b=2&a=1#frag", "http://example.org/a?a=1&b=2", "https://example.org:443/a?b=2&a=1"}
	for _, u := range same[1:] {
		if NormalizeURL(u) != NormalizeURL(same[0]) {
			t.Errorf("%s -> %s, want %s", u, NormalizeURL(u), NormalizeURL(same[0]))
		}
	}
	if NormalizeURL("https://youtu.be/abc") != NormalizeURL("https://www.youtube.com/watch?v=abc&si=zz") {
		t.Error("youtube forms differ")
	}
	if KindOfURL("https://docs.google.com/presentation/d/1") != KindSlides || KindOfURL("https://x.org/a.PDF") != KindDocument || KindOfURL("https://youtu.be/x") != KindVideo {
		t.Error("kinds")
	}
}

// FuzzTermsSearch: whatever is typed, a date-order search answers or
// hands the query to bleve; it never fails otherwise, and its page is
// newest first.
func FuzzTermsSearch(f *testing.F) {
	for _, s := range []string{"budget", `"study guide"`, "-zebra", "from:rivka after:2026-01-01", "before:3000-01-01", "after:0001-01-01 x",
		"שבת", "12345", "-\"a b\"", "list:alpha", strings.Repeat("x", 100), "\x00", "a\x00b"} {
		f.Add(s)
	}
	terms, _, err := OpenTerms(filepath.Join(f.TempDir(), "terms.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer terms.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var docs []Doc
	for i := 1; i <= 200; i++ {
		docs = append(docs, Doc{List: "alpha", Seq: uint64(i), Subject: "budget zebra", From: "Rivka Cohen rivka@example.org",
			Body: "study guide שבת שלום canción", Date: t0.Add(time.Duration(i) * 7 * time.Hour)})
	}
	if err := terms.Put("alpha", docs, Mark{UIDValidity: 1, Seq: 200}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s)
		if err != nil {
			return
		}
		res, err := terms.Search(context.Background(), q, allowedLists(q, []string{"alpha"}), 0, 20, nil)
		if err != nil {
			if !errors.Is(err, errFallback) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if len(res.Refs) > 20 || res.Total < len(res.Refs) {
			t.Fatalf("%q: %d refs of %d", s, len(res.Refs), res.Total)
		}
		for i := 1; i < len(res.Refs); i++ {
			if res.Refs[i].Seq >= res.Refs[i-1].Seq {
				t.Fatalf("%q: not newest first: %v", s, res.Refs)
			}
		}
	})
}

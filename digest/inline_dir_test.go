package digest

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"minyan/listserv/testkit/chrome"
)

// bidiWeek archives one post in Hebrew and one in English and returns
// the weekly digest's slot.
func bidiWeek(t *testing.T, e *env) time.Time {
	at := func(s string) time.Time { return ny(t, "2026-11-0"+s) }
	e.archive("talk", "noa@example.net", "נועה", "לימוד בשבת", "h1@example.net", "", at("3 09:00"),
		"שלום לכולם, נלמד את הפרק השני ביום שבת בבוקר.\nמי מביא את הספרים?")
	e.archive("talk", "alice@example.net", "Alice", "Saturday study", "e1@example.net", "", at("4 10:00"),
		"Hello all, I will bring the books on Saturday morning.")
	return ny(t, "2026-11-09 08:00")
}

var articleRE = regexp.MustCompile(`(?s)<article dir="(\w+)">(.*?)</article>`)

// TestDigestPostsKeepTheirDirection: each post of the HTML digest
// carries the direction of its own words, so a Hebrew post reads right
// to left next to an English one.
func TestDigestPostsKeepTheirDirection(t *testing.T) {
	doc := bidiDigest(t)
	got := map[string]string{}
	for _, m := range articleRE.FindAllStringSubmatch(doc, -1) {
		switch {
		case strings.Contains(m[2], "שלום לכולם"):
			got["he"] = m[1]
		case strings.Contains(m[2], "Hello all"):
			got["en"] = m[1]
		}
	}
	if got["he"] != "rtl" || got["en"] != "ltr" {
		t.Errorf("directions %v, want he rtl and en ltr:\n%s", got, doc)
	}
	if !strings.Contains(doc, `dir="auto"><a href="https://lists.example.org/lists/talk/m/1">לימוד בשבת</a>`) {
		t.Error("the Hebrew thread's heading is not marked dir=auto")
	}
}

func bidiDigest(t *testing.T) string {
	t.Helper()
	e := newEnv(t, t0)
	e.list("talk", "discussion", []string{"digest_day=monday", "digest_time=08:00", "timezone=America/New_York"}, "bob@example.net::digest:Bob")
	e.run(t0)
	slot := bidiWeek(t, e)
	e.run(slot.Add(time.Minute))
	ds := e.ofKind(kindWeekly)
	if len(ds) != 1 {
		t.Fatalf("%d digests", len(ds))
	}
	return string(clientParts(t, ds[0].Raw)["text/html"][0])
}

// TestDigestDirectionInBrowser opens that digest in Chromium: the
// computed direction of the Hebrew post is rtl and of the English one
// ltr, and axe-core finds nothing serious.
func TestDigestDirectionInBrowser(t *testing.T) {
	b := openBrowser(t) // skips early (without CI), before building the digest
	doc := bidiDigest(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(doc))
	}))
	defer srv.Close()
	b.Do("digest", chromedp.Navigate(srv.URL+"/"), chromedp.WaitReady("body"))
	dirs := chrome.Eval[map[string]string](b, "directions", `(() => { const out = {}; for (const a of document.querySelectorAll("article")) {
			const d = getComputedStyle(a.querySelector("p") || a).direction;
			if (a.textContent.includes("שלום לכולם")) out.he = d;
			if (a.textContent.includes("Hello all")) out.en = d; } return out; })()`)
	if dirs["he"] != "rtl" || dirs["en"] != "ltr" {
		t.Errorf("computed directions %v, want he rtl, en ltr", dirs)
	}
	checkInBrowser(t, b, "digest in two directions", doc)
}

// TestDigestFrameInListLanguage: a list whose language is he sends its
// digest's frame in Hebrew, right to left, while an English post in it
// keeps its own direction.
func TestDigestFrameInListLanguage(t *testing.T) {
	e := newEnv(t, t0)
	e.list("talk", "discussion", []string{"digest_day=monday", "digest_time=08:00", "timezone=America/New_York", "language=he"}, "bob@example.net::digest:Bob")
	e.run(t0)
	slot := bidiWeek(t, e)
	e.run(slot.Add(time.Minute))
	ds := e.ofKind(kindWeekly)
	if len(ds) != 1 {
		t.Fatalf("%d digests", len(ds))
	}
	parts := clientParts(t, ds[0].Raw)
	doc, text := string(parts["text/html"][0]), string(parts["text/plain"][0])
	for _, want := range []string{`<html lang="he" dir="rtl">`, "לקט שבועי", "שתי הודעות בשני שרשורים", `<article dir="ltr">`, "בנובמבר 2026"} {
		if !strings.Contains(doc, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
	for _, want := range []string{"לקט שבועי", "סוף הלקט השבועי של Study Circle", "digest off"} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(doc, "weekly digest") || strings.Contains(text, "weekly digest") {
		t.Error("the Hebrew digest still has English in its frame")
	}
}

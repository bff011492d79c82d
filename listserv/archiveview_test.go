package listserv

import (
	"context"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
)

func TestSanitizeHostileHTML(t *testing.T) {
	hostile := `<html><head><style>body{background:url(https://evil.example/css)}</style><script>alert(1)</script></head>
<body onload="steal()"><p style="width:expression(alert(1))">Hello <b>friends</b></p>
<img src="https://tracker.example/p.gif" width="1" height="1">
<img src="https://photos.example/group.jpg" alt="our group" onerror="alert(2)">
<a href="javascript:alert(3)">click</a> <a href="https://good.example/doc" onclick="x()">doc</a>
<a href="mailto:everyone@example.org">write</a> write to rivka@example.org
<svg onload="alert(4)"><script>alert(5)</script></svg><iframe src="https://evil.example"></iframe>
<form action="https://evil.example"><input name=p></form><object data="x.swf"></object>
<div style="position:fixed;top:0">overlay</div><link rel=stylesheet href="https://evil.example/x.css">
<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example">
</body></html>`
	out, blocked := SanitizeHTML(hostile, false)
	low := strings.ToLower(out)
	for _, bad := range []string{"<script", "alert", "onload", "onerror", "onclick", "javascript:", "expression", "style",
		"<img", "tracker.example", "<svg", "<iframe", "<form", "<input", "<object", "<link", "<base", "<meta", "mailto:", "rivka@example.org", "evil.example"} {
		if strings.Contains(low, bad) {
			t.Errorf("sanitised HTML still has %q:\n%s", bad, out)
		}
	}
	for _, good := range []string{"<b>friends</b>", `href="https://good.example/doc"`, `href="https://photos.example/group.jpg"`, "[our group]", "rivka@…"} {
		if !strings.Contains(out, good) {
			t.Errorf("sanitised HTML lost %q:\n%s", good, out)
		}
	}
	if blocked != 1 {
		t.Errorf("blocked %d images, want 1 (the pixel is dropped, not offered)", blocked)
	}
	withImages, _ := SanitizeHTML(hostile, true)
	if !strings.Contains(withImages, `<img src="https://photos.example/group.jpg"`) || strings.Contains(withImages, "tracker.example") || strings.Contains(withImages, "onerror") {
		t.Errorf("images on request: %s", withImages)
	}
}

func TestTextBlocks(t *testing.T) {
	body := "Thanks, see https://example.net/a.pdf.\n\nOn Tue, Rivka <rivka@example.org> wrote:\n> first\n> second\n\nMy answer.\n-- \nDana\n555-1234\n"
	bs := TextBlocks(body)
	var kinds []BlockKind
	for _, b := range bs {
		kinds = append(kinds, b.Kind)
	}
	want := []BlockKind{BlockText, BlockQuote, BlockText, BlockSignature}
	if len(kinds) != len(want) {
		t.Fatalf("blocks %v, want %v: %+v", kinds, want, bs)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("blocks %v, want %v", kinds, want)
		}
	}
	if l := bs[0].Lines[0]; len(l) != 3 || l[1].URL != "https://example.net/a.pdf" || l[2].Text != "." {
		t.Errorf("link spans %+v", l)
	}
	if got := bs[1].Lines[0][0].Text; strings.Contains(got, "example.org") {
		t.Errorf("attribution shows an address: %q", got)
	}
}

func TestMessageViewAttachmentsAndFeed(t *testing.T) {
	s := newArchiveService(t)
	if _, err := s.CreateList(context.Background(), Operator(DoorCLI), "news", "announce", "News", ""); err != nil {
		t.Fatal(err)
	}
	raw := "From: Rivka Cohen <rivka@example.org>\nSubject: Files & <things>\nMessage-ID: <f1@x>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nSee attached. #toolkit\n--b\nContent-Type: text/html; name=page.html\nContent-Disposition: attachment; filename=page.html\n\n<script>alert(1)</script>\n--b\nContent-Type: image/svg+xml; name=\"x.svg\"\n\n<svg onload=alert(1)/>\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"../../guide.pdf\"\n\n%PDF-1.4\n--b--\n"
	seq := archivePost(t, s, "news", raw)
	ctx := context.Background()
	v, err := s.Message(ctx, Anonymous(DoorWeb), "news", seq, ViewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v.Author != "Rivka Cohen" || len(v.Attachments) != 3 {
		t.Fatalf("view %+v", v)
	}
	for _, a := range v.Attachments[:2] {
		if a.ContentType != "application/octet-stream" {
			t.Errorf("%s served as %s", a.Name, a.ContentType)
		}
	}
	if v.Attachments[2].Name != "guide.pdf" || v.Attachments[2].ContentType != "application/pdf" {
		t.Errorf("pdf %+v", v.Attachments[2])
	}
	f, err := s.Attachment(ctx, Anonymous(DoorWeb), "news", seq, 1)
	if err != nil || f.ContentType != "application/octet-stream" || !strings.HasPrefix(f.Disposition, "attachment") || !strings.Contains(string(f.Data), "<script>") {
		t.Errorf("attachment %+v %v", f, err)
	}
	if _, err := s.Attachment(ctx, Anonymous(DoorWeb), "news", seq, 9); !errors.Is(err, ErrNoMessage) {
		t.Errorf("attachment 9: %v", err)
	}

	// The feed parses as Atom.
	b, err := s.Feed(ctx, Anonymous(DoorWeb), "news")
	if err != nil {
		t.Fatal(err)
	}
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Title   string   `xml:"title"`
		ID      string   `xml:"id"`
		Updated string   `xml:"updated"`
		Entries []struct {
			Title   string `xml:"title"`
			ID      string `xml:"id"`
			Updated string `xml:"updated"`
			Author  struct {
				Name string `xml:"name"`
			} `xml:"author"`
			Link struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
			Summary string `xml:"summary"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(b, &feed); err != nil {
		t.Fatalf("feed is not XML: %v\n%s", err, b)
	}
	if feed.ID == "" || feed.Updated == "" || len(feed.Entries) != 1 {
		t.Fatalf("feed %+v", feed)
	}
	e := feed.Entries[0]
	if e.Title != "Files & <things>" || e.Author.Name != "Rivka Cohen" || !strings.HasSuffix(e.Link.Href, "/lists/news/m/1") || e.ID == "" || e.Updated == "" {
		t.Errorf("entry %+v", e)
	}
	if strings.Contains(string(b), "rivka@example.org") {
		t.Error("the feed shows an address")
	}
}

func TestRedactMessage(t *testing.T) {
	s := newArchiveService(t)
	if _, err := s.CreateList(context.Background(), Operator(DoorCLI), "pub", "announce", "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMembers(context.Background(), Operator(DoorCLI), "pub", []MemberSpec{{Address: vOwner, Role: "owner"}, {Address: vMember, Role: "member"}}, true); err != nil {
		t.Fatal(err)
	}
	_, sync := startSearch(t, s)
	var redacted []ArchiveEvent
	cancel := s.OnArchived(func(e ArchiveEvent) {
		if e.Kind == ArchiveRedacted {
			redacted = append(redacted, e)
		}
	})
	defer cancel()
	archivePost(t, s, "pub", "From: a@example.org\nSubject: keep\nMessage-ID: <k@x>\n\nharmless words https://example.net/keep\n")
	seq := archivePost(t, s, "pub", "From: a@example.org\nSubject: oops\nMessage-ID: <o@x>\n\nmy phone 555-0199 https://example.net/secret #oops\n")
	sync("pub")
	ctx := context.Background()
	if err := s.RedactMessage(ctx, Person(vMember, DoorWeb), "pub", seq, "no"); !errors.Is(err, ErrForbidden) {
		t.Errorf("member redacted: %v", err)
	}
	if err := s.RedactMessage(ctx, Person(vOwner, DoorWeb), "pub", seq, "a phone number posted by mistake"); err != nil {
		t.Fatal(err)
	}
	if err := s.RedactMessage(ctx, Person(vOwner, DoorWeb), "pub", seq, "again"); !errors.Is(err, ErrNoMessage) {
		t.Errorf("second redaction: %v", err)
	}
	anon := Anonymous(DoorWeb)
	if _, err := s.Message(ctx, anon, "pub", seq, ViewOptions{}); !errors.Is(err, ErrNoMessage) {
		t.Errorf("view: %v", err)
	}
	if _, err := s.RawMessage(ctx, anon, "pub", seq); !errors.Is(err, ErrNoMessage) {
		t.Errorf("raw: %v", err)
	}
	if res, _ := s.Search(ctx, anon, "555", "", 1); len(res.Hits) != 0 {
		t.Errorf("search still finds it: %+v", res.Hits)
	}
	if p, _ := s.Resources(ctx, anon, ResourceFilter{}); len(p.Entries) != 1 || p.Entries[0].Shares[0].Seq != 1 {
		t.Errorf("hub %+v", p.Entries)
	}
	if tp, _ := s.Threads(ctx, anon, "pub", 1); tp.Total != 1 {
		t.Errorf("threads %+v", tp)
	}
	if b, _ := s.Feed(ctx, anon, "pub"); strings.Contains(string(b), "oops") {
		t.Error("feed still shows it")
	}
	if len(redacted) != 1 || redacted[0].Seq != seq {
		t.Errorf("events %+v", redacted)
	}
	rs, err := s.Redactions(ctx, Person(vOwner, DoorWeb), "pub")
	if err != nil || len(rs) != 1 || rs[0].By != vOwner+" via web" || rs[0].Reason != "a phone number posted by mistake" {
		t.Errorf("redactions %+v %v", rs, err)
	}
	// The index forgets it for good: a fresh catch-up (as at start) does
	// not bring it back.
	if err := s.archive.search.Load().CatchUpAll(ctx, true); err != nil {
		t.Fatal(err)
	}
	if res, _ := s.Search(ctx, Operator(DoorCLI), "555", "", 1); res.Total != 0 {
		t.Errorf("after catch-up: %d", res.Total)
	}
}

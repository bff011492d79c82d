package digest

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime"
	gomultipart "mime/multipart"
	"mime/quotedprintable"
	"minyan/listserv"
	"minyan/listserv/rewrite"
	"net/mail"
	"net/textproto"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

	"minyan/store"
)

// archiveRaw puts a complete message into a list's archive as the
// author (meta) wrote it.
func (e *env) archiveRaw(list string, meta store.ArchiveMeta, raw string) uint64 {
	e.t.Helper()
	var seq uint64
	err := e.st.Update(func(tx *store.Tx) error {
		var err error
		seq, err = tx.Archive(list, meta, []byte(strings.ReplaceAll(raw, "\n", "\r\n")))
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}

// clientParts parses a digest the way a mail program does, with Go's
// mime/multipart: the decoded leaves by media type (message/rfc822
// parts are leaves).
func clientParts(t *testing.T, raw []byte) map[string][][]byte {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][]byte{}
	var walk func(h textproto.MIMEHeader, body io.Reader)
	walk = func(h textproto.MIMEHeader, body io.Reader) {
		ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
		}
		if strings.HasPrefix(ct, "multipart/") {
			mr := gomultipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("%s: %v", ct, err)
				}
				ph := p.Header
				if ph.Get("Content-Type") == "" && ct == "multipart/digest" {
					ph.Set("Content-Type", "message/rfc822")
				}
				walk(ph, p)
			}
		}
		var r io.Reader = body
		if strings.EqualFold(h.Get("Content-Transfer-Encoding"), "quoted-printable") {
			r = quotedprintable.NewReader(body)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		out[ct] = append(out[ct], b)
	}
	walk(textproto.MIMEHeader(msg.Header), msg.Body)
	return out
}

// minimalParts is a second, independent reading of the same bytes: split
// on the boundaries by hand, decode quoted-printable by hand. It returns
// the leaves' media types in order and their decoded bodies.
func minimalParts(t *testing.T, raw []byte) (types []string, bodies []string) {
	t.Helper()
	var walk func(entity string)
	walk = func(entity string) {
		head, body, ok := strings.Cut(entity, "\r\n\r\n")
		if !ok {
			head, body = entity, ""
		}
		head = regexp.MustCompile(`\r\n[ \t]+`).ReplaceAllString(head, " ")
		fields := map[string]string{}
		for _, l := range strings.Split(head, "\r\n") {
			k, v, _ := strings.Cut(l, ":")
			fields[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
		ct := fields["content-type"]
		typ := strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
		if typ == "" {
			typ = "message/rfc822" // only digest parts leave it out here
		}
		if strings.HasPrefix(typ, "multipart/") {
			m := regexp.MustCompile(`boundary="?([^";]+)"?`).FindStringSubmatch(ct)
			if m == nil {
				t.Fatalf("no boundary in %q", ct)
			}
			delim := "\r\n--" + m[1]
			chunks := strings.Split("\r\n"+body, delim)
			if len(chunks) < 3 || !strings.HasPrefix(chunks[len(chunks)-1], "--") {
				t.Fatalf("%s: %d chunks, no close delimiter", typ, len(chunks))
			}
			for _, c := range chunks[1 : len(chunks)-1] {
				walk(strings.TrimPrefix(c, "\r\n"))
			}
			return
		}
		if strings.EqualFold(fields["content-transfer-encoding"], "quoted-printable") {
			body = decodeQP(body)
		}
		types = append(types, typ)
		bodies = append(bodies, body)
	}
	walk(string(raw))
	return types, bodies
}

// decodeQP decodes quoted-printable without the standard library.
func decodeQP(s string) string {
	var b strings.Builder
	s = strings.ReplaceAll(s, "=\r\n", "")
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && i+2 < len(s) {
			var v byte
			if _, err := fmt.Sscanf(s[i+1:i+3], "%02X", &v); err == nil {
				b.WriteByte(v)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return strings.ReplaceAll(b.String(), "\r\n", "\n")
}

// htmlProblems lists what a digest's HTML must never carry: scripts,
// event handlers, images or other remote content, javascript: links.
func htmlProblems(doc string) []string {
	var bad []string
	z := xhtml.NewTokenizer(strings.NewReader(doc))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return bad
		}
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script", "img", "iframe", "object", "embed", "picture", "video", "audio", "link", "form", "svg":
			bad = append(bad, "<"+tok.Data+">")
		}
		for _, a := range tok.Attr {
			k := strings.ToLower(a.Key)
			v := strings.ToLower(strings.TrimSpace(a.Val))
			switch {
			case strings.HasPrefix(k, "on"):
				bad = append(bad, tok.Data+" "+k)
			case k == "src" || k == "background" || k == "srcset" || k == "style" && strings.Contains(v, "url("):
				bad = append(bad, tok.Data+" "+k)
			case k == "href" && !(strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "mailto:") || strings.HasPrefix(v, "#")):
				bad = append(bad, tok.Data+" href="+a.Val)
			}
		}
	}
}

// visibleText is the text of an HTML document, unescaped, with runs of
// whitespace as one space.
func visibleText(doc string) string {
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(doc))
	skip := 0
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case xhtml.StartTagToken:
			if n, _ := z.TagName(); string(n) == "style" || string(n) == "title" {
				skip++
			}
		case xhtml.EndTagToken:
			if n, _ := z.TagName(); string(n) == "style" || string(n) == "title" {
				skip--
			}
		case xhtml.TextToken:
			if skip == 0 {
				b.WriteString(html.UnescapeString(string(z.Text())) + " ")
			}
		}
	}
}

func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// inlineWeek archives a week with every kind of post and returns the
// slot the digest goes out at.
func inlineWeek(t *testing.T, e *env) time.Time {
	at := func(s string) time.Time { return ny(t, "2026-11-0"+s) }
	// A text post with the message it answers quoted below, a signature
	// and a phone footer.
	e.archive("talk", "alice@example.net", "Alice Author", "Curriculum ideas", "p1@example.net", "", at("3 09:00"),
		"Let us plan the winter term together.\nI propose three texts.\n\n-- \nAlice Author\nCommunity organizer\n\nSent from my iPhone")
	// A reply quoting it, the From rewritten for DMARC: the archive keeps
	// Bob as the author.
	e.archiveRaw("talk", store.ArchiveMeta{MessageID: "p2@example.net", InReplyTo: "p1@example.net", From: "bob@strict.example",
		FromName: "Bob Builder", Subject: "Re: Curriculum ideas", Date: at("4 10:00"), Archived: at("4 10:00")},
		"From: \"Bob Builder via Study Circle\" <talk@lists.example.org>\nReply-To: bob@strict.example\nSubject: Re: Curriculum ideas\n"+
			"Message-ID: <p2@example.net>\nIn-Reply-To: <p1@example.net>\nContent-Type: text/plain; charset=utf-8\n\n"+
			"Three texts is right; I can lead the second one.\n\nOn Tue, Nov 3, 2026 at 9:00 AM Alice Author <alice@example.net> wrote:\n> Let us plan the winter term together.\n> I propose three texts.\n")
	// An HTML-only post with a script, an event handler, a tracking image
	// and a Gmail quote.
	e.archiveRaw("talk", store.ArchiveMeta{MessageID: "p3@example.net", From: "carol@example.net", FromName: "Carol",
		Subject: "Budget", Date: at("5 11:00"), Archived: at("5 11:00")},
		"From: Carol <carol@example.net>\nSubject: Budget\nMessage-ID: <p3@example.net>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"+
			`<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>`+
			`<h1>Budget summary</h1><p onclick="steal()">We have <b>&euro;400</b> for books &amp; snacks.</p>`+
			`<p>Details: <a href="https://example.net/budget">the sheet</a> and <a href="javascript:evil()">this</a>.</p>`+
			`<img src="https://tracker.example.com/pixel.gif" alt=""><div class="gmail_quote">On Mon Dan wrote:<blockquote>old budget talk</blockquote></div>`+
			`</body></html>`)
	// A post with an attachment.
	e.archiveRaw("talk", store.ArchiveMeta{MessageID: "p4@example.net", From: "dan@example.net", FromName: "Dan",
		Subject: "Reading sheet", Date: at("6 12:00"), Archived: at("6 12:00")},
		"From: Dan <dan@example.net>\nSubject: Reading sheet\nMessage-ID: <p4@example.net>\nMIME-Version: 1.0\n"+
			"Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\nThe sheet for Thursday is attached.\n"+
			"--b1\nContent-Type: application/pdf; name=\"sheet.pdf\"\nContent-Disposition: attachment; filename=\"sheet.pdf\"\nContent-Transfer-Encoding: base64\n\n"+
			"JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K\n--b1--\n")
	return ny(t, "2026-11-09 08:00")
}

func TestInlineDigestAsClientsReadIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	l := e.list("talk", "discussion", []string{"digest_day=monday", "digest_time=08:00", "timezone=America/New_York"},
		"bob@strict.example::digest:Bob", "pat@example.net::digest:Pat", "alice@example.net::each:Alice")
	if err := e.svc.SetDigestFormat(context.Background(), listserv.Operator(listserv.DoorCLI), "talk", "pat@example.net", store.DigestPlain); err != nil {
		t.Fatal(err)
	}
	e.run(t0)
	slot := inlineWeek(t, e)
	e.run(slot.Add(time.Minute))
	ds := e.ofKind(kindWeekly)
	if len(ds) != 2 {
		t.Fatalf("%d digests, want one per format", len(ds))
	}
	var rich, plain queuedMail
	for _, d := range ds {
		switch a := d.addrs(); {
		case slices.Equal(a, []string{"bob@strict.example"}):
			rich = d
		case slices.Equal(a, []string{"pat@example.net"}):
			plain = d
		default:
			t.Fatalf("a digest to %v", a)
		}
	}
	_ = l

	// The plain member: one text/plain part, nothing else.
	if s := structure(t, plain.Raw); s != "text/plain" {
		t.Errorf("plain digest is %s", s)
	}
	if ts, _ := minimalParts(t, plain.Raw); !slices.Equal(ts, []string{"text/plain"}) {
		t.Errorf("plain digest, read by hand: %v", ts)
	}

	if s := structure(t, rich.Raw); s != "multipart/mixed[multipart/alternative[text/plain,text/html],multipart/digest[message/rfc822,message/rfc822,message/rfc822,message/rfc822]]" {
		t.Errorf("structure %s", s)
	}
	byType := clientParts(t, rich.Raw)
	types, bodies := minimalParts(t, rich.Raw)
	if !slices.Equal(types, []string{"text/plain", "text/html", "message/rfc822", "message/rfc822", "message/rfc822", "message/rfc822"}) {
		t.Fatalf("read by hand: %v", types)
	}
	if len(byType["text/plain"]) != 1 || len(byType["text/html"]) != 1 || len(byType["message/rfc822"]) != 4 {
		t.Fatalf("parts %v", mapKeys(byType))
	}
	text := strings.ReplaceAll(string(byType["text/plain"][0]), "\r\n", "\n")
	doc := string(byType["text/html"][0])
	if squash(text) != squash(bodies[0]) || squash(doc) != squash(strings.ReplaceAll(bodies[1], "\n", "\r\n")) {
		t.Error("the two parsers read different inline parts")
	}
	page := visibleText(doc)
	for _, want := range []string{
		"Let us plan the winter term together.\nI propose three texts.",
		"Three texts is right; I can lead the second one.",
		"We have €400 for books & snacks.",
		"The sheet for Thursday is attached.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
		if !strings.Contains(page, squash(want)) {
			t.Errorf("HTML part lacks %q:\n%s", want, page)
		}
	}
	for _, gone := range []string{"Community organizer", "Sent from my iPhone", "> Let us plan", "old budget talk", "alert(1)", "wrote:"} {
		if strings.Contains(text, gone) || strings.Contains(page, gone) {
			t.Errorf("%q is still in the digest", gone)
		}
	}
	for _, want := range []string{"Signature and mobile footer trimmed.", "Quoted text trimmed."} {
		if !strings.Contains(text, want) || !strings.Contains(page, want) {
			t.Errorf("no note %q", want)
		}
	}
	// The real author, also behind the DMARC rewrite; the list's zone.
	for _, want := range []string{"Bob Builder", "Wed Nov 4, 2026 10:00 EST"} {
		if !strings.Contains(text, want) || !strings.Contains(page, want) {
			t.Errorf("digest lacks %q", want)
		}
	}
	if strings.Contains(page, "via Study Circle") {
		t.Error("the HTML shows the rewritten From, not the author")
	}
	for _, want := range []string{
		`href="https://lists.example.org/lists/talk/m/2"`,
		`href="https://lists.example.org/lists/talk/m/1">Curriculum`, // the thread
		`href="https://lists.example.org/lists/talk/m/4/att/1"`,
		`href="mailto:talk@lists.example.org?subject=Re%3A%20Curriculum%20ideas&amp;In-Reply-To=%3Cp2%40example.net%3E"`,
		`<html lang="en" dir="ltr">`, `name="color-scheme"`, `name="viewport"`, `<h2 id="t1" dir="auto"><a href="https://lists.example.org/lists/talk/m/1">Curriculum ideas</a></h2>`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("HTML lacks %s", want)
		}
	}
	if !strings.Contains(text, "Attachment: sheet.pdf (48 bytes) <https://lists.example.org/lists/talk/m/4/att/1>") {
		t.Errorf("text names no attachment with its size and link:\n%s", text)
	}
	if !strings.Contains(page, "sheet.pdf (48 bytes)") {
		t.Error("HTML names no attachment")
	}
	if bad := htmlProblems(doc); len(bad) > 0 {
		t.Errorf("unsafe HTML: %v", bad)
	}
	if strings.Contains(doc, "tracker.example.com") || strings.Contains(doc, "javascript:") {
		t.Error("a remote image or a script link survived")
	}
	// The bursting part still holds every post as archived.
	var ids []string
	for _, p := range byType["message/rfc822"] {
		m, err := mail.ReadMessage(bytes.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.Header.Get("Message-ID"))
	}
	if !slices.Equal(ids, []string{"<p1@example.net>", "<p2@example.net>", "<p3@example.net>", "<p4@example.net>"}) {
		t.Errorf("multipart/digest holds %v", ids)
	}
	// The plain copy carries the same words in the RFC 1153 layout.
	ptext := textOf(t, plain.Raw)
	if ptext != text {
		t.Error("the plain digest's text differs from the text alternative")
	}
	if !strings.Contains(ptext, "\n------------------------------\n") || !strings.Contains(ptext, "\nMessage: 2\nDate: Wed Nov 4, 2026 10:00 EST\nFrom: \"Bob Builder\" <bob@strict.example>\nSubject: Re: Curriculum ideas\n") {
		t.Errorf("plain digest is not laid out message by message:\n%s", ptext)
	}
}

func mapKeys(m map[string][][]byte) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s×%d", k, len(v)))
	}
	slices.Sort(out)
	return out
}

// longWeek archives n posts of some length in threads of four.
func longWeek(t *testing.T, e *env, list string, n int) time.Time {
	start := ny(t, "2026-11-02 09:00")
	para := strings.Repeat("This is a thoughtful paragraph about the reading, with an idea or two worth discussing. ", 6)
	for i := range n {
		root := fmt.Sprintf("t%d@example.net", i/4)
		id, reply, subj := fmt.Sprintf("m%d@example.net", i), "", fmt.Sprintf("Topic %d", i/4)
		if i%4 != 0 {
			reply, subj = root, "Re: "+subj
		}
		if i%4 == 0 {
			id = root
		}
		at := start.Add(time.Duration(i) * 30 * time.Minute)
		e.archive(list, fmt.Sprintf("p%d@example.net", i%17), fmt.Sprintf("Person %d", i%17), subj, id, reply, at,
			fmt.Sprintf("Post %d opens here.\n%s\n\n%s\n\nPost %d ends here.", i, para, para, i))
	}
	return ny(t, "2026-11-09 08:00")
}

func TestLongWeekStaysUnderGmailsClip(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("talk", "discussion", []string{"digest_day=monday", "digest_time=08:00", "timezone=America/New_York"}, "bob@example.net::digest:Bob")
	e.run(t0)
	slot := longWeek(t, e, "talk", 200)
	e.run(slot.Add(time.Minute))
	ds := e.ofKind(kindWeekly)
	if len(ds) != 1 {
		t.Fatalf("%d digests", len(ds))
	}
	parts := clientParts(t, ds[0].Raw)
	doc := string(parts["text/html"][0])
	if len(doc) >= 100_000 {
		t.Errorf("HTML part is %d bytes, over Gmail's clip", len(doc))
	}
	page := visibleText(doc)
	if !strings.Contains(page, "A long week:") || !strings.Contains(page, "Read the rest") {
		t.Errorf("a shortened digest does not say how to read the rest")
	}
	if !strings.Contains(doc, `href="https://lists.example.org/lists/talk/m/200"`) {
		t.Error("no link to read the last post")
	}
	for _, i := range []int{0, 199} {
		if !strings.Contains(page, fmt.Sprintf("Post %d opens here.", i)) {
			t.Errorf("post %d shows no first lines", i)
		}
	}
	// The text part and the attached copies still hold every word.
	text := string(parts["text/plain"][0])
	if !strings.Contains(text, "Post 199 ends here.") || len(parts["message/rfc822"]) != 200 {
		t.Error("the text part or the attached posts are incomplete")
	}
	t.Logf("200 posts: HTML %d bytes, whole message %d bytes", len(doc), len(ds[0].Raw))
}

func TestShortWeekIsNotShortened(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("talk", "discussion", []string{"digest_day=monday", "digest_time=08:00", "timezone=America/New_York"}, "bob@example.net::digest:Bob")
	e.run(t0)
	slot := longWeek(t, e, "talk", 12)
	e.run(slot.Add(time.Minute))
	doc := string(clientParts(t, e.ofKind(kindWeekly)[0].Raw)["text/html"][0])
	if strings.Contains(doc, "A long week") || !strings.Contains(visibleText(doc), "Post 11 ends here.") {
		t.Error("a short week was shortened")
	}
}

func TestTrimText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want string
		trimmed  []string
	}{
		{"Hello.\n", "Hello.", nil},
		{"Yes.\n\nOn Mon, Nov 2, 2026 at 9:00 AM Alice <a@x> wrote:\n> old\n> text\n", "Yes.", []string{"quoted text"}},
		{"Yes.\nOn Mon, Nov 2, 2026 at 9:00 AM Alice\n<a@x> wrote:\n> old\n", "Yes.", []string{"quoted text"}},
		{"Agreed.\n\n-----Original Message-----\nFrom: Bob\nSent: Monday\n\nold", "Agreed.", []string{"quoted text"}},
		{"Agreed.\n\nFrom: Bob <b@x>\nSent: Monday, 9:00\nTo: list\n\nold", "Agreed.", []string{"quoted text"}},
		{"Sure.\n\nSent from my iPhone", "Sure.", []string{"mobile footer"}},
		{"Sure.\n\nGet Outlook for Android", "Sure.", []string{"mobile footer"}},
		{"Body\n-- \nName\nSent from my iPad\n", "Body", []string{"signature", "mobile footer"}},
		{"Interleaved:\n> q1\nanswer 1\n> q2\nanswer 2", "Interleaved:\nanswer 1\nanswer 2", []string{"quoted text"}},
		{"Body text.\n\n___\nList footer line\n", "Body text.", nil},      // the list footer below
		{"Body text.\n\n-- \n___\nList footer line\n", "Body text.", nil}, // the footer under its "-- " separator: no signature
		{"Body\n-- \nAnn\n\n-- \n___\nList footer line", "Body", []string{"signature"}},
		{"-- \n___\nList footer line", "", nil},
		{"Body with a line I sent from my heart.", "Body with a line I sent from my heart.", nil},
	} {
		got, trimmed := trimText(c.in, normalizeLines("___\nList footer line"))
		if got != c.want || !slices.Equal(trimmed, c.trimmed) {
			t.Errorf("trimText(%q) = %q %v, want %q %v", c.in, got, trimmed, c.want, c.trimmed)
		}
	}
}

func TestHTMLOnlyPostIsSanitised(t *testing.T) {
	t.Parallel()
	text, safe, trimmed := cleanHTML(`<div onmouseover="x()">Hi <a href="https://ok.example/a" onclick="y()">there</a>`+
		`<img src="http://t.example/p.gif"><iframe src="https://evil.example"></iframe><svg onload="z()"></svg>`+
		`<a href="javascript:alert(1)">js</a><form action="https://evil.example"><input name="q"></form></div>`+
		`<div id="divRplyFwdMsg">From: Bob</div><div>old message</div>`, "")
	if bad := htmlProblems(safe); len(bad) > 0 {
		t.Errorf("unsafe: %v in %s", bad, safe)
	}
	if !strings.Contains(safe, `<a href="https://ok.example/a" rel="nofollow">there</a>`) {
		t.Errorf("the safe link is gone: %s", safe)
	}
	if strings.Contains(safe, "old message") || strings.Contains(text, "old message") || !slices.Equal(trimmed, []string{"quoted text"}) {
		t.Errorf("Outlook quote kept: %q %q %v", safe, text, trimmed)
	}
	if !strings.Contains(text, "Hi there <https://ok.example/a>") {
		t.Errorf("text %q", text)
	}
}

func TestAttachmentsNamedWithSize(t *testing.T) {
	t.Parallel()
	raw := "From: a@x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee files.\r\n" +
		"--b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n" + strings.Repeat("AAAA", 3000) + "\r\n" +
		"--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: fwd\r\n\r\nforwarded\r\n--b--\r\n"
	pb := extractPost([]byte(raw), "")
	if pb.Text != "See files." || len(pb.Attachments) != 2 {
		t.Fatalf("%+v", pb)
	}
	if a := pb.Attachments[0]; a.N != 1 || a.Name != "unnamed image/png" || a.SizeText().String() != "9 KB" {
		t.Errorf("first attachment %+v %s", a, a.SizeText())
	}
	if a := pb.Attachments[1]; a.N != 2 || a.Name != "forwarded message.eml" {
		t.Errorf("second attachment %+v", a)
	}
}

func TestDigestFormatChoice(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("talk", "discussion", nil, "bob@example.net::digest:Bob")
	if err := e.svc.SetDigestFormat(context.Background(), listserv.Operator(listserv.DoorCLI), "talk", "bob@example.net", "fancy"); err == nil {
		t.Error("an unknown format was taken")
	}
	if err := e.svc.SetDigestFormat(context.Background(), listserv.Operator(listserv.DoorCLI), "talk", "nobody@example.net", store.DigestPlain); err == nil {
		t.Error("a non-member's format was set")
	}
	for _, f := range []store.DigestFormat{store.DigestPlain, store.DigestHTML} {
		if err := e.svc.SetDigestFormat(context.Background(), listserv.Operator(listserv.DoorCLI), "talk", "Bob@Example.net", f); err != nil {
			t.Fatal(err)
		}
		ms, _ := e.svc.Members("talk")
		if ms[0].Format() != f {
			t.Errorf("format %s, want %s", ms[0].Format(), f)
		}
	}
}

// FuzzExtractPost feeds arbitrary mail to the digest's reader of posts:
// it must never panic, and what it returns as HTML must stay safe.
func FuzzExtractPost(f *testing.F) {
	f.Add([]byte("From: a@x\r\nContent-Type: text/plain\r\n\r\nHello\r\n> quote\r\n-- \r\nsig\r\n"), "footer")
	f.Add([]byte("Content-Type: text/html\r\n\r\n<p onclick=x>Hi<img src=http://t/p><script>1</script><blockquote>q</blockquote>"), "")
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\nContent-Disposition: attachment; filename=\"a\r\n b.pdf\"\r\n\r\nzz\r\n--b--\r\n"), "")
	f.Add([]byte("Content-Type: multipart/alternative; boundary=\"\"\r\n\r\n--\r\n"), "")
	f.Add([]byte{}, "")
	f.Fuzz(func(t *testing.T, raw []byte, footer string) {
		pb := extractPost(raw, footer)
		if bad := htmlProblems(pb.HTML); len(bad) > 0 {
			t.Errorf("unsafe HTML %v from %q", bad, raw)
		}
		for _, a := range pb.Attachments {
			if strings.ContainsAny(a.Name, "\r\n") {
				t.Errorf("attachment name %q breaks a line", a.Name)
			}
		}
	})
}

func TestNoWebArchiveNoLinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("talk", "discussion", []string{"digest_day=monday", "digest_time=08:00", "timezone=America/New_York", "archive=off"}, "bob@example.net::digest:Bob")
	e.run(t0)
	slot := longWeek(t, e, "talk", 200)
	e.run(slot.Add(time.Minute))
	parts := clientParts(t, e.ofKind(kindWeekly)[0].Raw)
	doc, text := string(parts["text/html"][0]), string(parts["text/plain"][0])
	if strings.Contains(doc, "/lists/talk") || strings.Contains(text, "/lists/talk") {
		t.Error("links to an archive the list does not keep")
	}
	page := visibleText(doc)
	if !strings.Contains(page, "in the full messages attached to this email") || !strings.Contains(page, "The full message 200 is attached.") {
		t.Errorf("a shortened digest without an archive does not point to the attached messages")
	}
}

// TestListFooterIsNoSignature: a post archived with the footer the list
// added to it (as archives written before the archive kept the post as
// accepted are) shows no "Signature trimmed." note in a digest; a real
// signature above the footer still does.
func TestListFooterIsNoSignature(t *testing.T) {
	e := newEnv(t, t0)
	l := e.list("talk", "discussion", []string{"footer=Be kind to each other.", "personalize=true"})
	foot := e.svc.PostFooter(l, "Picnic", "p9@example.net")
	for _, c := range []struct {
		body, text string
		trimmed    []string
	}{
		{"Who brings the bread?\r\n", "Who brings the bread?", nil},
		{"Who brings the bread?\r\n\r\n-- \r\nAnn\r\n", "Who brings the bread?", []string{"signature"}},
	} {
		raw := []byte("From: Ann <ann@example.net>\r\nSubject: Picnic\r\nMessage-ID: <p9@example.net>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + c.body)
		sent, err := rewrite.WithFooter(raw, foot)
		if err != nil {
			t.Fatal(err)
		}
		pb := extractPost(sent, foot)
		if pb.Text != c.text || !slices.Equal(pb.Trimmed, c.trimmed) || strings.Contains(pb.Text, "Mute this thread") {
			t.Errorf("post %q with the list's footer: %q, trimmed %v; want %q, %v", c.body, pb.Text, pb.Trimmed, c.text, c.trimmed)
		}
	}
}

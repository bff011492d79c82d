package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"minyan/listserv"
)

// postFake is a domain that knows two sessions and one list, and
// records the web posts handed to it.
type postFake struct {
	Core
	mu      sync.Mutex
	posts   []listserv.WebPost
	actors  []listserv.Actor
	outcome listserv.PostOutcome
	err     error
}

func (c *postFake) Domain() string                  { return "lists.example.org" }
func (c *postFake) IsSiteAdmin(listserv.Actor) bool { return false }
func (c *postFake) SessionAddress(sid string) (string, bool) {
	switch sid {
	case "sid-ann":
		return "ann@example.org", true
	case "sid-mod":
		return "mod@example.org", true
	}
	return "", false
}
func (c *postFake) ListPage(_ context.Context, a listserv.Actor, name string) (listserv.ListView, error) {
	if name != "talk" {
		return listserv.ListView{}, listserv.ErrNotFound
	}
	v := listserv.ListView{SignedIn: a.Address != "", CanPost: a.Address != ""}
	v.Name, v.Title, v.Address = "talk", "Talk", "talk@lists.example.org"
	if a.Address == "mod@example.org" {
		v.Role = listserv.ListModerator
	}
	return v, nil
}
func (c *postFake) PostFromWeb(_ context.Context, a listserv.Actor, list string, p listserv.WebPost) (listserv.PostOutcome, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if list != "talk" {
		return listserv.PostOutcome{}, listserv.ErrNotFound
	}
	c.posts = append(c.posts, p)
	c.actors = append(c.actors, a)
	return c.outcome, c.err
}
func (c *postFake) recorded() ([]listserv.WebPost, []listserv.Actor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]listserv.WebPost(nil), c.posts...), append([]listserv.Actor(nil), c.actors...)
}

type postClient struct {
	t   *testing.T
	srv *httptest.Server
}

func newPostServer(t *testing.T, core *postFake) postClient {
	srv := httptest.NewServer(Handler(Options{Core: core, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	return postClient{t, srv}
}

// do sends a request with the session sid ("" for none) and returns
// the status, the Location and the page.
func (c postClient) do(method, path, sid, ctype string, body io.Reader, hdr ...string) (int, string, string) {
	c.t.Helper()
	return roundTrip(c.t, method, c.srv.URL+path, body, sid, false, append([]string{"Content-Type", ctype}, hdr...)...)
}

// postMultipart builds a compose form with fields and an optional file.
func postMultipart(t *testing.T, fields map[string]string, fileName string, file []byte) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("attachment", fileName)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

// TestPostPageForm: the compose form for members, with the alert box
// only for moderators; signed-out visitors are sent to sign in; a list
// the domain hides is "Page not found".
func TestPostPageForm(t *testing.T) {
	c := newPostServer(t, &postFake{})
	code, _, page := c.do("GET", "/lists/talk/post", "sid-ann", "", nil)
	if code != 200 || !strings.Contains(page, `enctype="multipart/form-data"`) || !strings.Contains(page, `name="subject"`) || strings.Contains(page, `name="alert"`) {
		t.Errorf("member's form: %d\n%s", code, page)
	}
	if _, _, page := c.do("GET", "/lists/talk/post", "sid-mod", "", nil); !strings.Contains(page, `name="alert"`) {
		t.Errorf("moderator's form has no alert box")
	}
	if code, loc, _ := c.do("GET", "/lists/talk/post", "", "", nil); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Errorf("signed out: %d %q, want 303 to /login", code, loc)
	}
	if code, _, page := c.do("GET", "/lists/inner/post", "sid-ann", "", nil); code != 404 || !strings.Contains(page, "Page not found") {
		t.Errorf("hidden list: %d", code)
	}
}

// TestPostSendsToTheDomain: the form's fields and file reach the one
// domain operation as the signed-in person, and the page says what
// became of the post.
func TestPostSendsToTheDomain(t *testing.T) {
	core := &postFake{outcome: listserv.PostOutcome{Action: listserv.Accept}}
	c := newPostServer(t, core)
	ct, body := postMultipart(t, map[string]string{"subject": "Hello", "body": "Line one\r\nLine two", "alert": "1"}, "notes.txt", []byte("the notes"))
	code, _, page := c.do("POST", "/lists/talk/post", "sid-mod", ct, body)
	if code != 200 || !strings.Contains(page, "on its way") {
		t.Fatalf("accepted post: %d\n%s", code, page)
	}
	posts, actors := core.recorded()
	p := posts[0]
	if p.Subject != "Hello" || p.Body != "Line one\nLine two" || !p.Alert || p.InReplyTo != 0 ||
		p.Attachment == nil || p.Attachment.Name != "notes.txt" || string(p.Attachment.Data) != "the notes" {
		t.Errorf("domain got %+v", p)
	}
	if actors[0].Address != "mod@example.org" || actors[0].Door != listserv.DoorWeb {
		t.Errorf("actor %v", actors[0])
	}
	// A plain urlencoded form works too (no file).
	core.outcome = listserv.PostOutcome{Action: listserv.Hold, Reason: "ann@example.org is not a member of the list"}
	code, _, page = c.do("POST", "/lists/talk/post", "sid-ann", "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"subject": {"Hi"}, "body": {"may I?"}}.Encode()))
	if code != 200 || !strings.Contains(page, "waiting for a moderator") || !strings.Contains(page, "not a member") {
		t.Errorf("held post: %d\n%s", code, page)
	}
	core.outcome = listserv.PostOutcome{Action: listserv.Refuse, Reason: "only members may post here"}
	code, _, page = c.do("POST", "/lists/talk/post", "sid-ann", "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"subject": {"Hi"}, "body": {"may I?"}}.Encode()))
	if code != 403 || !strings.Contains(page, "not accepted") || !strings.Contains(page, "only members may post here") {
		t.Errorf("refused post: %d\n%s", code, page)
	}
	if posts, _ := core.recorded(); posts[1].Alert {
		t.Errorf("no alert box ticked, but the domain was asked for an alert")
	}
}

// TestPostProblems: problems the person can fix show the form again
// with what they typed; nothing is sent by a signed-out visitor or from
// another site.
func TestPostProblems(t *testing.T) {
	core := &postFake{err: listserv.ErrEmptyPost}
	c := newPostServer(t, core)
	form := "application/x-www-form-urlencoded"
	code, _, page := c.do("POST", "/lists/talk/post", "sid-ann", form, strings.NewReader(url.Values{"subject": {"Kept subject"}, "body": {" "}}.Encode()))
	if code != 400 || !strings.Contains(page, "The message is empty") || !strings.Contains(page, `value="Kept subject"`) {
		t.Errorf("empty: %d\n%s", code, page)
	}
	core.err = listserv.ErrTooBig
	ct, body := postMultipart(t, map[string]string{"subject": "big", "body": "file"}, "big.bin", make([]byte, 1000))
	if code, _, page := c.do("POST", "/lists/talk/post", "sid-ann", ct, body); code != 413 || !strings.Contains(page, "larger than this list takes") {
		t.Errorf("too big: %d\n%s", code, page)
	}
	core.err = &listserv.Reject{Code: 554, Message: "the message could not be prepared for the list"}
	if code, _, page := c.do("POST", "/lists/talk/post", "sid-ann", form, strings.NewReader("subject=a&body=b")); code != 400 || !strings.Contains(page, "could not be prepared") {
		t.Errorf("a permanent refusal: %d\n%s", code, page)
	}
	core.err = &listserv.Reject{Code: 451, Message: "try again later"}
	if code, _, page := c.do("POST", "/lists/talk/post", "sid-ann", form, strings.NewReader("subject=a&body=b")); code != 500 || strings.Contains(page, "try again later") {
		t.Errorf("a temporary failure: %d", code)
	}
	core.err = listserv.ErrTooBig
	// Over the web door's own limit: refused before the domain is asked.
	n, _ := core.recorded()
	ct, body = postMultipart(t, map[string]string{"subject": "huge", "body": "file"}, "huge.bin", make([]byte, webPostMaxBytes+1))
	if code, _, page := c.do("POST", "/lists/talk/post", "sid-ann", ct, body); code != 413 || !strings.Contains(page, "larger than this list takes") {
		t.Errorf("over the form limit: %d", code)
	}
	if code, _, _ := c.do("POST", "/lists/talk/post", "", form, strings.NewReader("subject=a&body=b")); code != 401 {
		t.Errorf("signed out: %d, want 401", code)
	}
	if code, _, _ := c.do("POST", "/lists/talk/post", "sid-ann", form, strings.NewReader("subject=a&body=b"), "Sec-Fetch-Site", "cross-site"); code != 403 {
		t.Errorf("cross-site: %d, want 403", code)
	}
	if code, _, _ := c.do("POST", "/lists/talk/post", "sid-ann", form, strings.NewReader("subject=a&body=%ff")); code != 400 {
		t.Errorf("not UTF-8: %d, want 400", code)
	}
	if m, _ := core.recorded(); len(m) != len(n) {
		t.Errorf("%d posts reached the domain from refused requests", len(m)-len(n))
	}
	if code, _, _ := c.do("POST", "/lists/inner/post", "sid-ann", form, strings.NewReader("subject=a&body=b")); code != 404 {
		t.Errorf("hidden list: %d, want 404", code)
	}
}

// TestReplyForm: the reply reaches the domain with the message's
// number; a message the domain hides is "Page not found".
func TestReplyForm(t *testing.T) {
	core := &postFake{outcome: listserv.PostOutcome{Action: listserv.Accept}}
	c := newPostServer(t, core)
	form := "application/x-www-form-urlencoded"
	code, _, page := c.do("POST", "/lists/talk/m/7/reply", "sid-ann", form, strings.NewReader(url.Values{"body": {"Agreed."}, "subject": {"ignored"}}.Encode()))
	if code != 200 || !strings.Contains(page, `href="/lists/talk/m/7"`) {
		t.Fatalf("reply: %d\n%s", code, page)
	}
	posts, _ := core.recorded()
	if posts[0].InReplyTo != 7 || posts[0].Body != "Agreed." || posts[0].Subject != "" {
		t.Errorf("domain got %+v", posts[0])
	}
	core.err = listserv.ErrNoMessage
	if code, _, _ := c.do("POST", "/lists/talk/m/8/reply", "sid-ann", form, strings.NewReader("body=x")); code != 404 {
		t.Errorf("hidden message: %d, want 404", code)
	}
	if code, _, _ := c.do("POST", "/lists/talk/m/0/reply", "sid-ann", form, strings.NewReader("body=x")); code != 404 {
		t.Errorf("bad number: %d, want 404", code)
	}
}

// FuzzPostFields: the post form's text checks never panic and never
// pass on bytes that are not UTF-8 or over the bounds.
func FuzzPostFields(f *testing.F) {
	f.Add("Hello", "body\r\ntext", "1")
	f.Add("", "\xff", "")
	f.Add(strings.Repeat("s", 600), "", "0")
	f.Fuzz(func(t *testing.T, subject, body, alert string) {
		s, b, _, err := postFields(url.Values{"subject": {subject}, "body": {body}, "alert": {alert}})
		if err != nil {
			return
		}
		if len(s) > maxPostSubject || len(b) > maxPostBody || strings.Contains(b, "\r\n") || strings.ContainsRune(s+b, 0) {
			t.Errorf("accepted %q / %q", s, b)
		}
	})
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"minyan/listserv"
)

// consoleEnv: list team (discussion) with one person per role, list
// other (its owner is other@), caucus circle, and a site admin.
func consoleEnv(t *testing.T) *testEnv {
	e := startEnv(t, func(c *Config) { c.Web.Admins = []string{"admin@example.org"} })
	e.setup("team", "discussion", map[string]string{"own@example.org": "owner", "mod@example.org": "moderator",
		"fac@example.org": "facilitator", "mem@example.org": "member"})
	e.setup("other", "discussion", map[string]string{"other@example.org": "owner", "none@example.org": "member", "admin@example.org": "member"})
	e.setup("circle", "caucus", map[string]string{"cown@example.org": "owner"})
	return e
}

// holdPost sends a non-member's post to team and returns its held id.
func holdPost(t *testing.T, e *testEnv, from, subject string) uint64 {
	t.Helper()
	if err := e.send(from, []string{"team@lists.example.org"}, post(from, "team@lists.example.org", subject, "Hello from "+from)); err != nil {
		t.Fatal(err)
	}
	var id uint64
	waitFor(t, "held "+subject, func() bool {
		held, _ := e.srv.App.Svc.HeldItems(context.Background(), listserv.Operator(listserv.DoorCLI), "team")
		for _, h := range held {
			if h.Subject == subject {
				id = h.ID
				return true
			}
		}
		return false
	})
	return id
}

// postMultipart sends the CSV import form.
func (w *webClient) postFile(path, field, name string, data []byte) (int, string, string) {
	w.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", w.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	c := *w.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

// importCSV is a roster of n rows with bad rows at the given lines.
func importCSV(n int, badLines ...int) []byte {
	var b strings.Builder
	b.WriteString("email,name,mode\n")
	bad := map[int]bool{}
	for _, l := range badLines {
		bad[l] = true
	}
	for i := 2; i <= n+1; i++ {
		if bad[i] {
			fmt.Fprintf(&b, "not-an-address-%d,Person %d,each\n", i, i)
			continue
		}
		fmt.Fprintf(&b, "p%05d@example.net,Person %d,digest\n", i, i)
	}
	return []byte(b.String())
}

func TestConsoleModOwnerFlow(t *testing.T) {
	t.Parallel()
	e := consoleEnv(t)
	first := holdPost(t, e, "x@example.com", "First question")
	second := holdPost(t, e, "y@example.com", "Second question")
	own := newWebClient(t, e)
	signIn(t, e, own, "own@example.org", 0)

	code, body := own.get("/lists/team/admin/held")
	if code != 200 || !strings.Contains(body, "First question") || !strings.Contains(body, "Second question") || !strings.Contains(body, "Hello from x@") {
		t.Fatalf("held page: %d %s", code, body)
	}
	code, body = own.post(fmt.Sprintf("/lists/team/admin/held/%d", first), url.Values{"action": {"approve"}})
	if code != 200 || !strings.Contains(body, "approved") {
		t.Fatalf("approve: %d %s", code, body)
	}
	e.mailTo("mem@example.org", "Subject: [team] First question")
	e.mailTo("mod@example.org", "Approved by own@example.org")
	code, body = own.post(fmt.Sprintf("/lists/team/admin/held/%d", second), url.Values{"action": {"reject"}, "reason": {"Please ask this on the help list."}})
	if code != 200 || !strings.Contains(body, "rejected") {
		t.Fatalf("reject: %d %s", code, body)
	}
	e.mailTo("y@example.com", "Please ask this on the help list.")
	// Deciding again says who decided first.
	code, body = own.post(fmt.Sprintf("/lists/team/admin/held/%d", first), url.Values{"action": {"discard"}})
	if code != http.StatusConflict || !strings.Contains(body, "already handled: approved by own@example.org") {
		t.Fatalf("second decision: %d %s", code, body)
	}
	if code, body = own.get("/lists/team/admin/history"); code != 200 || !strings.Contains(body, "rejected</strong> by own@example.org") || !strings.Contains(body, "via web") {
		t.Fatalf("history: %d %s", code, body)
	}

	// Add one member, then several pasted.
	code, body = own.post("/lists/team/admin/members", url.Values{"email": {"new@example.org"}, "name": {"New Person"}, "mode": {"digest"}})
	if code != 200 || !strings.Contains(body, "Added 1 person") {
		t.Fatalf("add: %d %s", code, body)
	}
	code, body = own.post("/lists/team/admin/members", url.Values{"email": {"a1@example.org\nBee <b1@example.org>, oops\n"}})
	if code != 200 || !strings.Contains(body, "Added 2 people") || !strings.Contains(body, "&#34;oops&#34; is not an email address") {
		t.Fatalf("paste: %d %s", code, body)
	}
	e.srv.App.Store.View(func(tx *storeTx) error {
		mb, err := tx.Membership("team", "new@example.org")
		if err != nil || mb.Mode != "digest" {
			t.Errorf("new member: %+v %v", mb, err)
		}
		return nil
	})

	// A 2,000-row import with 3 bad rows.
	code, _, loc := own.postFile("/lists/team/admin/members/import", "file", "roster.csv", importCSV(2000, 17, 1001, 1999))
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/lists/team/admin/members/import/") {
		t.Fatalf("import: %d %s", code, loc)
	}
	waitFor(t, "import finished", func() bool {
		_, body = own.get(loc)
		return strings.Contains(body, "finished")
	})
	for _, l := range []int{17, 1001, 1999} {
		if !strings.Contains(body, fmt.Sprintf("Line %d: &#34;not-an-address-%d&#34; is not an email address", l, l)) {
			t.Errorf("line %d not reported:\n%s", l, body)
		}
	}
	if !strings.Contains(body, "1997 added") {
		t.Errorf("import summary: %s", body)
	}
	code, body = own.get("/lists/team/admin/members?mode=digest&q=p0100")
	if code != 200 || !strings.Contains(body, "p01000@example.net") || !strings.Contains(body, "1–9 of 9 · 2,004 people on the list") {
		t.Fatalf("filtered roster: %d %s", code, body)
	}
	code, body = own.get("/lists/team/admin/members.csv")
	if code != 200 || !strings.HasPrefix(body, "email,name,role,mode,good_standing,status,joined\n") || strings.Count(body, "\n") != 2005 {
		t.Fatalf("export: %d %d lines", code, strings.Count(body, "\n"))
	}
	// Cross-site: refused, nothing changed.
	third := holdPost(t, e, "z@example.com", "Third question")
	code, _ = own.post(fmt.Sprintf("/lists/team/admin/held/%d", third), url.Values{"action": {"approve"}}, "Sec-Fetch-Site", "cross-site")
	if code != http.StatusForbidden {
		t.Fatalf("cross-site decision: %d", code)
	}
	code, _ = own.post("/lists/team/admin/members", url.Values{"email": {"evil@example.org"}}, "Sec-Fetch-Site", "", "Origin", "https://evil.example")
	if code != http.StatusForbidden {
		t.Fatalf("cross-origin add: %d", code)
	}
	held, _ := e.srv.App.Svc.HeldItems(context.Background(), listserv.Operator(listserv.DoorCLI), "team")
	if len(held) != 1 || held[0].ID != third {
		t.Fatalf("a cross-site POST decided something: %+v", held)
	}
	if e.srv.App.Store.View(func(tx *storeTx) error { _, err := tx.Membership("team", "evil@example.org"); return err }) == nil {
		t.Fatal("a cross-site POST added a member")
	}
}

// consoleAction is one console request; held items are made fresh for
// each decision.
type consoleAction struct {
	name string
	do   func(t *testing.T, e *testEnv, w *webClient, list string) (int, string)
}

var consoleActions = []consoleAction{
	{"GET held", func(t *testing.T, e *testEnv, w *webClient, list string) (int, string) {
		return w.get("/lists/" + list + "/admin/held")
	}},
	{"POST held/ID", func(t *testing.T, e *testEnv, w *webClient, list string) (int, string) {
		id := uint64(999999)
		if list == "team" {
			id = holdPost(t, e, "q@example.com", "Permission "+t.Name())
		}
		return w.post(fmt.Sprintf("/lists/%s/admin/held/%d", list, id), url.Values{"action": {"discard"}})
	}},
	{"POST held (bulk)", func(t *testing.T, e *testEnv, w *webClient, list string) (int, string) {
		return w.post("/lists/"+list+"/admin/held", url.Values{"action": {"discard"}, "id": {"999999"}})
	}},
	{"GET members", func(t *testing.T, e *testEnv, w *webClient, list string) (int, string) {
		return w.get("/lists/" + list + "/admin/members")
	}},
	{"POST members", func(t *testing.T, e *testEnv, w *webClient, list string) (int, string) {
		return w.post("/lists/"+list+"/admin/members", url.Values{"email": {"added" + fmt.Sprint(len(t.Name())) + strings.ToLower(regexp.MustCompile(`\W`).ReplaceAllString(t.Name(), "")) + "@example.org"}})
	}},
	{"POST member mode", func(t *testing.T, e *testEnv, w *webClient, list string) (int, string) {
		return w.post("/lists/"+list+"/admin/member", url.Values{"email": {"mem@example.org"}, "action": {"set"}, "mode": {"digest"}})
	}},
	{"POST members bulk", func(t *testing.T, e *testEnv, w *webClient, list string) (int, string) {
		return w.post("/lists/"+list+"/admin/members/bulk", url.Values{"email": {"mem@example.org"}, "action": {"mode-digest"}})
	}},
	{"GET members.csv", func(t *testing.T, e *testEnv, w *webClient, list string) (int, string) {
		return w.get("/lists/" + list + "/admin/members.csv")
	}},
	{"POST import", func(t *testing.T, e *testEnv, w *webClient, list string) (int, string) {
		code, body, _ := w.postFile("/lists/"+list+"/admin/members/import", "file", "r.csv", []byte("email\nimp@example.org\n"))
		return code, body
	}},
	{"GET bounces", func(t *testing.T, e *testEnv, w *webClient, list string) (int, string) {
		return w.get("/lists/" + list + "/admin/bounces")
	}},
	{"GET history", func(t *testing.T, e *testEnv, w *webClient, list string) (int, string) {
		return w.get("/lists/" + list + "/admin/history")
	}},
}

// TestConsoleModPermissions: every role against every action, over HTTP,
// on a discussion list (403 without the right) and on a caucus (404,
// word for word as a list that does not exist).
func TestConsoleModPermissions(t *testing.T) {
	t.Parallel()
	e := consoleEnv(t)
	// Least role for each action on team: "" = site admin only.
	need := map[string]string{"GET held": "facilitator", "POST held/ID": "facilitator", "POST held (bulk)": "facilitator",
		"GET members": "moderator", "POST members": "moderator", "POST member mode": "moderator", "POST members bulk": "moderator", "GET members.csv": "moderator",
		"POST import": "moderator", "GET bounces": "moderator", "GET history": "facilitator"}
	people := []struct{ who, addr, role string }{
		{"none", "none@example.org", ""}, {"member", "mem@example.org", "member"}, {"facilitator", "fac@example.org", "facilitator"},
		{"moderator", "mod@example.org", "moderator"}, {"owner", "own@example.org", "owner"},
		{"site admin", "admin@example.org", "admin"}, {"other list's owner", "other@example.org", ""},
	}
	skip := map[string]int{}
	for _, p := range people {
		w := newWebClient(t, e)
		signIn(t, e, w, p.addr, skip[p.addr])
		skip[p.addr]++
		for _, a := range consoleActions {
			t.Run(p.who+"/"+a.name, func(t *testing.T) {
				code, body := a.do(t, e, w, "team")
				allowed := p.role == "admin" || (p.role != "" && listserv.RoleRank(p.role) >= listserv.RoleRank(need[a.name]))
				okCodes := map[int]bool{200: true, 303: true, 409: true}
				if a.name == "POST held (bulk)" {
					okCodes[409] = true // the item does not exist: a conflict page, after the right was checked
				}
				switch {
				case allowed && !okCodes[code]:
					t.Errorf("team: %d, want success\n%s", code, body)
				case !allowed && code != http.StatusForbidden:
					t.Errorf("team: %d, want 403\n%s", code, body)
				}
				// The caucus: nobody here but the site admin holds a role.
				code, body = a.do(t, e, w, "circle")
				mcode, missing := a.do(t, e, w, "nosuch")
				if p.role == "admin" {
					if code == http.StatusNotFound {
						t.Errorf("circle for the site admin: 404")
					}
					return
				}
				if code != http.StatusNotFound || mcode != http.StatusNotFound || body != missing {
					t.Errorf("circle: %d vs missing list %d; same body %v", code, mcode, body == missing)
				}
			})
		}
	}
}

// TestConsoleModRaceWithMail: a moderator decides on the web while
// another replies by mail; exactly one decision counts and the other is
// told who decided.
func TestConsoleModRaceWithMail(t *testing.T) {
	t.Parallel()
	e := consoleEnv(t)
	id := holdPost(t, e, "r@example.com", "Race")
	note := e.mailTo("mod@example.org", "Held for approval: Race")
	addr := replyAddress(t, note)
	own := newWebClient(t, e)
	signIn(t, e, own, "own@example.org", 0)
	var (
		wg       sync.WaitGroup
		webCode  int
		webBody  string
		mailSent error
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		webCode, webBody = own.post(fmt.Sprintf("/lists/team/admin/held/%d", id), url.Values{"action": {"approve"}})
	}()
	go func() {
		defer wg.Done()
		mailSent = sendSMTP(e.srv.SMTPAddr, false, "mod@example.org", []string{addr}, "From: mod@example.org\nTo: "+addr+"\nSubject: Re: race\n\ndiscard\n")
	}()
	wg.Wait()
	if mailSent != nil {
		t.Fatal(mailSent)
	}
	var status string
	waitFor(t, "the mail reply handled", func() bool {
		h, _ := e.srv.App.Svc.HeldHistory(context.Background(), listserv.Operator(listserv.DoorCLI), "team")
		for _, x := range h {
			if x.ID == id {
				status = string(x.Status)
			}
		}
		return status == "discarded" || e.countTo("mod@example.org", "already handled") == 1
	})
	switch status {
	case "approved":
		if webCode != 200 {
			t.Fatalf("web won but answered %d", webCode)
		}
		e.mailTo("mod@example.org", "already handled: approved by own@example.org")
		e.mailTo("mem@example.org", "Subject: [team] Race")
	case "discarded":
		if webCode != http.StatusConflict || !strings.Contains(webBody, "already handled: discarded by mod@example.org") {
			t.Fatalf("mail won; the web answered %d %s", webCode, webBody)
		}
		if e.countTo("mem@example.org", "Subject: [team] Race") != 0 {
			t.Fatal("discarded but distributed")
		}
	default:
		t.Fatalf("status %q", status)
	}
}

package main

import (
	"bytes"
	"context"
	"minyan/listserv"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"minyan/store"
)

func header(t *testing.T, raw []byte) mail.Header {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("delivered message does not parse: %v\n%s", err, raw)
	}
	return r.Header
}

func TestFanoutPersonalized(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{
		"alice@example.net": "member", "bob@example.net": "member", "carol@example.net": "owner",
	}, "title=Team Space")
	msg := post("Alice <alice@example.net>", "team@lists.example.org", "Curriculum ideas", "Let us plan.")
	if err := e.send("alice@example.net", []string{"team@lists.example.org"}, msg); err != nil {
		t.Fatal(err)
	}
	if !e.sink.WaitDelivered(3, 20*time.Second) {
		t.Fatalf("delivered %d of 3", e.sink.Delivered())
	}
	got := map[string]bool{}
	for _, m := range e.sink.Messages() {
		if len(m.Rcpts) != 1 {
			t.Fatalf("personalized delivery must be one recipient per transaction, got %v", m.Rcpts)
		}
		rcpt := m.Rcpts[0]
		got[rcpt] = true
		if !regexp.MustCompile(`^team-bounces\+[a-z2-7]{32}@lists\.example\.org$`).MatchString(m.From) {
			t.Errorf("envelope sender %q is not a VERP bounce address", m.From)
		}
		h := header(t, m.Data)
		if s, _ := h.Subject(); s != "[team] Curriculum ideas" {
			t.Errorf("subject = %q", s)
		}
		checks := map[string]string{
			"List-Id":               `"Team Space" <team.lists.example.org>`,
			"List-Post":             "<mailto:team@lists.example.org>",
			"List-Help":             "<mailto:team-request@lists.example.org?subject=help>",
			"List-Subscribe":        "<mailto:team-join@lists.example.org>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			"Precedence":            "list",
			"Reply-To":              "<team@lists.example.org>",
		}
		for k, want := range checks {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", rcpt, k, got, want)
			}
		}
		unsub := h.Get("List-Unsubscribe")
		if !regexp.MustCompile(`^<http://127\.0\.0\.1:8080/u/[a-z2-7]{32}>, <mailto:team-leave@lists\.example\.org>$`).MatchString(unsub) {
			t.Errorf("List-Unsubscribe = %q", unsub)
		}
		if strings.Count(string(m.Data), "List-Unsubscribe:") != 1 {
			t.Errorf("List-Unsubscribe appears %d times", strings.Count(string(m.Data), "List-Unsubscribe:"))
		}
		// The web archive is on by default: the post's own page.
		if h.Get("Archived-At") != "<http://127.0.0.1:8080/lists/team/m/1>" {
			t.Errorf("Archived-At = %q", h.Get("Archived-At"))
		}
	}
	if len(got) != 3 {
		t.Fatalf("recipients = %v", got)
	}
	// Archived once, with sequence number 1.
	raw, err := archived(e, "team", 1)
	if err != nil || !bytes.Contains(raw, []byte("Subject: [team] Curriculum ideas")) {
		t.Fatalf("archive #1: %v\n%s", err, raw)
	}
}

func TestFanoutBatched(t *testing.T) {
	t.Parallel()
	e := startEnv(t, func(c *Config) { c.Relay.MaxRecipients = 2 })
	members := map[string]string{}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		members[n+"@example.net"] = "member"
	}
	e.setup("news", "discussion", members, "personalize=false")
	if err := e.send("a@example.net", []string{"news@lists.example.org"}, post("a@example.net", "news@lists.example.org", "Hello", "hi")); err != nil {
		t.Fatal(err)
	}
	if !e.sink.WaitDelivered(5, 20*time.Second) {
		t.Fatalf("delivered %d of 5", e.sink.Delivered())
	}
	msgs := e.sink.Messages()
	if len(msgs) != 3 {
		t.Fatalf("5 recipients at max_recipients=2 should take 3 transactions, took %d", len(msgs))
	}
	for _, m := range msgs {
		if m.From != "news-bounces@lists.example.org" {
			t.Errorf("batched envelope sender = %q", m.From)
		}
		h := header(t, m.Data)
		if h.Get("List-Unsubscribe") != "<mailto:news-leave@lists.example.org>" || h.Get("List-Unsubscribe-Post") != "" {
			t.Errorf("batched List-Unsubscribe = %q / %q", h.Get("List-Unsubscribe"), h.Get("List-Unsubscribe-Post"))
		}
	}
}

func TestNoOpenRelay(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{"alice@example.net": "member"})
	for _, rcpt := range []string{"someone@gmail.com", "nolist@lists.example.org", "team@lists.example.org.evil.com", "team-nope@lists.example.org", "team+x@lists.example.org"} {
		err := e.send("alice@example.net", []string{rcpt}, post("alice@example.net", rcpt, "x", "y"))
		if smtpCode(err) != 550 || enhanced(err) != [3]int{5, 1, 1} {
			t.Errorf("RCPT %s: got %v, want 550 5.1.1", rcpt, err)
		}
	}
	if n := e.srv.App.Store.QueueDepth(); n != 0 {
		t.Fatalf("queue has %d entries after refused mail", n)
	}
}

func TestPolicies(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	svc := e.srv.App.Svc
	members := map[string]string{"mem@example.net": "member", "mod@example.net": "moderator"}
	e.setup("disc", "discussion", members)
	e.setup("ann", "announce", members)
	e.setup("modr", "discussion", members, "posting=moderated")
	e.setup("rej", "discussion", members, "nonmember_action=reject")
	e.setup("drop", "discussion", members, "nonmember_action=discard")
	e.setup("newbies", "discussion", members, "moderate_new_members=1")
	e.setup("emerg", "discussion", members, "emergency=true")
	e.setup("open", "discussion", members, "posting=open")

	type tc struct {
		list, from string
		want       string // distributed | held | rejected | discarded
	}
	cases := []tc{
		{"disc", "mem@example.net", "distributed"},
		{"disc", "stranger@example.com", "held"},
		{"ann", "mod@example.net", "distributed"},
		{"ann", "mem@example.net", "held"},
		{"modr", "mem@example.net", "held"},
		{"modr", "mod@example.net", "distributed"},
		{"rej", "stranger@example.com", "rejected"},
		{"drop", "stranger@example.com", "discarded"},
		{"newbies", "mem@example.net", "held"},
		{"emerg", "mod@example.net", "held"},
		{"open", "stranger@example.com", "distributed"},
	}
	for i, c := range cases {
		subject := "case " + string(rune('a'+i))
		before := e.sink.Delivered()
		heldBefore, _ := svc.HeldItems(context.Background(), listserv.Operator(listserv.DoorCLI), c.list)
		if err := e.send(c.from, []string{c.list + "@lists.example.org"}, post(c.from, c.list+"@lists.example.org", subject, "body")); err != nil {
			t.Fatalf("%+v: send: %v", c, err)
		}
		held, _ := svc.HeldItems(context.Background(), listserv.Operator(listserv.DoorCLI), c.list)
		switch c.want {
		case "distributed":
			if !e.sink.WaitDelivered(before+2, 20*time.Second) {
				t.Errorf("%+v: not distributed", c)
			}
		case "held":
			if len(held) != len(heldBefore)+1 || held[len(held)-1].Subject != subject {
				t.Errorf("%+v: not held (held=%v)", c, held)
			}
		case "rejected":
			// The author gets a notice saying why; the list gets nothing.
			if !e.sink.WaitDelivered(before+1, 20*time.Second) {
				t.Fatalf("%+v: no rejection notice", c)
			}
			m := e.sink.Messages()[len(e.sink.Messages())-1]
			if m.Rcpts[0] != c.from || !strings.Contains(string(m.Data), "not a member") {
				t.Errorf("%+v: notice to %v:\n%s", c, m.Rcpts, m.Data)
			}
		case "discarded":
			if len(held) != len(heldBefore) {
				t.Errorf("%+v: held instead of discarded", c)
			}
		}
		if c.want != "distributed" {
			e.drained() // a wrong delivery would have reached the sink
			for _, m := range e.sink.Messages() {
				if strings.Contains(string(m.Data), "Subject: ["+c.list+"] "+subject+"\r\n") {
					t.Errorf("%+v: distributed to the list", c)
				}
			}
		}
	}
	// An approved held post goes out; approving twice is refused.
	held, _ := svc.HeldItems(context.Background(), listserv.Operator(listserv.DoorCLI), "disc")
	before := e.sink.Delivered()
	if _, err := svc.Decide(t.Context(), listserv.Operator(listserv.DoorCLI), "", held[0].ID, "approve", ""); err != nil {
		t.Fatal(err)
	}
	if !e.sink.WaitDelivered(before+2, 20*time.Second) {
		t.Fatal("approved post not distributed")
	}
	if _, err := svc.Decide(t.Context(), listserv.Operator(listserv.DoorCLI), "", held[0].ID, "discard", ""); err == nil {
		t.Fatal("second decision on the same item was accepted")
	}
}

func TestLoopsAndRobotsDropped(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{"alice@example.net": "member", "bob@example.net": "member"})
	for i, extra := range []string{
		"List-Id: Team <team.lists.example.org>",
		"Auto-Submitted: auto-replied",
		"Precedence: bulk",
		"Precedence: junk",
	} {
		if err := e.send("alice@example.net", []string{"team@lists.example.org"}, post("alice@example.net", "team@lists.example.org", "robot "+string(rune('a'+i)), "x", extra)); err != nil {
			t.Fatalf("%s: %v", extra, err)
		}
	}
	// A normal post after them is the only thing delivered.
	if err := e.send("alice@example.net", []string{"team@lists.example.org"}, post("alice@example.net", "team@lists.example.org", "human", "x", "Auto-Submitted: no")); err != nil {
		t.Fatal(err)
	}
	if !e.sink.WaitDelivered(2, 20*time.Second) {
		t.Fatal("human post not delivered")
	}
	e.drained()
	for _, m := range e.sink.Messages() {
		if !strings.Contains(string(m.Data), "[team] human") {
			t.Errorf("a loop or robot message was redistributed:\n%s", m.Data)
		}
	}
	if n, _, _ := archiveCount(e, "team"); n != 1 {
		t.Errorf("archive holds %d posts, want 1", n)
	}
}

func TestRetryThenDeliverAndPermanentFailure(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{"ok@example.net": "member", "slow@example.net": "member", "gone@example.net": "member"})
	var tries atomic.Int32
	e.sink.OnRcpt(func(rcpt string) *smtpError {
		switch rcpt {
		case "slow@example.net":
			if tries.Add(1) <= 2 {
				return &smtpError{Code: 451, EnhancedCode: [3]int{4, 2, 0}, Message: "try later"}
			}
		case "gone@example.net":
			return &smtpError{Code: 550, EnhancedCode: [3]int{5, 1, 1}, Message: "no such user"}
		}
		return nil
	})
	if err := e.send("ok@example.net", []string{"team@lists.example.org"}, post("ok@example.net", "team@lists.example.org", "hi", "x")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "first attempts", func() bool { return e.sink.Delivered() == 1 && tries.Load() == 1 })
	waitFor(t, "failure recorded", func() bool { return queueState(t, e, "gone@example.net") == "failed" })
	// The clock moves only once the queue holds the deferral: the sink
	// sees the RCPT before the outbox computes the next attempt from the
	// clock and records it, and a clock moved in between puts the retry
	// past the moment the test then moves to (it failed so under load).
	deferred := func(attempts int) func() bool {
		return func() bool {
			q, ok := queueEntry(t, e, "slow@example.net")
			return ok && q.State == "queued" && q.Attempts == attempts
		}
	}
	waitFor(t, "the first deferral recorded", deferred(1))
	e.advance(61 * time.Second) // first retry interval
	waitFor(t, "the second deferral recorded", deferred(2))
	if n := tries.Load(); n != 2 {
		t.Fatalf("%d attempts at the deferred recipient, want 2", n)
	}
	e.advance(5*time.Minute + time.Second)
	if !e.sink.WaitDelivered(2, 20*time.Second) {
		t.Fatal("deferred recipient never delivered")
	}
	waitFor(t, "queue drained", func() bool { return queueState(t, e, "slow@example.net") == "" })
	if queueState(t, e, "gone@example.net") != "failed" {
		t.Fatal("permanent failure not recorded")
	}
	if c := e.sink.RcptCounts(); c["gone@example.net"] != 0 || c["slow@example.net"] != 1 || c["ok@example.net"] != 1 {
		t.Fatalf("deliveries = %v", c)
	}
}

// queueState is the state of addr's delivery in the queue ("" when it
// left the queue).
func queueState(t *testing.T, e *testEnv, addr string) string {
	q, _ := queueEntry(t, e, addr)
	return q.State
}

// queueEntry is addr's delivery in the queue, if it is there.
func queueEntry(t *testing.T, e *testEnv, addr string) (listserv.QueueEntry, bool) {
	t.Helper()
	entries, err := e.srv.App.Svc.QueueEntries(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range entries {
		if q.Address == addr {
			return q, true
		}
	}
	return listserv.QueueEntry{}, false
}

func TestOneClickUnsubscribe(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{"alice@example.net": "member", "bob@example.net": "member"})
	if err := e.send("alice@example.net", []string{"team@lists.example.org"}, post("alice@example.net", "team@lists.example.org", "hi", "x")); err != nil {
		t.Fatal(err)
	}
	if !e.sink.WaitDelivered(2, 20*time.Second) {
		t.Fatal("not delivered")
	}
	var link string
	for _, m := range e.sink.Messages() {
		if m.Rcpts[0] == "bob@example.net" {
			h := header(t, m.Data)
			link = regexp.MustCompile(`<(http://[^>]+/u/[a-z2-7]+)>`).FindStringSubmatch(h.Get("List-Unsubscribe"))[1]
		}
	}
	link = strings.Replace(link, "127.0.0.1:8080", e.srv.HTTPAddr, 1)
	// GET shows a page and changes nothing.
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(mustMembers(t, e, "team")) != 2 {
		t.Fatalf("GET: status %d, members %v", resp.StatusCode, mustMembers(t, e, "team"))
	}
	// A POST without the RFC 8058 body is refused.
	resp, _ = http.Post(link, "application/x-www-form-urlencoded", strings.NewReader("x=y"))
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("POST without List-Unsubscribe=One-Click: %d", resp.StatusCode)
	}
	resp, err = http.PostForm(link, url.Values{"List-Unsubscribe": {"One-Click"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("one-click POST: %d", resp.StatusCode)
	}
	if m := mustMembers(t, e, "team"); len(m) != 1 || m[0] != "alice@example.net" {
		t.Fatalf("members after unsubscribe: %v", m)
	}
	resp, _ = http.PostForm(link, url.Values{"List-Unsubscribe": {"One-Click"}})
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("reused token: %d, want 404", resp.StatusCode)
	}
}

func mustMembers(t *testing.T, e *testEnv, list string) []string {
	ms, err := e.srv.App.Svc.Members(list)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.Address)
	}
	return out
}

func TestLMTPPerRecipient(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{"alice@example.net": "member"}, "max_message_bytes=2000")
	e.setup("big", "discussion", map[string]string{"alice@example.net": "member"})
	// One LMTP transaction to two lists: one too small for the message.
	resps, err := deliverLMTP(e.srv.LMTPAddr, "alice@example.net", []string{"team@lists.example.org", "big@lists.example.org"},
		post("alice@example.net", "team@lists.example.org", "big one", strings.Repeat("word word word word\n", 150)))
	if err != nil {
		t.Fatal(err)
	}
	if resps["team@lists.example.org"] != 552 || resps["big@lists.example.org"] != 250 {
		t.Fatalf("LMTP per-recipient codes = %v", resps)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	e := startEnv(t, func(c *Config) { c.Server.MaxMessageBytes = 200000 })
	e.setup("team", "discussion", map[string]string{"alice@example.net": "member", "bob@example.net": "member"})
	to := []string{"team@lists.example.org"}
	nested := "From: alice@example.net\nSubject: nest\nMIME-Version: 1.0\n"
	for i := 0; i < 200; i++ {
		nested += "Content-Type: multipart/mixed; boundary=b" + strconv.Itoa(i) + "\n\n--b" + strconv.Itoa(i) + "\n"
	}
	nested += "Content-Type: text/plain\n\nhi\n"
	cases := map[string]struct {
		msg  string
		code int
	}{
		"oversized":     {post("alice@example.net", to[0], "big", strings.Repeat("0123456789\n", 30000)), 552},
		"no From":       {"To: team@lists.example.org\nSubject: who\n\nbody\n", 554},
		"NUL bytes":     {post("alice@example.net", to[0], "nul", "a\x00b"), 554},
		"binary":        {"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\xfd", 554},
		"long header":   {"From: alice@example.net\nSubject: " + strings.Repeat("x", 100*1024) + "\n\nbody\n", 554},
		"nested MIME":   {nested, 554},
		"8-bit header":  {"From: alice@example.net\nSubject: caf\xe9 cr\xe8me\n\nbody\n", 554},
		"empty message": {"\n", 554},
	}
	for name, c := range cases {
		err := e.send("alice@example.net", to, c.msg)
		if got := smtpCode(err); got != c.code && !(c.code == 554 && got == 500) {
			t.Errorf("%s: got %v, want %d", name, err, c.code)
		} else if err != nil && len(strings.TrimSpace(err.Error())) < 10 {
			t.Errorf("%s: answer %q says too little", name, err)
		}
	}
	// The server is still up and nothing was distributed or archived.
	if err := e.send("alice@example.net", to, post("alice@example.net", to[0], "fine", "ok")); err != nil {
		t.Fatalf("server unhealthy after bad input: %v", err)
	}
	if !e.sink.WaitDelivered(2, 20*time.Second) {
		t.Fatal("good post not delivered")
	}
	e.drained()
	if e.sink.Delivered() != 2 {
		t.Fatalf("delivered %d, want only the good post's 2", e.sink.Delivered())
	}
	if n, _, _ := archiveCount(e, "team"); n != 1 {
		t.Fatalf("archive holds %d, want 1", n)
	}
}

// TestCrossPostOneSMTPTransaction: To: a, Cc: b (and c, which refuses
// non-members) in one SMTP transaction, as an MX sends a cross-post. One
// 250; a and b each archive the post once and deliver it once to each
// member; c's refusal reaches the author as a notice.
func TestCrossPostOneSMTPTransaction(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("a", "discussion", map[string]string{"m@example.net": "member", "x@example.net": "member"})
	e.setup("b", "discussion", map[string]string{"m@example.net": "member", "y@example.net": "member"})
	e.setup("c", "discussion", map[string]string{"z@example.net": "member"}, "nonmember_action=reject")
	to := []string{"a@lists.example.org", "b@lists.example.org", "c@lists.example.org"}
	msg := post("m@example.net", "a@lists.example.org", "both", "x", "Cc: b@lists.example.org, c@lists.example.org")
	if err := e.send("m@example.net", to, msg); err != nil {
		t.Fatalf("cross-post: %v, want 250", err)
	}
	// 250 came after the commit: both archives hold it already.
	for _, l := range []string{"a", "b"} {
		if n, _, _ := archiveCount(e, l); n != 1 {
			t.Fatalf("list %s archived %d, want 1", l, n)
		}
	}
	if n, _, _ := archiveCount(e, "c"); n != 0 {
		t.Fatalf("list c archived %d, want 0", n)
	}
	e.mailTo("m@example.net", "was not sent to the list")
	if !e.sink.WaitDelivered(5, 20*time.Second) {
		t.Fatalf("delivered %d, want 5 (a: m, x; b: m, y; notice to m)", e.sink.Delivered())
	}
	waitFor(t, "queue drained", func() bool {
		n := 0
		e.srv.App.Store.View(func(tx *storeTx) error {
			return tx.EachQueued(func(store.QueuedMessage, store.QueuedRcpt) error { n++; return nil })
		})
		return n == 0
	})
	for _, c := range []struct{ rcpt, subj string }{
		{"m@example.net", "Subject: [a] both"}, {"x@example.net", "Subject: [a] both"},
		{"m@example.net", "Subject: [b] both"}, {"y@example.net", "Subject: [b] both"},
	} {
		if n := e.countTo(c.rcpt, c.subj); n != 1 {
			t.Errorf("%s got %q %d times, want once", c.rcpt, c.subj, n)
		}
	}
	if n := e.countTo("z@example.net", "both"); n != 0 {
		t.Errorf("list c distributed the refused post")
	}
}

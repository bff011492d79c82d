package digest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/store"
)

func (e *env) membership(list, addr string) store.Membership {
	e.t.Helper()
	var mb store.Membership
	if err := e.st.View(func(tx *store.Tx) error {
		var err error
		mb, err = tx.Membership(list, addr)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return mb
}

func (e *env) auditCount(list, contains string) int {
	e.t.Helper()
	n := 0
	if err := e.st.View(func(tx *store.Tx) error {
		log, err := tx.AuditLog(list, 0)
		for _, a := range log {
			if strings.Contains(a.What, contains) {
				n++
			}
		}
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// A community with three monthly sessions ends at the end of the last
// session's day, once across a restart: members become alumni who keep
// the archive, and a later post gets the kind note and goes nowhere.
func TestCohortEndsOnceAndCloses(t *testing.T) {
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"session_digest_before=0", "reminder_offsets="},
		"fay@example.net:owner::Fay", "alice@example.net::each:Alice", "bob@example.net")
	e.addSession(AddRequest{List: "circle", Zone: "America/New_York", Start: "2026-11-05 19:00", Every: EveryMonthly, Count: 3, Duration: 90 * time.Minute})
	// The last session is 2027-01-07 19:00 New York; the cohort ends at
	// the start of the next day in the list's zone (America/New_York).
	end := time.Date(2027, 1, 8, 5, 0, 0, 0, time.UTC)
	if next := e.run(end.Add(-time.Minute)); !next.Equal(end) {
		t.Fatalf("next = %v, want the cohort's end %v", next, end)
	}
	if mb := e.membership("circle", "alice@example.net"); mb.Status != listserv.StatusOK {
		t.Fatalf("before the end alice is %s", mb.Status)
	}
	e.run(end)
	for _, a := range []string{"alice@example.net", "bob@example.net"} {
		if mb := e.membership("circle", a); mb.Status != listserv.StatusAlumni {
			t.Errorf("%s is %s after the end, want alumni", a, mb.Status)
		}
	}
	if mb := e.membership("circle", "fay@example.net"); mb.Status != listserv.StatusOK {
		t.Errorf("the owner is %s after the end, want ok", mb.Status)
	}
	if !e.jobDone(fmt.Sprintf("cohort-end/circle/%d/2027-01-07", e.mustList("circle").UIDValidity)) {
		t.Error("the cohort's end is not marked")
	}
	// A restarted scheduler does not end it again.
	s2 := New(e.svc, e.st, Options{Rand: rand.New(rand.NewPCG(3, 4))})
	if _, err := s2.RunDue(context.Background(), end.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := e.auditCount("circle", "the cohort ended"); n != 1 {
		t.Errorf("cohort end audited %d times, want 1", n)
	}
	l := e.mustList("circle")
	if l.Cohort == nil || !l.Cohort.Closed || l.Cohort.Finished != "2027-01-07" {
		t.Fatalf("cohort state = %+v", l.Cohort)
	}
	// Alumni read the archive.
	mb := e.membership("circle", "alice@example.net")
	if !listserv.CanReadArchive(l, &mb) {
		t.Error("an alumna cannot read the archive")
	}
	if v, err := e.svc.ListPage(context.Background(), listserv.Person("alice@example.net", listserv.DoorWeb), "circle"); err != nil || v.CohortFinished != "2027-01-07" || v.Status != listserv.StatusAlumni {
		t.Errorf("list page: finished %q, status %s, err %v", v.CohortFinished, v.Status, err)
	}
	// A later post: the kind note, no distribution.
	before := len(e.ofKind("post"))
	e.mailReply("alice@example.net", "circle@"+domain, "One more thought after the end.")
	if n := len(e.ofKind("post")); n != before {
		t.Errorf("a post after the end was distributed (%d posts queued, %d before)", n, before)
	}
	notes := e.noticesTo("alice@example.net")
	if len(notes) != 1 || !strings.Contains(notes[0], "finished on 2027-01-07") || !strings.Contains(notes[0], "/lists/circle/archive") {
		t.Fatalf("notes to alice = %q", notes)
	}
}

// With after_end=continue the end is recorded and the list goes on.
func TestCohortContinues(t *testing.T) {
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"cohort_end=2026-12-01", "after_end=continue"}, "alice@example.net")
	e.run(time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC))
	l := e.mustList("circle")
	if l.Cohort == nil || l.Cohort.Closed {
		t.Fatalf("cohort state = %+v", l.Cohort)
	}
	if mb := e.membership("circle", "alice@example.net"); mb.Status != listserv.StatusOK {
		t.Errorf("alice is %s, want ok", mb.Status)
	}
	if _, err := e.svc.SetList(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", []string{"after_end=later"}); err == nil {
		t.Error("after_end=later accepted")
	}
	if _, err := e.svc.SetList(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", []string{"cohort_end=12/01/2026"}); err == nil {
		t.Error("cohort_end=12/01/2026 accepted")
	}
}

func (e *env) mustList(name string) store.List {
	e.t.Helper()
	l, err := e.svc.GetList(name)
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

var reHarvestReplyTo = regexp.MustCompile(`Reply-To: <?(circle-harvest\+[a-z2-7]{32}@lists\.example\.org)>?`)

// At the end each pair gets the harvest mail; a reply with a link from
// one of the pair is archived with #harvest and both names, the token
// is spent, replies without a link or from someone else are answered
// and kept nowhere; harvest_after later one "What we made" lists it.
func TestCohortHarvest(t *testing.T) {
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"cohort_end=2026-12-01", "timezone=UTC", "harvest_after=48h"},
		"fay@example.net:owner::Fay", "alice@example.net::each:Alice Levi", "bob@example.net::each:Bob Katz", "cy@example.net", "dee@example.net")
	if _, err := e.s.SetPairs(context.Background(), listserv.Operator(listserv.DoorCLI), "circle",
		[][]string{{"alice@example.net", "bob@example.net"}, {"cy@example.net", "dee@example.net"}}); err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	e.run(end)
	hv := e.ofKind(kindHarvest)
	if len(hv) != 2 {
		t.Fatalf("harvest mails: %d", len(hv))
	}
	var to string
	for _, q := range hv {
		if strings.Join(q.addrs(), ",") == "alice@example.net,bob@example.net" {
			m := reHarvestReplyTo.FindSubmatch(q.Raw)
			if m == nil {
				t.Fatalf("no harvest Reply-To:\n%s", q.Raw)
			}
			to = string(m[1])
		}
	}
	if to == "" {
		t.Fatal("no harvest mail to alice and bob")
	}
	// The store keeps the token's hash only.
	tok := strings.TrimSuffix(strings.TrimPrefix(to, "circle-harvest+"), "@lists.example.org")
	e.st.View(func(tx *store.Tx) error {
		if _, err := tx.Token(tok); err == nil {
			t.Error("the harvest token is stored as it is")
		}
		if tk, err := tx.Token(listserv.TokenHash(tok)); err != nil || tk.Kind != listserv.TokenHarvest {
			t.Errorf("the harvest token's hash: %+v %v", tk, err)
		}
		return nil
	})
	archived := func() []store.ArchiveMeta {
		var out []store.ArchiveMeta
		e.st.View(func(tx *store.Tx) error {
			return tx.EachArchived("circle", 1, 0, func(m store.ArchiveMeta, _ []byte) error { out = append(out, m); return nil })
		})
		return out
	}
	e.mailReply("cy@example.net", to, "https://example.org/not-ours")
	e.mailReply("alice@example.net", to, "We wrote a lot but forgot the link.")
	if n := len(archived()); n != 0 {
		t.Fatalf("%d posts archived from replies without a link or from outside the pair", n)
	}
	if notes := e.noticesTo("cy@example.net"); len(notes) != 1 || !strings.Contains(notes[0], "Only alice@example.net and bob@example.net") {
		t.Errorf("cy's answer: %q", notes)
	}
	e.mailReply("alice@example.net", to, "Our mini-curriculum: https://example.org/curriculum on Pirkei Avot.")
	got := archived()
	if len(got) != 1 || !strings.Contains(got[0].Subject, "#harvest") || !strings.Contains(got[0].Subject, "(Alice Levi and Bob Katz)") {
		t.Fatalf("archived: %+v", got)
	}
	// The token is spent.
	raw := "From: <bob@example.net>\r\nTo: <" + to + ">\r\nSubject: again\r\nMessage-ID: <x1@example.net>\r\n\r\nhttps://example.org/again\r\n"
	if errs := e.svc.Receive(context.Background(), listserv.Envelope{From: "bob@example.net", Rcpts: []string{to}, RemoteAddr: "127.0.0.1:1"}, []byte(raw)); errs[0] == nil {
		t.Error("a spent harvest address took a second reply")
	}
	if !strings.HasSuffix(strings.ToLower(to), "@lists.example.org") || listserv.ValidListName("x-harvest") == nil {
		t.Error("-harvest is not reserved")
	}
	// What we made, once, to the whole cohort (alumni too).
	e.run(end.Add(47 * time.Hour))
	if n := len(e.ofKind(kindHarvest)); n != 2 {
		t.Fatalf("what we made went early (%d harvest mails)", n)
	}
	e.run(end.Add(48 * time.Hour))
	e.run(end.Add(49 * time.Hour))
	hv = e.ofKind(kindHarvest)
	if len(hv) != 3 {
		t.Fatalf("harvest mails after harvest_after: %d", len(hv))
	}
	sum := textOf(t, hv[2].Raw)
	if len(hv[2].Rcpts) != 5 || !strings.Contains(sum, "- Registration open (Alice Levi and Bob Katz)") || !strings.Contains(sum, "Alice Levi and Bob Katz") || !strings.Contains(sum, "/resources?list=circle&tag=harvest") {
		t.Errorf("what we made to %d:\n%s", len(hv[2].Rcpts), sum)
	}
}

// A cohort whose end is long past when the scheduler first sees it (an
// upgrade) is not closed; a new cohort_end re-arms the end.
func TestCohortEndLongPastIsSkipped(t *testing.T) {
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"cohort_end=2026-09-01", "timezone=UTC"}, "alice@example.net")
	e.run(t0)
	if l := e.mustList("circle"); l.Cohort != nil {
		t.Fatalf("a cohort that ended two months ago was closed: %+v", l.Cohort)
	}
	if !strings.Contains(e.logs.String(), "cohort end long past") {
		t.Error("the skip was not logged")
	}
	if _, err := e.svc.SetList(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", []string{"cohort_end=2026-11-01"}); err != nil {
		t.Fatal(err)
	}
	e.run(t0.Add(time.Hour))
	if l := e.mustList("circle"); l.Cohort == nil || l.Cohort.Finished != "2026-11-01" {
		t.Fatalf("after a new cohort_end: %+v", l.Cohort)
	}
}

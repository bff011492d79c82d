package listserv

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"minyan/listserv/outbox"
	"minyan/listserv/testkit"
	"minyan/store"
)

// bounceClock is a clock the bounce tests move by hand.
type bounceClock = testkit.Clock

type bounceEnv struct {
	t     *testing.T
	svc   *Service
	st    *store.Store
	clock *bounceClock
}

// newBounceEnv is a Service over a real store whose fake DNS answers
// from txt (nil: no records).
func newBounceEnv(t *testing.T, txt map[string][]string) *bounceEnv {
	t.Helper()
	st, err := store.Open(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := testkit.NewClock(time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("MINYAN_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	svc := New(st, Options{
		Domain: "lists.example.org", PublicURL: "https://lists.example.org",
		Defaults: ServerDefaults{MaxMessageBytes: 1 << 20, Timezone: "UTC"},
		Clock:    clock, Resolver: testkit.NewDNS(txt), Logger: log,
		AppPasswordCost: bcrypt.MinCost,
	})
	return &bounceEnv{t: t, svc: svc, st: st, clock: clock}
}

func (e *bounceEnv) list(name, kind string, members map[string]string, settings ...string) {
	e.t.Helper()
	if _, err := e.svc.CreateList(context.Background(), Operator(DoorCLI), name, kind, "", ""); err != nil {
		e.t.Fatal(err)
	}
	if len(settings) > 0 {
		if _, err := e.svc.SetList(context.Background(), Operator(DoorCLI), name, settings); err != nil {
			e.t.Fatal(err)
		}
	}
	var specs []MemberSpec
	for a, r := range members {
		specs = append(specs, MemberSpec{Address: a, Role: ListRole(r)})
	}
	if _, err := e.svc.AddMembers(context.Background(), Operator(DoorCLI), name, specs, false); err != nil {
		e.t.Fatal(err)
	}
}

func (e *bounceEnv) member(list, addr string) store.Membership {
	e.t.Helper()
	var mb store.Membership
	err := e.st.View(func(tx *store.Tx) error {
		var err error
		mb, err = tx.Membership(list, addr)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return mb
}

// queued lists the queued messages' kinds and recipients ("kind rcpt").
func (e *bounceEnv) queued() []string {
	var out []string
	e.st.View(func(tx *store.Tx) error {
		return tx.EachQueued(func(m store.QueuedMessage, r store.QueuedRcpt) error {
			out = append(out, m.Kind+" "+r.Address+" "+r.EnvelopeFrom)
			return nil
		})
	})
	return out
}

// hook reports an outcome to DeliveryOutcome as the outbox would, for a
// message of list and kind.
func (e *bounceEnv) hook(list string, kind outbox.Kind, r store.QueuedRcpt, o store.Outcome) {
	e.t.Helper()
	if o.At.IsZero() {
		o.At = e.clock.Now()
	}
	d := outbox.Delivery{List: list, Kind: kind, Rcpt: r, Outcome: o}
	if err := e.st.Update(func(tx *store.Tx) error { return e.svc.DeliveryOutcome(tx, d) }); err != nil {
		e.t.Fatal(err)
	}
}

func dsnFor(addr, status, diag string) []byte {
	return []byte("From: MAILER-DAEMON@mx.example.net\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n" +
		"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n" +
		"Final-Recipient: rfc822; " + addr + "\r\nAction: failed\r\nStatus: " + status + "\r\nDiagnostic-Code: smtp; " + diag + "\r\n" +
		"--B--\r\n")
}

func (e *bounceEnv) bounce(rcpt string, raw []byte) {
	e.t.Helper()
	errs := e.svc.Receive(context.Background(), Envelope{From: "", Rcpts: []string{rcpt}, RemoteAddr: "127.0.0.1:1", Helo: "mx.example.net"}, raw)
	if errs[0] != nil {
		e.t.Fatalf("bounce to %s refused: %v", rcpt, errs[0])
	}
}

func TestBounceScoreDisableProbeReenable(t *testing.T) {
	e := newBounceEnv(t, nil)
	e.list("team", "discussion", map[string]string{"dana@example.net": "member", "olive@example.net": "owner"})
	dana := e.member("team", "dana@example.net")
	verp := "team-bounces+" + dana.BounceToken + "@lists.example.org"
	dsn := dsnFor("dana@example.net", "5.1.1", "550 5.1.1 user unknown")

	// Two bounces on the same day count once.
	e.bounce(verp, dsn)
	e.clock.Advance(time.Hour)
	e.bounce(verp, dsn)
	if mb := e.member("team", dana.Address); Status(mb.Status) != StatusBouncing || len(mb.Bounces) != 1 {
		t.Fatalf("after two bounces in an hour: %s with %d bounces", mb.Status, len(mb.Bounces))
	}
	// Not counted: a delay, an auto-reply, a DMARC rejection.
	e.clock.Advance(25 * time.Hour)
	e.bounce(verp, []byte(strings.Replace(strings.Replace(string(dsn), "Action: failed", "Action: delayed", 1), "5.1.1", "4.4.1", 2)))
	e.bounce(verp, []byte("From: dana@example.net\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\n\r\nAway.\r\n"))
	e.bounce(verp, dsnFor("dana@example.net", "5.7.26", "550 5.7.26 Unauthenticated email is not accepted due to domain's DMARC policy"))
	if mb := e.member("team", dana.Address); len(mb.Bounces) != 1 {
		t.Fatalf("uncounted kinds raised the score to %d", len(mb.Bounces))
	}
	// The DMARC rejection told the owner, once a day.
	if q := strings.Join(e.queued(), "\n"); strings.Count(q, "notice olive@example.net") != 1 {
		t.Fatalf("owner deliverability notice: queue\n%s", q)
	}
	e.bounce(verp, dsnFor("dana@example.net", "5.7.26", "550 5.7.26 DMARC policy"))
	if q := strings.Join(e.queued(), "\n"); strings.Count(q, "notice olive@example.net") != 1 {
		t.Fatalf("second deliverability notice on the same day:\n%s", q)
	}

	// Four more days of bounces reach the threshold (5).
	for i := 0; i < 4; i++ {
		e.bounce(verp, dsn)
		e.clock.Advance(25 * time.Hour)
	}
	mb := e.member("team", dana.Address)
	if Status(mb.Status) != StatusDisabled || len(mb.Bounces) != 5 {
		t.Fatalf("after 5 counted bounces: %s with %d", mb.Status, len(mb.Bounces))
	}
	if Deliverable(mb) {
		t.Fatal("a disabled member is deliverable")
	}
	q := strings.Join(e.queued(), "\n")
	if !strings.Contains(q, "notice dana@example.net") || strings.Count(q, "notice olive@example.net") != 2 {
		t.Fatalf("disable notices to member and owner missing:\n%s", q)
	}
	// Disabled: more bounces change nothing.
	e.bounce(verp, dsn)
	if got := e.member("team", dana.Address); len(got.Bounces) != 5 {
		t.Fatalf("disabled member's score moved to %d", len(got.Bounces))
	}

	// Probes: none before 3 days, then one (and only one) per schedule.
	disabledAt := mb.Bounces[4]
	e.clock.Set(disabledAt.Add(71 * time.Hour))
	if err := e.svc.Maintain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(e.queued(), "\n"), "probe ") {
		t.Fatal("probe before 3 days")
	}
	e.clock.Set(disabledAt.Add(73 * time.Hour))
	for i := 0; i < 2; i++ {
		if err := e.svc.Maintain(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	var probe string
	for _, l := range e.queued() {
		if strings.HasPrefix(l, "probe ") {
			if probe != "" {
				t.Fatal("two probes")
			}
			probe = l
		}
	}
	if probe == "" || !strings.Contains(probe, "dana@example.net team-bounces+") {
		t.Fatalf("probe: %q", probe)
	}
	probeEnv := strings.Fields(probe)[2]
	if strings.Contains(probeEnv, dana.BounceToken) {
		t.Error("the probe must have a VERP token of its own")
	}

	// The relay refuses the probe: still disabled. Accepts it: enabled.
	e.hook("team", outbox.KindProbe, store.QueuedRcpt{Address: dana.Address, EnvelopeFrom: probeEnv}, store.Outcome{Permanent: true, Stage: store.StageRcpt, Error: "550 5.1.1 no"})
	if got := e.member("team", dana.Address); Status(got.Status) != StatusDisabled {
		t.Fatalf("refused probe changed status to %s", got.Status)
	}
	e.hook("team", outbox.KindProbe, store.QueuedRcpt{Address: dana.Address, EnvelopeFrom: probeEnv}, store.Outcome{Delivered: true, Stage: store.StageData})
	if got := e.member("team", dana.Address); Status(got.Status) != StatusOK || len(got.Bounces) != 0 {
		t.Fatalf("accepted probe: %s with %d bounces", got.Status, len(got.Bounces))
	}
	// The probe then bounces from the mailbox: disabled again, keeping
	// the probe schedule (the next probe is a week after the first).
	e.bounce(probeEnv, dsn)
	got := e.member("team", dana.Address)
	if Status(got.Status) != StatusDisabled || len(got.Bounces) != 1 || !got.Bounces[0].Equal(disabledAt) {
		t.Fatalf("bounced probe: %s %v (disabled at %v)", got.Status, got.Bounces, disabledAt)
	}
	e.clock.Set(disabledAt.Add(probeFirstAfter + probeEvery + time.Minute))
	if err := e.svc.Maintain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(e.queued(), "\n"), "probe "); n != 2 {
		t.Fatalf("%d probes queued after the second is due, want 2", n)
	}
}

func TestBounceWindowExpires(t *testing.T) {
	e := newBounceEnv(t, nil)
	e.list("team", "discussion", map[string]string{"dana@example.net": "member"}, "bounce_window=48h", "bounce_score_threshold=3")
	dana := e.member("team", "dana@example.net")
	verp := "team-bounces+" + dana.BounceToken + "@lists.example.org"
	dsn := dsnFor("dana@example.net", "5.1.1", "550 5.1.1 user unknown")
	e.bounce(verp, dsn)
	e.clock.Advance(17 * time.Hour) // gap = 48h/3 = 16h
	e.bounce(verp, dsn)
	if got := e.member("team", dana.Address); len(got.Bounces) != 2 {
		t.Fatalf("score %d, want 2", len(got.Bounces))
	}
	e.clock.Advance(40 * time.Hour)
	if err := e.svc.Maintain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.member("team", dana.Address); Status(got.Status) != StatusBouncing || len(got.Bounces) != 1 {
		t.Fatalf("one bounce left the window: %s %d", got.Status, len(got.Bounces))
	}
	e.clock.Advance(20 * time.Hour)
	if err := e.svc.Maintain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.member("team", dana.Address); Status(got.Status) != StatusOK || len(got.Bounces) != 0 {
		t.Fatalf("all bounces old: %s %d", got.Status, len(got.Bounces))
	}
}

func TestBounceWithoutVERP(t *testing.T) {
	e := newBounceEnv(t, nil)
	e.list("news", "discussion", map[string]string{"dana@example.net": "member", "erin@example.net": "member"}, "personalize=false")
	// The plain bounce address: anyone can send a report naming any
	// member there, so it is logged but never counted (otherwise five
	// forged reports would disable a whole roster). Same for a token
	// that is not a member's.
	for i := 0; i < 6; i++ {
		e.bounce("news-bounces@lists.example.org", dsnFor("Dana@Example.net", "5.1.1", "550 5.1.1 user unknown"))
		e.bounce("news-bounces+nosuchtoken@lists.example.org", dsnFor("erin@example.net", "5.1.1", "550 5.1.1 user unknown"))
		e.clock.Advance(25 * time.Hour)
	}
	if d, er := e.member("news", "dana@example.net"), e.member("news", "erin@example.net"); len(d.Bounces) != 0 || len(er.Bounces) != 0 || Status(d.Status) != StatusOK {
		t.Fatalf("forgeable reports counted: dana %d (%s), erin %d", len(d.Bounces), d.Status, len(er.Bounces))
	}
	// Garbage and a person's reply are accepted (never bounced back)
	// and change nothing.
	e.bounce("news-bounces@lists.example.org", []byte("\x00\x01garbage"))
	e.bounce("news-bounces@lists.example.org", []byte("From: a@example.net\r\nSubject: hi\r\n\r\nthanks!\r\n"))
	// Bounces never reach the archive.
	e.st.View(func(tx *store.Tx) error {
		if n, _, _ := tx.ArchiveStats("news"); n != 0 {
			t.Errorf("archive holds %d", n)
		}
		return nil
	})
}

func TestDeliveryHookStages(t *testing.T) {
	e := newBounceEnv(t, nil)
	e.list("team", "discussion", map[string]string{"dana@example.net": "member", "olive@example.net": "owner"}, "bounce_score_threshold=2")
	dana := e.member("team", "dana@example.net")
	r := store.QueuedRcpt{Address: dana.Address, EnvelopeFrom: "team-bounces+" + dana.BounceToken + "@lists.example.org"}
	score := func() int { return len(e.member("team", dana.Address).Bounces) }

	for _, o := range []store.Outcome{
		{Permanent: true, Stage: store.StageMail, Error: "553 5.7.1 sender not allowed"},
		{Permanent: true, Stage: store.StageMail, Error: "552 5.3.4 message of 99999 bytes exceeds the relay's limit"},
		{Permanent: true, Stage: store.StageRcpt, Error: "550 5.7.1 relay access denied"},
		{Permanent: true, Stage: store.StageData, Error: "554 5.7.1 message rejected as spam"},
		// A relay refusing every message for its own reasons must not
		// disable the roster.
		{Permanent: true, Stage: store.StageData, Error: "554 Message rejected: Email address is not verified."},
		{Permanent: true, Stage: store.StageData, Error: "550 5.1.1 no such user"},
		{Permanent: true, Stage: store.StageRcpt, Error: "550 Message rejected"},
		{Stage: store.StageRcpt, Error: "given up after 120h0m0s: 451 4.3.0 try later"},
		{Stage: store.StageConnect, Error: "given up after 120h: dial tcp: connection refused"},
		{Stage: "", Error: "queued message unreadable"},
		{RetryAt: e.clock.Now().Add(time.Minute), Stage: store.StageRcpt, Error: "451 4.2.0 busy"},
		{Delivered: true, Stage: store.StageData},
	} {
		e.hook("team", outbox.KindPost, r, o)
		if score() != 0 {
			t.Fatalf("%+v counted as a bounce", o)
		}
	}
	e.hook("team", outbox.KindPost, r, store.Outcome{Permanent: true, Stage: store.StageRcpt, Error: "550 5.1.1 no such user"})
	if score() != 1 {
		t.Fatalf("RCPT 5.1.1: score %d", score())
	}
	e.clock.Advance(25 * time.Hour)
	// Given up after days of 4xx at RCPT: counted.
	e.hook("team", outbox.KindWeeklyDigest, r, store.Outcome{Stage: store.StageRcpt, Error: "given up after 120h0m0s: 452 4.2.2 mailbox full"})
	if got := e.member("team", dana.Address); Status(got.Status) != StatusDisabled {
		t.Fatalf("after 2 bounces at threshold 2: %s", got.Status)
	}
	// A non-member (a rejected poster's notice) is nobody's bounce.
	e.hook("team", outbox.KindNotice, store.QueuedRcpt{Address: "x@example.net", EnvelopeFrom: "team-bounces@lists.example.org"}, store.Outcome{Permanent: true, Stage: store.StageRcpt, Error: "550 5.1.1 no"})
}

func TestBounceGap(t *testing.T) {
	for _, c := range []struct {
		window    time.Duration
		threshold int
		want      time.Duration
	}{
		{168 * time.Hour, 5, 24 * time.Hour},
		{48 * time.Hour, 3, 16 * time.Hour},
		{time.Hour, 3, 20 * time.Minute},
		{168 * time.Hour, 0, 24 * time.Hour},
	} {
		if got := bounceGap(store.Settings{BounceWindow: c.window, BounceScoreThreshold: c.threshold}); got != c.want {
			t.Errorf("gap(%v, %d) = %v, want %v", c.window, c.threshold, got, c.want)
		}
	}
}

// TestSenderRejectedIsNobodysBounce: Postfix answers every RCPT with
// "550 5.1.8 Sender address rejected" when it dislikes the envelope
// sender. That is the list's problem: four such posts must not make a
// member bouncing (they did while a second classifier judged relay
// answers by the 5.1.x class alone).
func TestSenderRejectedIsNobodysBounce(t *testing.T) {
	e := newBounceEnv(t, nil)
	e.list("team", "discussion", map[string]string{"dana@example.net": "member", "olive@example.net": "owner"}, "bounce_score_threshold=4")
	dana := e.member("team", "dana@example.net")
	r := store.QueuedRcpt{Address: dana.Address, EnvelopeFrom: "team-bounces+" + dana.BounceToken + "@lists.example.org"}
	for range 4 {
		e.hook("team", outbox.KindPost, r, store.Outcome{Permanent: true, Stage: store.StageRcpt,
			Error: "550 5.1.8 <team-bounces@lists.example.org>: Sender address rejected: Domain not found"})
		e.clock.Advance(25 * time.Hour)
	}
	if got := e.member("team", dana.Address); Status(got.Status) != StatusOK || len(got.Bounces) != 0 {
		t.Fatalf("after four sender refusals: %s with %d bounces", got.Status, len(got.Bounces))
	}
}

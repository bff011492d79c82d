package listserv

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"minyan/store"
)

// The domain's rules tested where they live: a Service over a real store
// with a hand-moved clock (doorEnv), mail handed to Receive as the SMTP
// door would, and the queue the outbox keeps in the store read back as
// the recording of what was sent. No sockets.

// vouched makes example.org and example.net confirm (SPF pass from
// 127.0.0.1, aligned with From) every mail a test sends: authors are
// who they say, as a member's own mail program would make them.
var vouched = doorDNS{"example.org": {"v=spf1 ip4:127.0.0.0/8 -all"}, "example.net": {"v=spf1 ip4:127.0.0.0/8 -all"}}

// outcome says what became of the one post from sender to list: accept
// (archived), hold (a held item), refuse (the sender got an answer and
// nothing else happened) or discard (nothing at all).
func (e *doorEnv) outcome(list, sender string) string {
	e.t.Helper()
	var archived int
	err := e.st.View(func(tx *store.Tx) error {
		n, _, err := tx.ArchiveStats(list)
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		archived = n
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	held, err := e.svc.HeldItems(bg, op, list)
	if err != nil {
		e.t.Fatal(err)
	}
	switch {
	case archived > 0:
		return "accept"
	case len(held) > 0:
		return "hold"
	case len(e.mailsTo(sender)) > 0:
		return "refuse"
	}
	return "discard"
}

// TestPostingChainTable: the posting chain, first match wins, for each
// kind of sender and the settings that change the answer.
func TestPostingChainTable(t *testing.T) {
	roster := map[string]string{"ann@example.org": "member", "mod@example.org": "moderator", "own@example.org": "owner"}
	cases := []struct {
		name, kind string
		settings   []string
		from       string
		header     string // extra header line
		want       string
	}{
		{"member", "discussion", nil, "ann@example.org", "", "accept"},
		{"non-member held", "discussion", nil, "out@example.net", "", "hold"},
		{"non-member refused", "discussion", []string{"nonmember_action=reject"}, "out@example.net", "", "refuse"},
		{"non-member dropped", "discussion", []string{"nonmember_action=discard"}, "out@example.net", "", "discard"},
		{"open list takes anyone", "discussion", []string{"posting=open"}, "out@example.net", "", "accept"},
		{"moderated member", "discussion", []string{"posting=moderated"}, "ann@example.org", "", "hold"},
		{"moderated moderator", "discussion", []string{"posting=moderated"}, "mod@example.org", "", "accept"},
		{"announce member", "announce", nil, "ann@example.org", "", "hold"},
		{"announce owner", "announce", nil, "own@example.org", "", "accept"},
		{"new member reviewed", "discussion", []string{"moderate_new_members=1"}, "ann@example.org", "", "hold"},
		{"emergency", "discussion", []string{"emergency=true"}, "ann@example.org", "", "hold"},
		{"emergency moderator", "discussion", []string{"emergency=true"}, "mod@example.org", "", "hold"},
		{"automatic", "discussion", nil, "ann@example.org", "Auto-Submitted: auto-replied", "discard"},
		{"loop", "discussion", nil, "ann@example.org", "List-Id: <team.lists.example.org>", "discard"},
		{"caucus outsider", "caucus", nil, "out@example.net", "", "hold"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newDoorEnv(t, vouched)
			e.list("team", c.kind, roster, c.settings...)
			raw := msg(c.from, "team@lists.example.org", "hello", "hi all")
			if c.header != "" {
				raw = c.header + "\r\n" + raw
			}
			e.send(c.from, "team@lists.example.org", raw)
			if got := e.outcome("team", c.from); got != c.want {
				t.Errorf("%s from %s: %s, want %s", c.kind, c.from, got, c.want)
			}
		})
	}
	// A duplicate Message-ID and a banned sender are dropped.
	e := newDoorEnv(t, vouched)
	e.list("team", "discussion", roster)
	raw := msg("ann@example.org", "team@lists.example.org", "once", "hi")
	e.send("ann@example.org", "team@lists.example.org", raw)
	e.send("ann@example.org", "team@lists.example.org", raw)
	if n := archived(t, e, "team"); n != 1 {
		t.Errorf("the same Message-ID twice: %d archived, want 1", n)
	}
	e.send("spam@example.net", "team@lists.example.org", msg("spam@example.net", "team@lists.example.org", "buy", "now"))
	held, _ := e.svc.HeldItems(bg, op, "team")
	if len(held) != 1 {
		t.Fatalf("%d held, want 1", len(held))
	}
	if _, err := e.svc.Decide(bg, op, "team", held[0].ID, DecideBan, ""); err != nil {
		t.Fatal(err)
	}
	e.send("spam@example.net", "team@lists.example.org", msg("spam@example.net", "team@lists.example.org", "buy", "again"))
	if held, _ := e.svc.HeldItems(bg, op, "team"); len(held) != 0 || archived(t, e, "team") != 1 {
		t.Errorf("a banned sender's post was kept: %d held", len(held))
	}
}

func archived(t *testing.T, e *doorEnv, list string) int {
	t.Helper()
	var n int
	if err := e.st.View(func(tx *store.Tx) error {
		var err error
		n, _, err = tx.ArchiveStats(list)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// mailedTokens are the reply tokens (Reply-To: LIST-confirm+TOKEN@) of
// the mails sent to addr about list, oldest first: the store keeps only
// references to the tokens' hashes, so a test takes them from the mail
// as a person would.
func (e *doorEnv) mailedTokens(addr, list string) []string {
	e.t.Helper()
	re := regexp.MustCompile(`Reply-To: ` + regexp.QuoteMeta(list) + `-confirm\+([a-z2-7]{32})@`)
	var out []string
	for _, m := range e.mailsTo(addr) {
		if l := re.FindStringSubmatch(m.body); l != nil {
			out = append(out, l[1])
		}
	}
	return out
}

// lastToken is the newest reply token mailed to addr about list.
func (e *doorEnv) lastToken(addr, list string) string {
	e.t.Helper()
	toks := e.mailedTokens(addr, list)
	if len(toks) == 0 {
		e.t.Fatalf("no reply token mailed to %s about %s", addr, list)
	}
	return toks[len(toks)-1]
}

// replyTo sends a reply with body to the token address of list.
func (e *doorEnv) replyTo(from, list string, role AddrRole, token, body string) {
	e.t.Helper()
	to := ListAddress{List: list, Role: role, Token: token}.Address("lists.example.org")
	e.send(from, to, msg(from, to, "Re: your message", body))
}

// TestModerationByReply: a moderator's reply decides a held post; a
// second reply is told it was already handled; a member who is not a
// moderator decides nothing; the author can withdraw their own.
func TestModerationByReply(t *testing.T) {
	e := newDoorEnv(t, vouched)
	e.list("team", "discussion", map[string]string{"mod@example.org": "moderator", "fac@example.org": "facilitator", "ann@example.org": "member"}, "posting=moderated")
	e.send("ann@example.org", "team@lists.example.org", msg("ann@example.org", "team@lists.example.org", "first", "one"))
	e.send("ann@example.org", "team@lists.example.org", msg("ann@example.org", "team@lists.example.org", "second", "two"))
	held, _ := e.svc.HeldItems(bg, op, "team")
	if len(held) != 2 {
		t.Fatalf("%d held, want 2", len(held))
	}
	first, second := held[0], held[1]
	modToks, annToks := e.mailedTokens("mod@example.org", "team"), e.mailedTokens("ann@example.org", "team")
	if len(modToks) != 2 || len(annToks) != 2 {
		t.Fatalf("reply tokens mailed: moderator %d, author %d, want 2 each", len(modToks), len(annToks))
	}
	if len(e.mailsTo("mod@example.org")) != 2 {
		t.Fatalf("the moderator got %d notices, want 2", len(e.mailsTo("mod@example.org")))
	}

	// A plain member's reply decides nothing.
	e.replyTo("ann@example.org", "team", RoleConfirm, modToks[0], "approve")
	if h, _ := e.svc.HeldItems(bg, op, "team"); len(h) != 2 {
		t.Fatalf("a member's reply decided: %d left", len(h))
	}
	// The moderator approves by reply: the post goes out.
	e.replyTo("mod@example.org", "team", RoleConfirm, modToks[0], "approve\r\n\r\n> quoted notice")
	if n := archived(t, e, "team"); n != 1 {
		t.Fatalf("approved by reply: %d archived", n)
	}
	// A facilitator's later reply is told who decided, and changes nothing.
	before := len(e.mailsTo("fac@example.org"))
	e.replyTo("fac@example.org", "team", RoleConfirm, modToks[0], "reject not now")
	mails := e.mailsTo("fac@example.org")
	if len(mails) <= before || !strings.Contains(mails[len(mails)-1].body, "already handled") {
		t.Errorf("second reply not told it was handled: %+v", mails[before:])
	}
	// The author withdraws the second post by replying to their notice.
	e.replyTo("ann@example.org", "team", RoleConfirm, annToks[1], "withdraw")
	var h store.Held
	if err := e.st.View(func(tx *store.Tx) error {
		var err error
		h, err = tx.Held(second.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if h.Status != store.HeldWithdrawn {
		t.Errorf("withdrawn by reply: %s", h.Status)
	}
	// Decide on a named list answers ErrNoHeld for another list's item.
	e.list("other", "discussion", map[string]string{"mod@example.org": "moderator"})
	if _, err := e.svc.Decide(bg, Person("mod@example.org", DoorWeb), "other", first.ID, DecideApprove, ""); !errors.Is(err, ErrNoHeld) {
		t.Errorf("deciding team's item on other: %v, want ErrNoHeld", err)
	}
}

// TestSubscriptions: joining a confirm list by mail, an approve list
// through a moderator, a full list's waitlist and its promotion when a
// member leaves.
func TestSubscriptions(t *testing.T) {
	e := newDoorEnv(t, vouched)
	e.list("team", "discussion", map[string]string{"mod@example.org": "moderator"})
	// confirm: a join asks the address to confirm, the reply confirms.
	e.send("ann@example.org", "team-join@lists.example.org", msg("ann@example.org", "team-join@lists.example.org", "join", ""))
	mb, ok := e.member("team", "ann@example.org")
	if !ok || mb.Status != StatusPending || mb.ConfirmToken == "" {
		t.Fatalf("after join: %+v", mb)
	}
	e.replyTo("ann@example.org", "team", RoleConfirm, e.lastToken("ann@example.org", "team"), "yes")
	if mb, _ := e.member("team", "ann@example.org"); mb.Status != StatusOK || !mb.SelfJoined {
		t.Fatalf("after confirming: %+v", mb)
	}
	welcomed := false
	for _, m := range e.mailsTo("ann@example.org") {
		welcomed = welcomed || strings.Contains(m.body, "You are now a member")
	}
	if !welcomed {
		t.Errorf("no welcome: %+v", e.mailsTo("ann@example.org"))
	}

	// approve: the confirmed request waits for a moderator.
	e.list("circle", "discussion", map[string]string{"mod@example.org": "moderator"}, "subscribe=approve")
	e.send("bea@example.net", "circle-join@lists.example.org", msg("bea@example.net", "circle-join@lists.example.org", "join", ""))
	if _, err := e.svc.Confirm(bg, e.lastToken("bea@example.net", "circle")); err != nil {
		t.Fatal(err)
	}
	held, _ := e.svc.HeldItems(bg, op, "circle")
	if len(held) != 1 || held[0].Kind != store.HeldJoin {
		t.Fatalf("join request not held: %+v", held)
	}
	e.replyTo("mod@example.org", "circle", RoleConfirm, e.lastToken("mod@example.org", "circle"), "approve")
	if mb, _ := e.member("circle", "bea@example.net"); mb.Status != StatusOK {
		t.Fatalf("approved join: %+v", mb)
	}

	// A full list: the next self-join waits; a leave gives the seat.
	e.list("small", "discussion", map[string]string{"own@example.org": "owner", "cy@example.org": "member"}, "capacity=1", "subscribe=open")
	e.send("dee@example.org", "small-join@lists.example.org", msg("dee@example.org", "small-join@lists.example.org", "join", ""))
	if mb, _ := e.member("small", "dee@example.org"); mb.Status != StatusWaitlist {
		t.Fatalf("join to a full list: %+v", mb)
	}
	if m := e.mailsTo("dee@example.org"); len(m) != 1 || !strings.Contains(m[0].body, "waitlist") {
		t.Errorf("the waitlisted were not told: %+v", m)
	}
	if _, err := e.svc.RemoveMembers(bg, op, "small", []string{"cy@example.org"}); err != nil {
		t.Fatal(err)
	}
	if mb, _ := e.member("small", "dee@example.org"); mb.Status != StatusOK {
		t.Fatalf("after a seat freed: %+v", mb)
	}
	if m := e.mailsTo("dee@example.org"); len(m) != 2 {
		t.Errorf("the promoted were not told: %d mails", len(m))
	}
	// One count: seats taken and members shown agree.
	err := e.st.View(func(tx *store.Tx) error {
		n, err := MemberCount(tx, "small")
		if err == nil && n != 2 {
			t.Errorf("MemberCount small = %d, want 2 (owner and dee)", n)
		}
		seats, err := seatsTaken(tx, "small")
		if err == nil && seats != 1 {
			t.Errorf("seats taken = %d, want 1", seats)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestEmailCommands: the -request address's commands from a member whose
// domain vouches for the mail.
func TestEmailCommands(t *testing.T) {
	e := newDoorEnv(t, vouched)
	e.list("team", "discussion", map[string]string{"ann@example.org": "member", "own@example.org": "owner"})
	cmd := func(body string) string {
		t.Helper()
		before := len(e.mailsTo("ann@example.org"))
		e.send("ann@example.org", "team-request@lists.example.org", msg("ann@example.org", "team-request@lists.example.org", "commands", body))
		m := e.mailsTo("ann@example.org")
		if len(m) != before+1 {
			t.Fatalf("%q: %d answers, want 1", body, len(m)-before)
		}
		return m[len(m)-1].body
	}
	mode := func() Mode {
		mb, _ := e.member("team", "ann@example.org")
		return mb.Mode
	}
	if a := cmd("digest on"); mode() != ModeDigest || !strings.Contains(a, "digest") {
		t.Errorf("digest on: mode %s, answer %q", mode(), a)
	}
	if cmd("digest off"); mode() != ModeEach {
		t.Errorf("digest off: mode %s", mode())
	}
	if cmd("nomail on"); mode() != ModeNomail {
		t.Errorf("nomail on: mode %s", mode())
	}
	if cmd("nomail off"); mode() != ModeEach {
		t.Errorf("nomail off: mode %s", mode())
	}
	if a := cmd("info"); !strings.Contains(a, "Members: 2") {
		t.Errorf("info does not count 2 members:\n%s", a)
	}
	if a := cmd("help"); !strings.Contains(a, "unsubscribe") {
		t.Errorf("help lacks the commands:\n%s", a)
	}
	if a := cmd("digest plain"); !strings.Contains(a, "plain text") {
		t.Errorf("digest plain: %q", a)
	}
	if mb, _ := e.member("team", "ann@example.org"); mb.DigestFormat != store.DigestPlain {
		t.Errorf("digest plain: format %q", mb.DigestFormat)
	}
	// unsubscribe asks to confirm (the answer and the confirmation);
	// the confirmation removes her.
	e.send("ann@example.org", "team-request@lists.example.org", msg("ann@example.org", "team-request@lists.example.org", "commands", "unsubscribe"))
	mb, _ := e.member("team", "ann@example.org")
	if mb.ConfirmToken == "" {
		t.Fatalf("unsubscribe asked nothing: %+v", mb)
	}
	if _, err := e.svc.Confirm(bg, e.lastToken("ann@example.org", "team")); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.member("team", "ann@example.org"); ok {
		t.Errorf("still a member after a confirmed unsubscribe")
	}
}

// TestSyncRosterRules: a sync adds, updates and removes within its
// options, keeps bans, self-joined people and roles unless told, and a
// dry run changes nothing.
func TestSyncRosterRules(t *testing.T) {
	e := newDoorEnv(t, vouched)
	e.list("team", "discussion", map[string]string{"own@example.org": "owner", "mod@example.org": "moderator", "a@example.org": "member", "b@example.org": "member"})
	e.send("self@example.org", "team-join@lists.example.org", msg("self@example.org", "team-join@lists.example.org", "join", ""))
	if _, err := e.svc.Confirm(bg, e.lastToken("self@example.org", "team")); err != nil {
		t.Fatal(err)
	}
	e.send("spam@example.net", "team@lists.example.org", msg("spam@example.net", "team@lists.example.org", "buy", "now"))
	held, _ := e.svc.HeldItems(bg, op, "team")
	if _, err := e.svc.Decide(bg, op, "team", held[0].ID, DecideBan, ""); err != nil {
		t.Fatal(err)
	}
	specs := []MemberSpec{{Address: "own@example.org"}, {Address: "a@example.org", Mode: ModeDigest}, {Address: "new@example.org", Name: "New"}}
	dry, err := e.svc.SyncRoster(bg, op, "team", specs, SyncOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := e.member("team", "new@example.org"); ok {
		t.Fatal("a dry run added someone")
	}
	res, err := e.svc.SyncRoster(bg, op, "team", specs, SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Added, ",") != "new@example.org" || strings.Join(res.Updated, ",") != "a@example.org" || strings.Join(res.Removed, ",") != "b@example.org" {
		t.Errorf("sync: %+v", res)
	}
	if strings.Join(dry.Added, ",") != strings.Join(res.Added, ",") || strings.Join(dry.Removed, ",") != strings.Join(res.Removed, ",") {
		t.Errorf("dry run %+v differs from the sync %+v", dry, res)
	}
	for addr, want := range map[string]bool{"mod@example.org": true, "self@example.org": true, "spam@example.net": true, "b@example.org": false} {
		if _, ok := e.member("team", addr); ok != want {
			t.Errorf("%s on the list: %v, want %v", addr, ok, want)
		}
	}
	if mb, _ := e.member("team", "a@example.org"); mb.Mode != ModeDigest {
		t.Errorf("a@ mode %s", mb.Mode)
	}
	res, err = e.svc.SyncRoster(bg, op, "team", specs, SyncOptions{IncludeRoles: true, IncludeSelfJoined: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Removed, ",") != "mod@example.org,self@example.org" {
		t.Errorf("with roles and self-joined: removed %v", res.Removed)
	}
	if mb, ok := e.member("team", "spam@example.net"); !ok || mb.Status != StatusBanned {
		t.Errorf("the ban was lifted: %+v", mb)
	}
}

// TestModeChangeReenables: a member whose delivery bounces paused gets
// mail again when someone sets a new mode (or the member sets any mode),
// but not when an import merely restates the mode they have.
func TestModeChangeReenables(t *testing.T) {
	e := newDoorEnv(t, vouched)
	e.list("team", "discussion", map[string]string{"ann@example.org": "member"})
	disable := func() {
		t.Helper()
		if err := e.st.Update(func(tx *store.Tx) error {
			mb, err := tx.Membership("team", "ann@example.org")
			if err != nil {
				return err
			}
			return e.svc.setBounceState(tx, mb, StatusDisabled, []time.Time{e.clock.Now()}, "550 no such user")
		}); err != nil {
			t.Fatal(err)
		}
	}
	disable()
	restate := []MemberSpec{{Address: "ann@example.org", Mode: ModeEach}}
	if _, err := e.svc.AddMembers(bg, op, "team", restate, true); err != nil {
		t.Fatal(err)
	}
	if mb, _ := e.member("team", "ann@example.org"); mb.Status != StatusDisabled {
		t.Errorf("an import restating the mode re-enabled: %s", mb.Status)
	}
	if _, err := e.svc.SyncRoster(bg, op, "team", restate, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if mb, _ := e.member("team", "ann@example.org"); mb.Status != StatusDisabled {
		t.Errorf("a sync restating the mode re-enabled: %s", mb.Status)
	}
	if _, err := e.svc.AddMembers(bg, op, "team", []MemberSpec{{Address: "ann@example.org", Mode: ModeDigest}}, true); err != nil {
		t.Fatal(err)
	}
	if mb, _ := e.member("team", "ann@example.org"); mb.Status != StatusOK || mb.Mode != ModeDigest {
		t.Errorf("a new mode: %s/%s, want ok/digest", mb.Status, mb.Mode)
	}
	disable()
	if err := e.svc.SetMember(bg, Person("ann@example.org", DoorWeb), "team", "ann@example.org", "", "digest"); err != nil {
		t.Fatal(err)
	}
	if mb, _ := e.member("team", "ann@example.org"); mb.Status != StatusOK {
		t.Errorf("the member's own mode choice did not re-enable: %s", mb.Status)
	}
}

// TestConfirmByReplyAnswersDone: a command confirmed by replying to its
// confirmation is carried out and answered with what it did, never with
// "I could not act on your reply" (which it used to say on success too).
func TestConfirmByReplyAnswersDone(t *testing.T) {
	e := newDoorEnv(t, nil) // no SPF or DKIM: the command needs a confirmation
	e.list("team", "discussion", map[string]string{"ann@example.org": "member"})
	e.send("ann@example.org", "team-request@lists.example.org", msg("ann@example.org", "team-request@lists.example.org", "commands", "digest on"))
	if mb, _ := e.member("team", "ann@example.org"); mb.Mode != ModeEach {
		t.Fatalf("digest on acted before the confirmation: %s", mb.Mode)
	}
	before := len(e.mailsTo("ann@example.org"))
	e.replyTo("ann@example.org", "team", RoleConfirm, e.lastToken("ann@example.org", "team"), "yes")
	if mb, _ := e.member("team", "ann@example.org"); mb.Mode != ModeDigest {
		t.Fatalf("confirmed digest on: mode %s", mb.Mode)
	}
	mails := e.mailsTo("ann@example.org")[before:]
	if len(mails) != 1 || !strings.Contains(mails[0].body, "Thank you for confirming") || strings.Contains(mails[0].body, "could not act") {
		t.Fatalf("answer to the confirming reply: %+v", mails)
	}
}

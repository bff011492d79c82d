package listserv

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"minyan/listserv/testkit"
	"minyan/store"
)

// doorDNS is a table of TXT records the fake DNS (testkit.DNS) answers
// from; other names do not exist.
type doorDNS = map[string][]string

// doorEnv is a Service over a real store with a hand-moved clock.
type doorEnv struct {
	t     testing.TB
	svc   *Service
	st    *store.Store
	clock *testkit.Clock
	tmpl  string
}

var (
	op = Operator(DoorCLI)
	bg = context.Background()
)

func newDoorEnv(t testing.TB, dns doorDNS) *doorEnv {
	t.Helper()
	st, err := store.Open(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := testkit.NewClock(time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tmpl := t.TempDir()
	svc := New(st, Options{
		Domain: "lists.example.org", PublicURL: "https://lists.example.org",
		Defaults: ServerDefaults{MaxMessageBytes: 1 << 20, Timezone: "UTC"},
		Clock:    clock, Resolver: testkit.NewDNS(dns), Logger: log, TemplateDir: tmpl,
		AppPasswordCost: bcrypt.MinCost,
	})
	return &doorEnv{t: t, svc: svc, st: st, clock: clock, tmpl: tmpl}
}

func (e *doorEnv) list(name, kind string, members map[string]string, settings ...string) {
	e.t.Helper()
	if _, err := e.svc.CreateList(bg, op, name, kind, "", "the "+name+" description"); err != nil {
		e.t.Fatal(err)
	}
	if len(settings) > 0 {
		if _, err := e.svc.SetList(bg, op, name, settings); err != nil {
			e.t.Fatal(err)
		}
	}
	var specs []MemberSpec
	for a, r := range members {
		specs = append(specs, MemberSpec{Address: a, Role: ListRole(r)})
	}
	if res, err := e.svc.AddMembers(bg, op, name, specs, false); err != nil {
		e.t.Fatal(err)
	} else {
		for _, r := range res {
			if r.Err != nil {
				e.t.Fatal(r.Err)
			}
		}
	}
}

// queuedMail is one queued message with one of its recipients.
type queuedMail struct {
	kind, to string
	body     string
}

func (e *doorEnv) queued() []queuedMail {
	e.t.Helper()
	var out []queuedMail
	var ids []uint64
	err := e.st.View(func(tx *store.Tx) error {
		return tx.EachQueued(func(m store.QueuedMessage, r store.QueuedRcpt) error {
			out = append(out, queuedMail{kind: m.Kind, to: r.Address})
			ids = append(ids, m.ID)
			return nil
		})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	for i, id := range ids {
		_, body, err := e.st.QueuedMessage(id)
		if err != nil {
			e.t.Fatal(err)
		}
		out[i].body = decodeQP(string(body))
	}
	return out
}

// decodeQP undoes quoted-printable soft line breaks so texts can be
// searched.
func decodeQP(s string) string {
	return strings.NewReplacer("=\r\n", "", "=\n", "", "=3D", "=").Replace(s)
}

// mailsTo are the queued mails to addr.
func (e *doorEnv) mailsTo(addr string) []queuedMail {
	var out []queuedMail
	for _, m := range e.queued() {
		if m.to == addr {
			out = append(out, m)
		}
	}
	return out
}

func (e *doorEnv) member(list, addr string) (store.Membership, bool) {
	var mb store.Membership
	err := e.st.View(func(tx *store.Tx) error {
		var err error
		mb, err = tx.Membership(list, addr)
		return err
	})
	return mb, err == nil
}

// send delivers raw mail to rcpt as the SMTP door would.
func (e *doorEnv) send(envFrom, rcpt, raw string) {
	e.t.Helper()
	errs := e.svc.Receive(bg, Envelope{From: envFrom, Rcpts: []string{rcpt}, RemoteAddr: "127.0.0.1:40000", Helo: "mx.example.net"}, []byte(raw))
	if errs[0] != nil {
		e.t.Fatalf("mail to %s refused: %v", rcpt, errs[0])
	}
}

func msg(from, to, subject, body string) string {
	return "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + store.NewToken() + "@example.net>\r\nDate: Mon, 02 Nov 2026 10:00:00 -0500\r\n\r\n" + body + "\r\n"
}

// TestPermissionTable: each role on a list against each kind of
// operation, from the web door: the check is the domain's, so every door
// gets the same answer. A caucus's outsiders get ErrNotFound, exactly as
// for a missing list.
func TestPermissionTable(t *testing.T) {
	e := newDoorEnv(t, nil)
	roster := map[string]string{"mem@example.org": "member", "fac@example.org": "facilitator",
		"mod@example.org": "moderator", "own@example.org": "owner"}
	e.list("disc", "discussion", roster)
	e.list("caucus", "caucus", roster)
	e.list("other", "discussion", map[string]string{"own2@example.org": "owner"})
	if err := e.svc.SetPerson(bg, op, "admin@example.org", PersonChange{Admin: ptrTo(true)}); err != nil {
		t.Fatal(err)
	}
	n := 0
	fresh := func(prefix string) string {
		n++
		return prefix + string(rune('a'+n%26)) + string(rune('a'+n/26)) + "@example.org"
	}
	ops := map[string]func(a Actor, list string) error{
		"see held": func(a Actor, list string) error { _, err := e.svc.HeldItems(bg, a, list); return err },
		"history":  func(a Actor, list string) error { _, err := e.svc.HeldHistory(bg, a, list); return err },
		"audit":    func(a Actor, list string) error { _, err := e.svc.Audit(bg, a, list, 5); return err },
		"add member": func(a Actor, list string) error {
			res, err := e.svc.AddMembers(bg, a, list, []MemberSpec{{Address: fresh("new")}}, false)
			if err == nil && res[0].Err != nil {
				err = res[0].Err
			}
			return err
		},
		"give role": func(a Actor, list string) error {
			res, err := e.svc.AddMembers(bg, a, list, []MemberSpec{{Address: fresh("role"), Role: "moderator"}}, false)
			if err == nil && res[0].Err != nil {
				err = res[0].Err
			}
			return err
		},
		"settings": func(a Actor, list string) error {
			_, err := e.svc.SetList(bg, a, list, []string{"footer=hello"})
			return err
		},
	}
	// want: the least role that may; "admin" = site admins only.
	want := map[string]string{"see held": "facilitator", "history": "facilitator", "audit": "facilitator",
		"add member": "moderator", "give role": "owner", "settings": "owner"}
	people := []string{"stranger@example.org", "mem@example.org", "fac@example.org", "mod@example.org", "own@example.org", "own2@example.org"}
	for _, list := range []string{"disc", "caucus"} {
		for name, least := range want {
			for _, who := range people {
				a := Person(who, DoorWeb)
				err := ops[name](a, list)
				role := roster[who]
				allowed := RoleRank(role) >= RoleRank(least)
				switch {
				case allowed && err != nil:
					t.Errorf("%s by %s on %s: %v, want allowed", name, who, list, err)
				case !allowed && role == "" && list == "caucus" && !errors.Is(err, ErrNotFound):
					t.Errorf("%s by outsider %s on a caucus: %v, want ErrNotFound", name, who, err)
				case !allowed && (role != "" || list != "caucus") && !errors.Is(err, ErrForbidden):
					t.Errorf("%s by %s (%q) on %s: %v, want ErrForbidden", name, who, role, list, err)
				}
			}
			// Site admins and the operator may do everything.
			for _, a := range []Actor{Person("admin@example.org", DoorWeb), Operator(DoorAPI)} {
				if err := ops[name](a, list); err != nil {
					t.Errorf("%s by %s on %s: %v", name, a, list, err)
				}
			}
		}
	}
	// The outsider's caucus answer is the missing list's answer, word for word.
	_, errCaucus := e.svc.SetList(bg, Person("stranger@example.org", DoorWeb), "caucus", []string{"footer=x"})
	_, errMissing := e.svc.SetList(bg, Person("stranger@example.org", DoorWeb), "nosuch", []string{"footer=x"})
	if strings.ReplaceAll(errCaucus.Error(), "caucus", "X") != strings.ReplaceAll(errMissing.Error(), "nosuch", "X") {
		t.Errorf("caucus %q vs missing %q", errCaucus, errMissing)
	}
	// Creating lists and changing people is for site admins.
	if _, err := e.svc.CreateList(bg, Person("own@example.org", DoorWeb), "mine", "discussion", "", ""); !errors.Is(err, ErrForbidden) {
		t.Errorf("owner created a list: %v", err)
	}
	if _, err := e.svc.CreateList(bg, Person("admin@example.org", DoorWeb), "mine", "discussion", "", ""); err != nil {
		t.Errorf("site admin could not create a list: %v", err)
	}
	if err := e.svc.DeleteList(bg, Person("own@example.org", DoorWeb), "disc"); !errors.Is(err, ErrForbidden) {
		t.Errorf("owner removed a list: %v", err)
	}
	if err := e.svc.SetPerson(bg, Person("own@example.org", DoorMail), "mem@example.org", PersonChange{GoodStanding: ptrTo(true)}); !errors.Is(err, ErrForbidden) {
		t.Errorf("owner changed a person: %v", err)
	}
	// Cross-list: the owner of one list is nobody on another.
	if _, err := e.svc.SetList(bg, Person("own2@example.org", DoorWeb), "disc", []string{"footer=x"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("owner of other acting on disc: %v", err)
	}
	// A member may change their own mode, not someone else's.
	if err := e.svc.SetMember(bg, Person("mem@example.org", DoorWeb), "disc", "mem@example.org", "", "digest"); err != nil {
		t.Errorf("own mode: %v", err)
	}
	if err := e.svc.SetMember(bg, Person("mem@example.org", DoorWeb), "disc", "fac@example.org", "", "digest"); !errors.Is(err, ErrForbidden) {
		t.Errorf("someone else's mode: %v", err)
	}
	if err := e.svc.SetMember(bg, Person("mod@example.org", DoorWeb), "disc", "mem@example.org", "owner", ""); !errors.Is(err, ErrForbidden) {
		t.Errorf("moderator gave a role: %v", err)
	}
}

func ptrTo[T any](v T) *T { return &v }

// TestAuditRecordsEveryDoor: changes through each door are recorded with
// who, when, which door and what, newest first; the held queue's
// decisions too.
func TestAuditRecordsEveryDoor(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("team", "discussion", map[string]string{"own@example.org": "owner", "mod@example.org": "moderator"}, "posting=moderated")
	e.clock.Advance(time.Minute)
	if _, err := e.svc.SetList(bg, Person("own@example.org", DoorWeb), "team", []string{"footer=hi"}); err != nil {
		t.Fatal(err)
	}
	api := Actor{Door: DoorAPI, Operator: true, Via: "crm-sync"}
	if _, err := e.svc.AddMembers(bg, api, "team", []MemberSpec{{Address: "ann@example.org"}}, false); err != nil {
		t.Fatal(err)
	}
	e.send("ann@example.org", "team@lists.example.org", msg("ann@example.org", "team@lists.example.org", "hello", "hi all"))
	held, err := e.svc.HeldItems(bg, Person("mod@example.org", DoorWeb), "team")
	if err != nil || len(held) != 1 {
		t.Fatalf("held: %v %v", held, err)
	}
	if _, err := e.svc.Decide(bg, Person("mod@example.org", DoorMail), "", held[0].ID, DecideApprove, ""); err != nil {
		t.Fatal(err)
	}
	log, err := e.svc.Audit(bg, Person("own@example.org", DoorWeb), "team", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range log {
		got = append(got, a.Who+" | "+a.Door+" | "+a.What)
	}
	want := []string{
		"mod@example.org via mail | mail | held #1 (post from ann@example.org): approved",
		"crm-sync via api | api | added ann@example.org (role member, mode each, status ok)",
		"own@example.org via web | web | changed settings: footer=hi",
	}
	if len(got) < len(want) || strings.Join(got[:3], "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit log:\n%s\nwant first:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !log[2].Time.Equal(e.clock.Now()) || log[len(log)-1].What != "created the list (kind discussion)" {
		t.Errorf("times/first entry: %+v", log)
	}
	if l, _ := e.svc.Audit(bg, op, "team", 1); len(l) != 1 {
		t.Errorf("limit 1 gave %d", len(l))
	}
	// A refused change leaves no record.
	if _, err := e.svc.SetList(bg, Person("own@example.org", DoorWeb), "team", []string{"posting=nonsense"}); err == nil {
		t.Fatal("bad setting accepted")
	}
	if l, _ := e.svc.Audit(bg, op, "team", 0); len(l) != len(log) {
		t.Errorf("a refused change was recorded: %d entries, want %d", len(l), len(log))
	}
}

// TestDecisionFirstWins: a decision from the console and one by mail
// race; exactly one wins, the other is told who decided.
func TestDecisionFirstWins(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("team", "discussion", map[string]string{"mod@example.org": "moderator", "own@example.org": "owner", "ann@example.org": "member"}, "posting=moderated")
	e.send("ann@example.org", "team@lists.example.org", msg("ann@example.org", "team@lists.example.org", "hello", "hi all"))
	held, _ := e.svc.HeldItems(bg, op, "team")
	results := make(chan error, 2)
	for _, a := range []Actor{Person("mod@example.org", DoorMail), Person("own@example.org", DoorWeb)} {
		go func() {
			_, err := e.svc.Decide(bg, a, "", held[0].ID, DecideApprove, "")
			results <- err
		}()
	}
	var ok, already int
	for range 2 {
		err := <-results
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrAlreadyDecided) && strings.Contains(err.Error(), "approved by"):
			already++
		default:
			t.Errorf("decision: %v", err)
		}
	}
	if ok != 1 || already != 1 {
		t.Fatalf("%d won, %d told: want exactly one of each", ok, already)
	}
}

// TestTemplateOverrideEveryName: an owner's text in DATA_DIR/templates
// replaces every built-in one, for one list or for all.
func TestTemplateOverrideEveryName(t *testing.T) {
	e := newDoorEnv(t, nil)
	names, err := templateFS.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(e.tmpl, "team"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range names {
		name := strings.TrimSuffix(f.Name(), ".txt")
		os.WriteFile(filepath.Join(e.tmpl, f.Name()), []byte("Subject: site "+name+"\n\nsite text"), 0o644)
		os.WriteFile(filepath.Join(e.tmpl, "team", f.Name()), []byte("Subject: list "+name+"\n\nlist text"), 0o644)
		want := "list"
		if siteOnlyTemplates[name] {
			want = "site" // see TestSecretTextsAreNotListOverridable
		}
		if subj, body, err := e.svc.render("team", name, nil); err != nil || subj != want+" "+name || body != want+" text" {
			t.Errorf("%s for team: %q %q %v", name, subj, body, err)
		}
		if subj, body, err := e.svc.render("other", name, nil); err != nil || subj != "site "+name || body != "site text" {
			t.Errorf("%s for other lists: %q %q %v", name, subj, body, err)
		}
	}
	// Nothing renders the built-in text but render itself.
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "render_override.go" {
			continue
		}
		src, _ := os.ReadFile(f)
		if strings.Contains(string(src), "builtinText(") || strings.Contains(string(src), "templates.ExecuteTemplate") {
			t.Errorf("%s renders built-in texts directly; use render so overrides apply", f)
		}
	}
}

// TestOverridesReachTheMail: the texts that used to bypass the overrides
// (the owners' forward, a rejection, a waitlist promotion) now use them.
func TestOverridesReachTheMail(t *testing.T) {
	e := newDoorEnv(t, nil)
	for name, text := range map[string]string{
		"owner-forward":     "Subject: FWD {{.Subject}}\n\nOVERRIDE-FORWARD",
		"post-rejected":     "Subject: NO {{.Subject}}\n\nOVERRIDE-REJECTED {{.Reason}}",
		"waitlist-promoted": "Subject: IN\n\nOVERRIDE-PROMOTED",
	} {
		os.WriteFile(filepath.Join(e.tmpl, name+".txt"), []byte(text), 0o644)
	}
	e.list("team", "discussion", map[string]string{"own@example.org": "owner", "ann@example.org": "member", "bob@example.org": "member"},
		"posting=moderated", "capacity=2")
	e.send("guest@example.com", "team-owner@lists.example.org", msg("guest@example.com", "team-owner@lists.example.org", "question", "who runs this?"))
	e.send("ann@example.org", "team@lists.example.org", msg("ann@example.org", "team@lists.example.org", "hello", "hi"))
	held, _ := e.svc.HeldItems(bg, op, "team")
	if _, err := e.svc.Decide(bg, op, "", held[0].ID, DecideReject, "off topic"); err != nil {
		t.Fatal(err)
	}
	e.svc.AddMembers(bg, op, "team", []MemberSpec{{Address: "wait@example.org"}}, false)
	e.svc.RemoveMembers(bg, op, "team", []string{"bob@example.org"})
	for to, want := range map[string]string{"own@example.org": "OVERRIDE-FORWARD", "ann@example.org": "OVERRIDE-REJECTED off topic", "wait@example.org": "OVERRIDE-PROMOTED"} {
		found := false
		for _, m := range e.mailsTo(to) {
			found = found || strings.Contains(m.body, want)
		}
		if !found {
			t.Errorf("no mail to %s with %q: %+v", to, want, e.mailsTo(to))
		}
	}
}

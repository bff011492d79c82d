package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"minyan/digest"
	"minyan/listserv"
	"minyan/store"
)

// consoleFakeCore is the domain as the settings, sessions, pairs and
// site admin pages see it. It decides nothing by itself: every method
// that takes an actor records it and answers what the test put in
// answer (by method name, "*" for all), so a test can say yes to a
// stranger or no to an owner and see that the pages follow. Methods the
// console should not call are left to the embedded nil Core (they panic).
type consoleFakeCore struct {
	Core
	mu          sync.Mutex
	sessions    map[string]string // session cookie → address
	storeAdmins map[string]bool   // people marked admin in the store
	answer      map[string]error
	values      map[string]string // the list's settings
	calls       []consoleCall
	setList     [][]string
	regs        digest.Registrations // what Registrations answers
}

type consoleCall struct {
	Method string
	Actor  listserv.Actor
}

func newConsoleFake() *consoleFakeCore {
	return &consoleFakeCore{
		sessions:    map[string]string{"sid-own": "own@example.org", "sid-root": "root@example.org", "sid-marked": "marked@example.org"},
		storeAdmins: map[string]bool{"marked@example.org": true},
		answer:      map[string]error{},
		values:      map[string]string{"title": "Circle", "capacity": "15", "posting": "members", "lapsed_members": ""},
	}
}

func (c *consoleFakeCore) ask(method string, a listserv.Actor) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, consoleCall{method, a})
	if err, ok := c.answer[method]; ok {
		return err
	}
	return c.answer["*"]
}

func (c *consoleFakeCore) recorded() []consoleCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

func (c *consoleFakeCore) setLists() [][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.setList)
}

func (c *consoleFakeCore) reset(answer map[string]error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls, c.setList, c.answer = nil, nil, answer
}

func (c *consoleFakeCore) list(name string) store.List {
	return store.List{Name: name, Kind: "community", Settings: store.Settings{Title: c.values["title"], Timezone: "Europe/Berlin"}}
}

func (c *consoleFakeCore) Domain() string { return "lists.example.org" }
func (c *consoleFakeCore) SessionAddress(sid string) (string, bool) {
	a, ok := c.sessions[sid]
	return a, ok
}
func (c *consoleFakeCore) IsSiteAdmin(a listserv.Actor) bool { return c.storeAdmins[a.Address] }

func (c *consoleFakeCore) Console(_ context.Context, a listserv.Actor, list string) (listserv.ConsoleRights, error) {
	if err := c.ask("Console", a); err != nil {
		return listserv.ConsoleRights{}, err
	}
	return listserv.ConsoleRights{List: c.list(list), Role: "owner", SeeHeld: true, Sessions: true, Roster: true, Settings: true, Admin: true}, nil
}

func (c *consoleFakeCore) ListSettings(_ context.Context, a listserv.Actor, list string) (listserv.SettingsView, error) {
	if err := c.ask("ListSettings", a); err != nil {
		return listserv.SettingsView{}, err
	}
	return listserv.SettingsView{List: c.list(list), Values: c.values, Presets: map[string]string{"capacity": "15"}}, nil
}

func (c *consoleFakeCore) SetList(_ context.Context, a listserv.Actor, list string, pairs []string) (store.List, error) {
	c.mu.Lock()
	c.setList = append(c.setList, pairs)
	c.mu.Unlock()
	return c.list(list), c.ask("SetList", a)
}

func (c *consoleFakeCore) MailTemplates(_ context.Context, a listserv.Actor, list string) ([]listserv.MailTemplate, error) {
	return []listserv.MailTemplate{{Name: "welcome", Builtin: "Subject: Welcome\n\nHello.\n"}}, c.ask("MailTemplates", a)
}

func (c *consoleFakeCore) GetMailTemplate(_ context.Context, a listserv.Actor, list, name string) (listserv.MailTemplate, error) {
	return listserv.MailTemplate{Name: name, Builtin: "Subject: Welcome\n\nHello.\n"}, c.ask("GetMailTemplate", a)
}

func (c *consoleFakeCore) PreviewMailTemplate(_ context.Context, a listserv.Actor, list, name, src string) (string, string, error) {
	return "Welcome", "Hello.", c.ask("PreviewMailTemplate", a)
}

func (c *consoleFakeCore) SetMailTemplate(_ context.Context, a listserv.Actor, list, name, src string) error {
	return c.ask("SetMailTemplate", a)
}

func (c *consoleFakeCore) ResetMailTemplate(_ context.Context, a listserv.Actor, list, name string) error {
	return c.ask("ResetMailTemplate", a)
}

func (c *consoleFakeCore) ConsoleSessions(_ context.Context, a listserv.Actor, list string) ([]digest.Listed, error) {
	// Session 7, which the routes below change.
	at := time.Date(2027, 1, 7, 19, 0, 0, 0, time.UTC)
	s := digest.Listed{SessionInfo: digest.SessionInfo{Session: store.Session{ID: 7, List: list, Zone: "UTC", Local: "2027-01-07 19:00"}, Start: at, End: at.Add(time.Hour)}, State: "scheduled"}
	return []digest.Listed{s}, c.ask("ConsoleSessions", a)
}

func (c *consoleFakeCore) Registrations(_ context.Context, a listserv.Actor, list string, id uint64) (digest.Registrations, error) {
	c.mu.Lock()
	regs := c.regs
	c.mu.Unlock()
	return regs, c.ask("Registrations", a)
}

func (c *consoleFakeCore) ExportRegistrations(_ context.Context, a listserv.Actor, list string, id uint64) ([]byte, error) {
	return []byte("address\n"), c.ask("ExportRegistrations", a)
}

func (c *consoleFakeCore) AddSessions(_ context.Context, a listserv.Actor, req digest.AddRequest) (digest.Added, error) {
	return digest.Added{Sessions: make([]digest.SessionInfo, req.Count)}, c.ask("AddSessions", a)
}

func (c *consoleFakeCore) MoveSession(_ context.Context, a listserv.Actor, list string, id uint64, start string) (digest.SessionInfo, int, error) {
	return digest.SessionInfo{}, 3, c.ask("MoveSession", a)
}

func (c *consoleFakeCore) CancelSession(_ context.Context, a listserv.Actor, list string, id uint64) (digest.SessionInfo, int, error) {
	return digest.SessionInfo{}, 3, c.ask("CancelSession", a)
}

func (c *consoleFakeCore) Attend(_ context.Context, a listserv.Actor, list string, id uint64, addrs []string) (digest.AttendResult, error) {
	return digest.AttendResult{Marked: addrs}, c.ask("Attend", a)
}

func (c *consoleFakeCore) ConsolePairs(_ context.Context, a listserv.Actor, list string) (store.Pairing, []string, error) {
	return store.Pairing{}, []string{"ana@example.org", "ben@example.org"}, c.ask("ConsolePairs", a)
}

func (c *consoleFakeCore) MakePairs(_ context.Context, a listserv.Actor, list string) (store.Pairing, int, error) {
	return store.Pairing{Round: 1, Groups: [][]string{{"ana@example.org", "ben@example.org"}}}, 0, c.ask("MakePairs", a)
}

func (c *consoleFakeCore) SetPairs(_ context.Context, a listserv.Actor, list string, groups [][]string) (store.Pairing, error) {
	return store.Pairing{Round: 2, Groups: groups}, c.ask("SetPairs", a)
}

func (c *consoleFakeCore) SiteOverview(_ context.Context, a listserv.Actor) ([]listserv.ListSummary, error) {
	return []listserv.ListSummary{{Name: "circle", Kind: "community", Title: "Circle", Members: 5}}, c.ask("SiteOverview", a)
}

func (c *consoleFakeCore) CreateList(_ context.Context, a listserv.Actor, name, kind, title, description string) (store.List, error) {
	return store.List{Name: name, Kind: store.ListKind(kind)}, c.ask("CreateList", a)
}

func (c *consoleFakeCore) DeleteList(_ context.Context, a listserv.Actor, name string) error {
	return c.ask("DeleteList", a)
}

// consoleRoute is one console request and the domain method whose answer
// decides it.
type consoleRoute struct {
	method, path string
	form         url.Values
	op           string
}

func consoleRoutesTable() []consoleRoute {
	return []consoleRoute{
		{"GET", "/lists/circle/admin", nil, "Console"},
		{"GET", "/lists/circle/admin/settings", nil, "ListSettings"},
		{"POST", "/lists/circle/admin/settings", url.Values{"title": {"New title"}}, "SetList"},
		{"GET", "/lists/circle/admin/templates", nil, "MailTemplates"},
		{"GET", "/lists/circle/admin/templates/welcome", nil, "GetMailTemplate"},
		{"POST", "/lists/circle/admin/templates/welcome", url.Values{"action": {"save"}, "text": {"Subject: Hi\n\nHello.\n"}}, "SetMailTemplate"},
		{"POST", "/lists/circle/admin/templates/welcome", url.Values{"action": {"reset"}}, "ResetMailTemplate"},
		{"GET", "/lists/circle/admin/sessions", nil, "ConsoleSessions"},
		{"POST", "/lists/circle/admin/sessions", url.Values{"start": {"2027-01-07 19:00"}, "every": {"weekly"}, "count": {"4"}}, "AddSessions"},
		{"POST", "/lists/circle/admin/sessions/7", url.Values{"action": {"move"}, "start": {"2027-01-08 19:00"}}, "MoveSession"},
		{"POST", "/lists/circle/admin/sessions/7", url.Values{"action": {"cancel"}}, "CancelSession"},
		{"POST", "/lists/circle/admin/sessions/7", url.Values{"action": {"attend"}, "present": {"ana@example.org\nben@example.org"}}, "Attend"},
		{"POST", "/lists/circle/admin/sessions/7", url.Values{"action": {"attend"}, "present": {"ana@example.org", "ben@example.org"}}, "Attend"},
		{"POST", "/lists/circle/admin/sessions", url.Values{"date": {"2027-01-07"}, "time": {"19:00"}, "end_date": {"2027-01-09"}, "location": {"Auburn"}, "seats": {"12"}, "q1": {"Diet?"}}, "AddSessions"},
		{"GET", "/lists/circle/admin/sessions/7", nil, "Registrations"},
		{"GET", "/lists/circle/admin/sessions/7/registrations.csv", nil, "ExportRegistrations"},
		{"GET", "/lists/circle/admin/pairs", nil, "ConsolePairs"},
		{"POST", "/lists/circle/admin/pairs", url.Values{"action": {"make"}}, "MakePairs"},
		{"POST", "/lists/circle/admin/pairs", url.Values{"action": {"set"}, "groups": {"ana@example.org, ben@example.org"}}, "SetPairs"},
		{"GET", "/admin", nil, "SiteOverview"},
		{"POST", "/admin/lists", url.Values{"name": {"reading"}, "kind": {"community"}}, "CreateList"},
		{"GET", "/admin/lists/circle/remove", nil, "Console"},
		{"POST", "/admin/lists/circle/remove", url.Values{"confirm": {"circle"}}, "DeleteList"},
	}
}

func consoleServer(t *testing.T, admins ...string) (*httptest.Server, *consoleFakeCore) {
	t.Helper()
	core := newConsoleFake()
	srv := httptest.NewServer(Handler(Options{Core: core, Logger: slog.New(slog.DiscardHandler), Admins: admins}))
	t.Cleanup(srv.Close)
	return srv, core
}

// consoleDo sends a request as the site's own page would (same-origin),
// signed in with the session cookie sid ("" for nobody); header pairs
// override the defaults.
func consoleDo(t *testing.T, srv *httptest.Server, sid string, r consoleRoute, header ...string) (int, string) {
	t.Helper()
	var body io.Reader
	var defaults []string
	if r.method == "POST" {
		body = strings.NewReader(r.form.Encode())
		defaults = []string{"Content-Type", formType, "Sec-Fetch-Site", "same-origin"}
	}
	code, _, page := roundTrip(t, r.method, srv.URL+r.path, body, sid, true, append(defaults, header...)...)
	return code, page
}

// The console follows the domain's answer on every route and never
// decides by itself: yes to a stranger renders the page, ErrForbidden to
// an owner is 403 (from the first check or from the operation itself),
// and ErrNotFound is the very page a missing list gets.
func TestConsoleAdapterFollowsTheDomain(t *testing.T) {
	srv, core := consoleServer(t)
	_, missingAnon := consoleDo(t, srv, "", consoleRoute{method: "GET", path: "/nowhere"})
	_, missingOwn := consoleDo(t, srv, "sid-own", consoleRoute{method: "GET", path: "/nowhere"})
	for _, r := range consoleRoutesTable() {
		name := r.method + " " + r.path + " " + r.form.Get("action")
		for _, tc := range []struct {
			who    string
			sid    string
			answer map[string]error
			status int
		}{
			{"stranger, domain says yes", "", map[string]error{}, http.StatusOK},
			{"owner, domain says forbidden", "sid-own", map[string]error{"*": listserv.ErrForbidden}, http.StatusForbidden},
			{"owner, operation says forbidden", "sid-own", map[string]error{r.op: fmt.Errorf("%s: %w", r.op, listserv.ErrForbidden)}, http.StatusForbidden},
			{"stranger, domain says forbidden", "", map[string]error{"*": listserv.ErrForbidden}, http.StatusForbidden},
			{"owner, domain says not found", "sid-own", map[string]error{"*": listserv.ErrNotFound}, http.StatusNotFound},
			{"stranger, operation says not found", "", map[string]error{r.op: fmt.Errorf("%s: %w", r.op, listserv.ErrNotFound)}, http.StatusNotFound},
		} {
			core.reset(tc.answer)
			code, body := consoleDo(t, srv, tc.sid, r)
			if code != tc.status {
				t.Errorf("%s, %s: %d, want %d\n%s", name, tc.who, code, tc.status, body)
				continue
			}
			switch tc.status {
			case http.StatusNotFound:
				want := missingAnon
				if tc.sid != "" {
					want = missingOwn
				}
				if body != want {
					t.Errorf("%s, %s: not the page a missing list gets:\n%s", name, tc.who, body)
				}
			case http.StatusForbidden:
				hint := "please sign in first"
				if tc.sid != "" {
					hint = "Your role on it does not include this"
				}
				if !strings.Contains(body, "Not possible") || !strings.Contains(body, hint) {
					t.Errorf("%s, %s: 403 without its sentence:\n%s", name, tc.who, body)
				}
			}
			calls := core.recorded()
			if tc.answer["*"] != nil {
				if len(calls) != 1 {
					t.Errorf("%s, %s: after a refusal the console went on asking: %v", name, tc.who, calls)
				}
			} else if !slices.ContainsFunc(calls, func(c consoleCall) bool { return c.Method == r.op }) {
				t.Errorf("%s, %s: the domain's %s was never asked (calls %v)", name, tc.who, r.op, calls)
			}
		}
	}
}

// The actor the console passes is the signed-in address through the web
// door, a site admin when named in the configuration or marked in the
// store, and never the operator.
func TestConsoleAdapterActor(t *testing.T) {
	srv, core := consoleServer(t, "Root@Example.org")
	for _, tc := range []struct {
		sid, addr string
		admin     bool
	}{
		{"", "", false},
		{"sid-own", "own@example.org", false},
		{"sid-root", "root@example.org", true},
		{"sid-marked", "marked@example.org", true},
	} {
		for _, r := range consoleRoutesTable() {
			core.reset(map[string]error{})
			if code, body := consoleDo(t, srv, tc.sid, r); code != http.StatusOK {
				t.Fatalf("%s %s as %q: %d\n%s", r.method, r.path, tc.addr, code, body)
			}
			calls := core.recorded()
			if len(calls) == 0 {
				t.Fatalf("%s %s: the domain was not asked", r.method, r.path)
			}
			for _, c := range calls {
				want := listserv.Actor{Address: tc.addr, Door: listserv.DoorWeb, SiteAdmin: tc.admin}
				if c.Actor != want {
					t.Errorf("%s %s as %q: %s got actor %+v, want %+v", r.method, r.path, tc.addr, c.Method, c.Actor, want)
				}
			}
		}
	}
}

// A refused setting from the domain is shown next to its field, with
// every value as typed; only the changed settings are sent, all at once.
func TestConsoleAdapterSettingError(t *testing.T) {
	srv, core := consoleServer(t)
	core.reset(map[string]error{"SetList": fmt.Errorf("set circle: %w", &listserv.SettingError{Key: "capacity", Reason: "must be a whole number, 0 or more"})})
	form := url.Values{"title": {"New title"}, "capacity": {"lots"}, "posting": {"members"}, "lapsed_members": {""}}
	code, body := consoleDo(t, srv, "sid-own", consoleRoute{"POST", "/lists/circle/admin/settings", form, ""})
	if code != http.StatusBadRequest {
		t.Fatalf("refused setting: %d\n%s", code, body)
	}
	for _, want := range []string{
		`<span class="problem" id="e-capacity">Must be a whole number, 0 or more.</span>`,
		`id="s-capacity" name="capacity" value="lots" aria-describedby="h-capacity e-capacity" aria-invalid="true"`,
		`id="s-title" name="title" value="New title" aria-describedby="h-title">`,
		"Nothing was changed: Capacity: must be a whole number, 0 or more. Correct it and save again.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if n := strings.Count(body, `aria-invalid="true"`); n != 1 {
		t.Errorf("%d fields marked invalid, want 1", n)
	}
	if got := core.setLists(); len(got) != 1 || strings.Join(got[0], "&") != "title=New title&capacity=lots" {
		t.Errorf("SetList got %q, want the two changed settings in one call", got)
	}

	// Unchanged values (an unset choice among them) are not sent at all.
	core.reset(map[string]error{})
	form = url.Values{"title": {"Circle"}, "capacity": {"15"}, "lapsed_members": {""}}
	code, body = consoleDo(t, srv, "sid-own", consoleRoute{"POST", "/lists/circle/admin/settings", form, ""})
	if code != http.StatusOK || !strings.Contains(body, "Nothing to save") || core.setLists() != nil {
		t.Errorf("unchanged form: %d, SetList %q", code, core.setLists())
	}

	// A choice the list has not set is offered as it is, selected, so a
	// browser sends it back unchanged instead of the first choice.
	_, body = consoleDo(t, srv, "sid-own", consoleRoute{method: "GET", path: "/lists/circle/admin/settings"})
	if !strings.Contains(body, `name="lapsed_members" aria-describedby="h-lapsed_members"><option value="" selected>not set</option><option value="keep">`) {
		t.Errorf("the unset choice is not offered as it is:\n%s", body)
	}
}

// Cross-site POSTs to the console never reach the domain.
func TestConsoleAdapterRefusesCrossSite(t *testing.T) {
	srv, core := consoleServer(t, "root@example.org")
	for _, r := range consoleRoutesTable() {
		if r.method != "POST" {
			continue
		}
		for _, h := range [][]string{
			{"Sec-Fetch-Site", "cross-site"},
			{"Sec-Fetch-Site", "", "Origin", "https://evil.example"},
		} {
			core.reset(map[string]error{})
			code, body := consoleDo(t, srv, "sid-root", r, h...)
			if code != http.StatusForbidden || !strings.Contains(body, "sent from another web site") {
				t.Errorf("%s %s with %v: %d\n%s", r.method, r.path, h, code, body)
			}
			if calls := core.recorded(); len(calls) != 0 {
				t.Errorf("%s %s with %v reached the domain: %v", r.method, r.path, h, calls)
			}
		}
	}
}

// Form errors the console finds itself (shape, not permission) still ask
// the domain first whether the viewer may use the page at all.
func TestConsoleAdapterBadFormAsksFirst(t *testing.T) {
	srv, core := consoleServer(t)
	core.reset(map[string]error{"*": listserv.ErrForbidden})
	for _, r := range []consoleRoute{
		{"POST", "/lists/circle/admin/sessions", url.Values{"start": {"tomorrow"}}, "Console"},
		{"POST", "/lists/circle/admin/pairs", url.Values{"action": {"set"}, "groups": {"not an address"}}, "Console"},
		{"POST", "/admin/lists/circle/remove", url.Values{"confirm": {"wrong"}}, "Console"},
	} {
		if code, body := consoleDo(t, srv, "sid-own", r); code != http.StatusForbidden {
			t.Errorf("%s %s, refused by the domain, bad form: %d\n%s", r.method, r.path, code, body)
		}
	}
	core.reset(map[string]error{})
	code, body := consoleDo(t, srv, "sid-own", consoleRoute{"POST", "/lists/circle/admin/sessions", url.Values{"start": {"tomorrow"}}, ""})
	if code != http.StatusBadRequest || !strings.Contains(body, "Nothing was scheduled: Please give the first session&#39;s date") {
		t.Errorf("bad start: %d\n%s", code, body)
	}
}

package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"minyan/listserv"
	"minyan/listserv/i18n"
)

// The owner console's moderation half: held items (console_held.go), the
// roster with its CSV import and export and the bounces (console_members.go),
// and the history of changes (console_history.go). Every page lives
// under /lists/NAME/admin/ and asks the domain, which decides who may see
// or change what: a caucus's console answers an outsider exactly as a
// list that does not exist.

// consoleMod holds the imports running in the background.
type consoleMod struct {
	*handler
	mu      sync.Mutex
	imports map[string]*importJob
}

func (h *handler) consoleModRoutes(mux *http.ServeMux) {
	c := &consoleMod{handler: h, imports: map[string]*importJob{}}
	mux.HandleFunc("GET /lists/{name}/admin/held", c.heldPage)
	mux.HandleFunc("POST /lists/{name}/admin/held", c.decideMany)
	mux.HandleFunc("POST /lists/{name}/admin/held/{id}", c.decideOne)
	mux.HandleFunc("GET /lists/{name}/admin/members", c.membersPage)
	mux.HandleFunc("POST /lists/{name}/admin/members", c.addMembers)
	mux.HandleFunc("POST /lists/{name}/admin/member", c.changeMember)
	mux.HandleFunc("POST /lists/{name}/admin/members/bulk", c.bulkMembers)
	mux.HandleFunc("GET /lists/{name}/admin/members.csv", c.exportCSV)
	mux.HandleFunc("POST /lists/{name}/admin/members/import", c.startImport)
	mux.HandleFunc("GET /lists/{name}/admin/members/import/{job}", c.importPage)
	mux.HandleFunc("GET /lists/{name}/admin/bounces", c.bouncesPage)
	mux.HandleFunc("GET /lists/{name}/admin/history", c.historyPage)
}

// consoleList is the signed-in viewer and the list named in the path;
// false when an answer was sent (sign in first, or page not found).
func (c *consoleMod) consoleList(w http.ResponseWriter, r *http.Request) (Viewer, string, bool) {
	v, ok := c.signedIn(w, r)
	if !ok {
		return v, "", false
	}
	name, ok := listName(r.PathValue("name"))
	if !ok {
		c.notFound(w, r)
		return v, "", false
	}
	return v, name, true
}

// consolePage renders one of these pages with the console's navigation.
func (c *consoleMod) consolePage(w http.ResponseWriter, r *http.Request, v Viewer, status int, name, list, here string, data map[string]any) {
	data["Viewer"] = v.Address
	data["List"] = list
	data["Here"] = here
	data["Roles"] = consoleRoles
	data["Modes"] = consoleModes
	data["Statuses"] = consoleStatuses
	data["Columns"] = listserv.MemberCSVColumns
	if data["Refresh"] == true {
		// The import page reloads itself while the import runs: the
		// Refresh header needs no script (the page's policy forbids it).
		w.Header().Set("Refresh", "2")
	}
	c.page(w, r, status, name, data)
}

// The choices the roster's forms offer.
var (
	consoleRoles    = []string{"member", "facilitator", "moderator", "owner"}
	consoleModes    = []string{"each", "digest", "nomail"}
	consoleStatuses = []listserv.Status{listserv.StatusOK, listserv.StatusBouncing, listserv.StatusDisabled, listserv.StatusWaitlist, listserv.StatusPending, listserv.StatusBanned}
)

// ago says how long ago t was, for people.
func ago(l i18n.Lang, now, t time.Time) string {
	d, cat := now.Sub(t), i18n.Builtin()
	switch {
	case d < 2*time.Minute:
		return cat.T(l, "console_go.just_now")
	case d < 2*time.Hour:
		return cat.N(l, "console_go.minutes_ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return cat.N(l, "console_go.hours_ago", int(d.Hours()))
	}
	return cat.N(l, "console_go.days_ago", int(d.Hours()/24))
}

// newJobID is a 128-bit random name of an import.
func newJobID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

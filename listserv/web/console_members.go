package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"minyan/listserv"
	"minyan/listserv/i18n"
)

// membersPage is GET /lists/NAME/admin/members: the roster as a table,
// searched and filtered (q, role, mode, status, standing), ordered by a
// column (sort, order), 50 people a page (page), with a checkbox a row
// for the changes of many at once (POST .../members/bulk), the forms to
// add and import, the CSV export, and the waitlist in the order seats
// are given.
func (c *consoleMod) membersPage(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	f, page, err := rosterViewValues(r.URL.Query())
	if err != nil {
		c.renderMembers(w, r, v, name, http.StatusBadRequest, rosterView{}, "", c.errText(r, err), nil, nil)
		return
	}
	c.renderMembers(w, r, v, name, http.StatusOK, rosterView{f, page}, "", "", nil, nil)
}

// rosterView is what a roster page shows: the filter with its order, and
// the page.
type rosterView struct {
	f    listserv.RosterFilter
	page int
}

// rosterViewValues reads a roster page's query: the filter
// (rosterFilterValues), sort (a column) and order (asc or desc).
func rosterViewValues(v url.Values) (listserv.RosterFilter, int, error) {
	f, page, err := rosterFilterValues(v)
	if err != nil {
		return f, page, err
	}
	f.Sort = listserv.RosterSort(v.Get("sort"))
	switch v.Get("order") {
	case "", "asc":
	case "desc":
		f.Desc = true
	default:
		return f, page, problem("roster_form.order")
	}
	if err := f.Validate(); err != nil {
		return f, page, err
	}
	return f, page, nil
}

// rosterQuery is the query of a roster page, for links that keep the
// filter and the order ("" for the first page of everyone by name).
func rosterQuery(f listserv.RosterFilter, page int) string {
	q := rosterValues(f, page)
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// rosterValues are the query fields of a roster view.
func rosterValues(f listserv.RosterFilter, page int) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"q": f.Query, "role": string(f.Role), "mode": string(f.Mode), "status": string(f.Status), "standing": string(f.Standing)} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Sort != "" && f.Sort != listserv.SortName {
		q.Set("sort", string(f.Sort))
	}
	if f.Desc {
		q.Set("order", "desc")
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	return q
}

// rosterCol is a column heading of the roster: a link that orders by it
// (the other way round when it is the order already), and its aria-sort.
type rosterCol struct {
	Key, Href string
	Sort      string // ascending | descending | ""
}

// rosterCols are the roster's sortable columns for the view f.
func rosterCols(f listserv.RosterFilter) []rosterCol {
	cur := f.Sort
	if cur == "" {
		cur = listserv.SortName
	}
	cols := make([]rosterCol, 0, len(listserv.RosterSorts))
	for _, by := range listserv.RosterSorts {
		g := f
		g.Sort, g.Desc = by, false
		col := rosterCol{Key: "roster.col." + string(by)}
		if by == cur {
			col.Sort = "ascending"
			if f.Desc {
				col.Sort = "descending"
			}
			g.Desc = !f.Desc
		}
		col.Href = rosterQuery(g, 1)
		if col.Href == "" {
			col.Href = "?"
		}
		cols = append(cols, col)
	}
	return cols
}

// bulkChoice is one choice of the roster's "with the ticked people"
// select: its form value, its text and the change it makes.
type bulkChoice struct {
	Value, Key string
	Change     listserv.MemberChange
}

// bulkChoices are the changes the roster offers for the ticked people.
var bulkChoices = []bulkChoice{
	{"mode-each", "roster.bulk.mode_each", listserv.MemberChange{Action: listserv.ChangeSet, Mode: listserv.ModeEach}},
	{"mode-digest", "roster.bulk.mode_digest", listserv.MemberChange{Action: listserv.ChangeSet, Mode: listserv.ModeDigest}},
	{"mode-nomail", "roster.bulk.mode_nomail", listserv.MemberChange{Action: listserv.ChangeSet, Mode: listserv.ModeNomail}},
	{"role-member", "roster.bulk.role_member", listserv.MemberChange{Action: listserv.ChangeSet, Role: listserv.ListMember}},
	{"role-facilitator", "roster.bulk.role_facilitator", listserv.MemberChange{Action: listserv.ChangeSet, Role: listserv.ListFacilitator}},
	{"role-moderator", "roster.bulk.role_moderator", listserv.MemberChange{Action: listserv.ChangeSet, Role: listserv.ListModerator}},
	{"role-owner", "roster.bulk.role_owner", listserv.MemberChange{Action: listserv.ChangeSet, Role: listserv.ListOwner}},
	{"remove", "roster.bulk.remove", listserv.MemberChange{Action: listserv.ChangeRemove}},
	{"standing-good", "roster.bulk.standing_good", listserv.MemberChange{Action: listserv.ChangeStanding, Good: true}},
	{"standing-not", "roster.bulk.standing_not", listserv.MemberChange{Action: listserv.ChangeStanding, Good: false}},
}

// bulkChoicesFor are the choices offered to v: good standing holds on
// every list, so only a site admin is offered it (the domain refuses it
// to anyone else, person by person).
func bulkChoicesFor(v Viewer) []bulkChoice {
	if v.SiteAdmin {
		return bulkChoices
	}
	return slices.DeleteFunc(slices.Clone(bulkChoices), func(b bulkChoice) bool { return b.Change.Action == listserv.ChangeStanding })
}

// bulkResult is what the page says after a change of many.
type bulkResult struct {
	Changed, Unchanged int
	ChangedAddrs       []string
	// Refused are sentences, one a person, saying why not.
	Refused []string
}

// rosterRoles are the roles the roster's forms offer.
var rosterRoles = []listserv.ListRole{listserv.ListMember, listserv.ListFacilitator, listserv.ListModerator, listserv.ListOwner}

func (c *consoleMod) renderMembers(w http.ResponseWriter, r *http.Request, v Viewer, name string, status int, view rosterView, notice, problem string, rowProblems []string, result *bulkResult) {
	f := view.f
	rp, err := c.d.roster.RosterPageOf(r.Context(), v.Actor(), name, f, view.page)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	l := c.lang(r)
	num := message.NewPrinter(language.Make(string(l)))
	data := map[string]any{"Title": c.t(r, "roster.title", name), "Roster": rp, "Filter": f, "Notice": notice, "Problem": problem,
		"RowProblems": rowProblems, "Filtered": f.Narrows(), "Cols": rosterCols(f), "Actions": bulkChoicesFor(v),
		"Keep": rosterValues(f, rp.Page), "RoleChoices": rosterRoles,
		"Range": i18n.Builtin().T(l, "roster.range", num.Sprint(rp.From), num.Sprint(rp.From+len(rp.Rows)-1), num.Sprint(rp.Matched)),
		"Total": i18n.Builtin().N(l, "roster.total", rp.Total, num.Sprint(rp.Total))}
	if f.Sort != "" && f.Sort != listserv.SortName || f.Desc {
		data["SortKeep"] = f // the search form keeps the order
	}
	if result != nil {
		data["Result"] = result
	}
	if rp.Page > 1 {
		data["Prev"] = rosterQuery(f, rp.Page-1)
		if data["Prev"] == "" {
			data["Prev"] = "?"
		}
	}
	if rp.Page < rp.Pages {
		data["Next"] = rosterQuery(f, rp.Page+1)
	}
	c.consolePage(w, r, v, status, "console-members", name, "members", data)
}

// bulkMembers is POST /lists/NAME/admin/members/bulk: the ticked people
// (email, repeated), the change (action, a bulkChoices value), and the
// roster view to come back to (q, role, mode, status, standing, sort,
// order, page). One ChangeMembers call; the page says who changed and
// who was refused, and why.
func (c *consoleMod) bulkMembers(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	vals, err := postForm(r)
	var view rosterView
	if err == nil {
		view.f, view.page, err = rosterViewValues(vals)
	}
	var form bulkForm
	if err == nil {
		form, err = bulkValues(vals)
	}
	if err != nil {
		c.renderMembers(w, r, v, name, http.StatusBadRequest, view, "", c.t(r, bulkProblem(err)), nil, nil)
		return
	}
	res, err := c.d.roster.ChangeMembers(r.Context(), v.Actor(), name, form.Emails, form.Change)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.renderMembers(w, r, v, name, http.StatusOK, view, "", "", nil, c.bulkView(r, res))
}

// bulkView is what the page says of a ChangeMembers result.
func (c *consoleMod) bulkView(r *http.Request, res listserv.ChangeResult) *bulkResult {
	out := &bulkResult{Changed: res.Changed, Unchanged: res.Unchanged}
	for _, o := range res.Outcomes {
		switch {
		case o.Refused != "":
			out.Refused = append(out.Refused, c.t(r, "roster.refused."+string(o.Refused), o.Address))
		case o.Changed:
			out.ChangedAddrs = append(out.ChangedAddrs, o.Address)
		}
	}
	return out
}

// bulkForm is the roster's change of many, read.
type bulkForm struct {
	Emails []string
	Change listserv.MemberChange
}

// The bulk form's mistakes, as catalogue keys.
var (
	errBulkAction = errors.New("roster.bulk.no_action")
	errBulkNone   = errors.New("roster.bulk.no_one")
	errBulkMany   = errors.New("roster.bulk.too_many")
	errBulkEmail  = errors.New("roster.bulk.bad_address")
)

// bulkProblem is the catalogue key of a bulk form's mistake.
func bulkProblem(err error) string {
	for _, e := range []error{errBulkAction, errBulkNone, errBulkMany, errBulkEmail} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "roster.bad_query"
}

// bulkValues reads the bulk form: action (one of bulkChoices) and the
// ticked addresses (email, at most listserv.MaxChangeMembers).
func bulkValues(v url.Values) (bulkForm, error) {
	var f bulkForm
	i := slices.IndexFunc(bulkChoices, func(b bulkChoice) bool { return b.Value == v.Get("action") })
	if i < 0 {
		return f, errBulkAction
	}
	f.Change = bulkChoices[i].Change
	if len(v["email"]) == 0 {
		return f, errBulkNone
	}
	if len(v["email"]) > listserv.MaxChangeMembers {
		return f, errBulkMany
	}
	for _, e := range v["email"] {
		a, err := cleanEmail(e)
		if err != nil {
			return f, errBulkEmail
		}
		f.Emails = append(f.Emails, a)
	}
	return f, nil
}

// addMembers is POST /lists/NAME/admin/members: email (one, or many
// pasted), optional name, role and mode.
func (c *consoleMod) addMembers(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	vals, err := postForm(r)
	if err != nil {
		c.renderMembers(w, r, v, name, http.StatusBadRequest, rosterView{}, "", c.errText(r, err), nil, nil)
		return
	}
	f, err := addValues(vals)
	if err != nil {
		c.renderMembers(w, r, v, name, http.StatusBadRequest, rosterView{}, "", c.errText(r, err), nil, nil)
		return
	}
	var problems []string
	for _, b := range f.Bad {
		problems = append(problems, c.t(r, "roster.add.not_address", b))
	}
	added := 0
	if len(f.Specs) > 0 {
		res, err := c.d.roster.AddMembers(r.Context(), v.Actor(), name, f.Specs, false)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		for _, x := range res {
			switch {
			case x.Err != nil:
				problems = append(problems, sentence(x.Err.Error()))
			case x.Status == string(listserv.StatusWaitlist):
				problems = append(problems, c.t(r, "roster.add.waitlisted", x.Address))
				added++
			default:
				added++
			}
		}
	}
	status := http.StatusOK
	notice := ""
	if added == 0 {
		status = http.StatusBadRequest
	} else {
		notice = i18n.Builtin().N(c.lang(r), "roster.add.added", added)
	}
	c.renderMembers(w, r, v, name, status, rosterView{}, notice, "", problems, nil)
}

// changeMember is POST /lists/NAME/admin/member: one person (email) and
// action set (role and/or mode), reenable (mode), remove, standing
// (good=true|false) — each the one ChangeMembers of the roster's bulk
// form, for one — or seat or front (the waitlist).
func (c *consoleMod) changeMember(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	vals, err := postForm(r)
	var m memberAction
	if err == nil {
		m, err = memberActionValues(vals)
	}
	back, _, ferr := rosterFilterValues(url.Values{"q": {vals.Get("q")}})
	if ferr != nil {
		back = listserv.RosterFilter{}
	}
	view := rosterView{back, 1}
	if err != nil {
		c.renderMembers(w, r, v, name, http.StatusBadRequest, view, "", c.errText(r, err), nil, nil)
		return
	}
	a, ctx := v.Actor(), r.Context()
	var ch listserv.MemberChange
	var notice string
	switch m.What {
	case "set":
		ch = listserv.MemberChange{Action: listserv.ChangeSet, Role: listserv.ListRole(m.Role), Mode: listserv.Mode(m.Mode)}
		notice = c.t(r, "roster.one.saved", m.Email)
	case "reenable":
		ch = listserv.MemberChange{Action: listserv.ChangeSet, Mode: listserv.Mode(m.Mode)}
		notice = c.t(r, "roster.one.reenabled", m.Email)
	case "remove":
		ch = listserv.MemberChange{Action: listserv.ChangeRemove}
		notice = c.t(r, "roster.one.removed", m.Email)
	case "standing":
		ch = listserv.MemberChange{Action: listserv.ChangeStanding, Good: m.Good}
		notice = c.t(r, "roster.one.standing_good", m.Email)
		if !m.Good {
			notice = c.t(r, "roster.one.standing_not", m.Email)
		}
	case "seat", "front":
		err = c.d.roster.Promote(ctx, a, name, m.Email, m.What == "front")
		notice = c.t(r, "roster.one.seat", m.Email)
		if m.What == "front" {
			notice = c.t(r, "roster.one.front", m.Email)
		}
	}
	if ch.Action != "" {
		var res listserv.ChangeResult
		res, err = c.d.roster.ChangeMembers(ctx, a, name, []string{m.Email}, ch)
		if err == nil && res.Refused > 0 {
			o := res.Outcomes[0]
			status := http.StatusBadRequest
			if errors.Is(o.Err, listserv.ErrForbidden) {
				status = http.StatusForbidden
			}
			c.renderMembers(w, r, v, name, status, view, "", c.t(r, "roster.refused."+string(o.Refused), o.Address), nil, nil)
			return
		}
	}
	if errors.Is(err, listserv.ErrNotFound) {
		c.fail(w, r, err)
		return
	}
	if err != nil {
		c.renderMembers(w, r, v, name, statusFor(err), view, "", c.errText(r, err), nil, nil)
		return
	}
	c.renderMembers(w, r, v, name, http.StatusOK, view, notice, "", nil, nil)
}

// statusFor is the status of a refused change.
func statusFor(err error) int {
	if errors.Is(err, listserv.ErrForbidden) {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// exportCSV is GET /lists/NAME/admin/members.csv: the roster in the
// import's columns.
func (c *consoleMod) exportCSV(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	// Check the right before the first byte, so a refusal is a page.
	if _, err := c.d.roster.RosterPageOf(r.Context(), v.Actor(), name, listserv.RosterFilter{Role: listserv.ListOwner, Sort: listserv.SortAddress}, 1); err != nil {
		c.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`-members.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := c.d.roster.RosterCSV(r.Context(), v.Actor(), name, w); err != nil {
		c.o.Logger.Error("roster export", "list", name, "err", err)
	}
}

// bouncesPage is GET /lists/NAME/admin/bounces: who mail is bouncing
// for, the last error, and a button that turns delivery on again.
func (c *consoleMod) bouncesPage(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	a := v.Actor()
	disabled, err := c.d.roster.RosterPageOf(r.Context(), a, name, listserv.RosterFilter{Status: listserv.StatusDisabled}, 1)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	bouncing, err := c.d.roster.RosterPageOf(r.Context(), a, name, listserv.RosterFilter{Status: listserv.StatusBouncing}, 1)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.consolePage(w, r, v, http.StatusOK, "console-bounces", name, "bounces", map[string]any{
		"Title": "Delivery problems on " + name, "Disabled": disabled, "Bouncing": bouncing})
}

// importJob is one CSV import running in the background; its page
// refreshes itself (no script) until it is done.
type importJob struct {
	list, owner string
	started     time.Time
	bad         []listserv.ImportFailure // rows the file itself got wrong
	warnings    []string
	mu          sync.Mutex
	progress    listserv.ImportProgress
	done        bool
	err         string
}

func (j *importJob) snapshot() (listserv.ImportProgress, bool, string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.progress, j.done, j.err
}

// maxImports bounds the finished imports kept for their pages.
const maxImports = 50

// startImport is POST /lists/NAME/admin/members/import: a CSV file in
// the field `file` (multipart), the command line's format and rules.
// Bad rows are named with their line; the good ones are imported in the
// background, and the person is sent to a page that shows how far it got.
func (c *consoleMod) startImport(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	a := v.Actor()
	// The right first: nobody uploads a file to a list they may not
	// change, and a caucus stays a page not found.
	if _, err := c.d.roster.RosterPageOf(r.Context(), a, name, listserv.RosterFilter{Role: listserv.ListOwner, Sort: listserv.SortAddress}, 1); err != nil {
		c.fail(w, r, err)
		return
	}
	data, err := uploadedCSV(r)
	if err != nil {
		c.renderMembers(w, r, v, name, http.StatusBadRequest, rosterView{}, "", c.errText(r, err), nil, nil)
		return
	}
	job := &importJob{list: name, owner: v.Address, started: c.o.Now()}
	rows, err := listserv.ParseMemberCSV(data, func(line int, msg string) {
		job.bad = append(job.bad, listserv.ImportFailure{Line: line, Problem: msg})
	}, func(msg string) { job.warnings = append(job.warnings, msg) })
	if err != nil {
		c.renderMembers(w, r, v, name, http.StatusBadRequest, rosterView{}, "", c.t(r, "roster.import.failed", err.Error()), nil, nil)
		return
	}
	job.progress.Total = len(rows)
	id := newJobID()
	c.mu.Lock()
	if len(c.imports) >= maxImports {
		c.pruneImports()
	}
	c.imports[id] = job
	c.mu.Unlock()
	go func() {
		p, err := c.d.roster.ImportMembers(context.Background(), a, name, rows, func(p listserv.ImportProgress) {
			job.mu.Lock()
			job.progress = p
			job.mu.Unlock()
		})
		job.mu.Lock()
		job.progress, job.done = p, true
		if err != nil {
			job.err = err.Error()
			c.o.Logger.Error("roster import stopped", "list", name, "by", a.String(), "err", err)
		}
		job.mu.Unlock()
	}()
	http.Redirect(w, r, "/lists/"+name+"/admin/members/import/"+id, http.StatusSeeOther)
}

// pruneImports drops the oldest finished imports (c.mu held).
func (c *consoleMod) pruneImports() {
	for len(c.imports) >= maxImports {
		oldest := ""
		for id, j := range c.imports {
			if _, done, _ := j.snapshot(); done && (oldest == "" || j.started.Before(c.imports[oldest].started)) {
				oldest = id
			}
		}
		if oldest == "" {
			return
		}
		delete(c.imports, oldest)
	}
}

// uploadedCSV reads the `file` field of a multipart form (or a `csv`
// field of pasted text).
func uploadedCSV(r *http.Request) ([]byte, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errors.New("please choose a CSV file to import")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("please choose a CSV file to import")
		}
		if err != nil {
			return nil, errors.New("the upload could not be read (a file of 32 MB at most); please try again")
		}
		if part.FormName() != "file" && part.FormName() != "csv" {
			continue
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, errors.New("the upload could not be read (a file of 32 MB at most); please try again")
		}
		if len(strings.TrimSpace(string(data))) == 0 {
			return nil, errors.New("the file is empty; it needs a header row (" + listserv.MemberCSVColumns + ") and then one row per person")
		}
		return data, nil
	}
}

// importPage is GET /lists/NAME/admin/members/import/ID: how far an
// import has got, refreshing every two seconds until it is done; then
// what it did and every refused row with its line.
func (c *consoleMod) importPage(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	c.mu.Lock()
	job := c.imports[r.PathValue("job")]
	c.mu.Unlock()
	if job == nil || job.list != name || job.owner != v.Address {
		c.notFound(w, r)
		return
	}
	p, done, errText := job.snapshot()
	failures := append(append([]listserv.ImportFailure(nil), job.bad...), p.Failures...)
	sortFailures(failures)
	pct := 100
	if p.Total > 0 {
		pct = p.Done * 100 / p.Total
	}
	title := "Importing into " + name
	if done {
		title = "Import into " + name + " finished"
		if errText != "" {
			title = "Import into " + name + " stopped"
		}
	}
	c.consolePage(w, r, v, http.StatusOK, "console-import", name, "members", map[string]any{
		"Title": title, "Progress": p, "Done": done, "Err": errText, "Percent": pct,
		"Failures": failures, "Warnings": job.warnings, "Refresh": !done})
}

// sortFailures orders refused rows by line.
func sortFailures(f []listserv.ImportFailure) {
	slices.SortStableFunc(f, func(a, b listserv.ImportFailure) int { return a.Line - b.Line })
}

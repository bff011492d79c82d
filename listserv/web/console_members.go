package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"minyan/listserv"
)

// membersPage is GET /lists/NAME/admin/members: the roster, searched and
// filtered (q, role, mode, status, standing), 50 people a page, with the
// forms to add, change, remove, import and export, and the waitlist in
// the order seats are given.
func (c *consoleMod) membersPage(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	f, page, err := rosterFilterValues(r.URL.Query())
	if err != nil {
		c.renderMembers(w, r, v, name, http.StatusBadRequest, listserv.RosterFilter{}, 1, "", sentence(err.Error()), nil)
		return
	}
	c.renderMembers(w, r, v, name, http.StatusOK, f, page, "", "", nil)
}

// rosterNav is the query of a roster page, for links that keep the
// filter.
func rosterQuery(f listserv.RosterFilter, page int) string {
	q := url.Values{}
	for k, v := range map[string]string{"q": f.Query, "role": string(f.Role), "mode": string(f.Mode), "status": string(f.Status), "standing": string(f.Standing)} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func (c *consoleMod) renderMembers(w http.ResponseWriter, r *http.Request, v Viewer, name string, status int, f listserv.RosterFilter, page int, notice, problem string, rowProblems []string) {
	rp, err := c.d.roster.RosterPageOf(r.Context(), v.Actor(), name, f, page)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	data := map[string]any{"Title": "Members of " + name, "Roster": rp, "Filter": f, "Notice": notice, "Problem": problem,
		"RowProblems": rowProblems, "Filtered": f != (listserv.RosterFilter{}),
		// Good standing holds on every list: only site admins set it.
		"MayStanding": v.SiteAdmin}
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

// addMembers is POST /lists/NAME/admin/members: email (one, or many
// pasted), optional name, role and mode.
func (c *consoleMod) addMembers(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	vals, err := postForm(r)
	if err != nil {
		c.renderMembers(w, r, v, name, http.StatusBadRequest, listserv.RosterFilter{}, 1, "", sentence(err.Error()), nil)
		return
	}
	f, err := addValues(vals)
	if err != nil {
		c.renderMembers(w, r, v, name, http.StatusBadRequest, listserv.RosterFilter{}, 1, "", sentence(err.Error()), nil)
		return
	}
	var problems []string
	for _, b := range f.Bad {
		problems = append(problems, fmt.Sprintf("%q is not an email address; nothing was done with it.", b))
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
				problems = append(problems, x.Address+" is on the waitlist: the list is full.")
				added++
			default:
				added++
			}
		}
	}
	status := http.StatusOK
	if added == 0 {
		status = http.StatusBadRequest
	}
	c.renderMembers(w, r, v, name, status, listserv.RosterFilter{}, 1, addedSentence(added), "", problems)
}

func addedSentence(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "Added 1 person."
	}
	return fmt.Sprintf("Added %d people.", n)
}

// changeMember is POST /lists/NAME/admin/member: field email and action
// set (role and/or mode), remove, standing (good=true|false), reenable
// (mode), seat or front (the waitlist).
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
	if err != nil {
		c.renderMembers(w, r, v, name, http.StatusBadRequest, back, 1, "", sentence(err.Error()), nil)
		return
	}
	a, ctx := v.Actor(), r.Context()
	var notice string
	switch m.What {
	case "set":
		role := m.Role
		if role != "" {
			// A moderator may change the mode; a role change is the
			// owners'. An unchanged role is not a change.
			if cur, ok := c.currentRole(ctx, v, name, m.Email); ok && cur == role {
				role = ""
			}
		}
		err = c.d.roster.SetMember(ctx, a, name, m.Email, role, m.Mode)
		notice = "Saved the changes for " + m.Email + "."
	case "reenable":
		err = c.d.roster.SetMember(ctx, a, name, m.Email, "", m.Mode)
		notice = "Delivery to " + m.Email + " is on again."
	case "remove":
		var res []listserv.AddResult
		res, err = c.d.roster.RemoveMembers(ctx, a, name, []string{m.Email})
		if err == nil && len(res) == 1 && res[0].Err != nil {
			err = res[0].Err
		}
		notice = m.Email + " is no longer on the list."
	case "standing":
		err = c.d.roster.SetStanding(ctx, a, name, m.Email, m.Good)
		notice = m.Email + " is marked in good standing."
		if !m.Good {
			notice = m.Email + " is marked as not in good standing."
		}
	case "seat", "front":
		err = c.d.roster.Promote(ctx, a, name, m.Email, m.What == "front")
		notice = m.Email + " has a seat now; we told them."
		if m.What == "front" {
			notice = m.Email + " is first on the waitlist now."
		}
	}
	if errors.Is(err, listserv.ErrNotFound) {
		c.fail(w, r, err)
		return
	}
	if err != nil {
		c.renderMembers(w, r, v, name, statusFor(err), back, 1, "", sentence(err.Error()), nil)
		return
	}
	c.renderMembers(w, r, v, name, http.StatusOK, back, 1, notice, "", nil)
}

// statusFor is the status of a refused change.
func statusFor(err error) int {
	if errors.Is(err, listserv.ErrForbidden) {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// currentRole is the role of addr on the list as the roster shows it.
func (c *consoleMod) currentRole(ctx context.Context, v Viewer, name, addr string) (string, bool) {
	rp, err := c.d.roster.RosterPageOf(ctx, v.Actor(), name, listserv.RosterFilter{Query: addr}, 1)
	if err != nil {
		return "", false
	}
	for _, row := range rp.Rows {
		if row.Address == addr {
			return string(row.Role), true
		}
	}
	return "", false
}

// exportCSV is GET /lists/NAME/admin/members.csv: the roster in the
// import's columns.
func (c *consoleMod) exportCSV(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	// Check the right before the first byte, so a refusal is a page.
	if _, err := c.d.roster.RosterPageOf(r.Context(), v.Actor(), name, listserv.RosterFilter{Role: listserv.ListOwner}, 1); err != nil {
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
	if _, err := c.d.roster.RosterPageOf(r.Context(), a, name, listserv.RosterFilter{Role: listserv.ListOwner}, 1); err != nil {
		c.fail(w, r, err)
		return
	}
	data, err := uploadedCSV(r)
	if err != nil {
		c.renderMembers(w, r, v, name, http.StatusBadRequest, listserv.RosterFilter{}, 1, "", sentence(err.Error()), nil)
		return
	}
	job := &importJob{list: name, owner: v.Address, started: c.o.Now()}
	rows, err := listserv.ParseMemberCSV(data, func(line int, msg string) {
		job.bad = append(job.bad, listserv.ImportFailure{Line: line, Problem: msg})
	}, func(msg string) { job.warnings = append(job.warnings, msg) })
	if err != nil {
		c.renderMembers(w, r, v, name, http.StatusBadRequest, listserv.RosterFilter{}, 1, "", "The file could not be imported: "+err.Error()+".", nil)
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

package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"minyan/digest"
	"minyan/listserv"
	"minyan/store"
)

// Bounds on request bodies: a roster may hold 100,000 people and more.
const (
	maxBody       = 1 << 20
	maxRosterBody = 64 << 20
)

// Options wire the handler.
type Options struct {
	Core   Core
	Clock  listserv.Clock
	Logger *slog.Logger
	// FailLimit failed tokens from one client address within FailWindow
	// make that address wait until the window ends (429).
	FailLimit  int
	FailWindow time.Duration
}

// Handler serves /api/v1/.
func Handler(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = listserv.SystemClock{}
	}
	if o.FailLimit == 0 {
		o.FailLimit = 10
	}
	if o.FailWindow == 0 {
		o.FailWindow = time.Minute
	}
	h := &handler{o: o, core: o.Core, fails: map[string]*failCount{}}
	mux := http.NewServeMux()
	route := func(pattern string, fn func(w http.ResponseWriter, r *http.Request, a listserv.Actor) error) {
		mux.Handle(pattern, h.wrap(fn))
	}
	route("GET /api/v1/lists", h.lists)
	route("POST /api/v1/lists", h.createList)
	route("GET /api/v1/lists/{name}", h.getList)
	route("PATCH /api/v1/lists/{name}", h.patchList)
	route("DELETE /api/v1/lists/{name}", h.deleteList)
	route("GET /api/v1/lists/{name}/members", h.members)
	route("POST /api/v1/lists/{name}/members", h.addMember)
	route("PUT /api/v1/lists/{name}/members", h.syncMembers)
	route("PATCH /api/v1/lists/{name}/members/{addr}", h.patchMember)
	route("DELETE /api/v1/lists/{name}/members/{addr}", h.deleteMember)
	route("GET /api/v1/people/{addr}", h.person)
	route("PATCH /api/v1/people/{addr}", h.patchPerson)
	route("GET /api/v1/lists/{name}/held", h.held)
	route("POST /api/v1/lists/{name}/held/{id}", h.decide)
	route("GET /api/v1/lists/{name}/sessions", h.sessions)
	route("POST /api/v1/lists/{name}/sessions", h.addSessions)
	route("POST /api/v1/lists/{name}/sessions/{id}/rsvp", h.rsvp)
	route("GET /api/v1/lists/{name}/messages", h.messages)
	route("GET /api/v1/search", h.search)
	route("GET /api/v1/lists/{name}/alerts", h.alerts)
	route("GET /api/v1/lists/{name}/alerts/{id}", h.alert)
	route("GET /api/v1/lists/{name}/orgs", h.orgs)
	route("POST /api/v1/lists/{name}/orgs", h.addOrg)
	route("GET /api/v1/lists/{name}/orgs/{org}", h.getOrg)
	route("DELETE /api/v1/lists/{name}/orgs/{org}", h.deleteOrg)
	route("POST /api/v1/lists/{name}/orgs/{org}/delegates", h.addDelegate)
	route("DELETE /api/v1/lists/{name}/orgs/{org}/delegates/{addr}", h.deleteDelegate)
	route("/api/v1/", func(w http.ResponseWriter, r *http.Request, _ listserv.Actor) error {
		return fmt.Errorf("no such endpoint: %s %s: %w", r.Method, r.URL.Path, errNotFound)
	})
	return mux
}

type handler struct {
	o    Options
	core Core

	mu    sync.Mutex
	fails map[string]*failCount
}

type failCount struct {
	n     int
	since time.Time
}

// Errors the adapter itself raises, mapped to statuses by status.
var (
	errNotFound     = errors.New("not found")
	errBadRequest   = errors.New("bad request")
	errUnauthorized = errors.New("unauthorized")
	errReadOnly     = errors.New("this token may only read (its scope is read); make a write token with 'minyan api token create --scope write NAME'")
	errThrottled    = errors.New("too many requests with a wrong token from this address; wait a minute")
	errProfilesOff  = errors.New("this server keeps no profiles")
)

func (h *handler) wrap(fn func(w http.ResponseWriter, r *http.Request, a listserv.Actor) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A JSON body quotes people's and lists' own text: never let a
		// browser sniff it into a page or a script.
		w.Header().Set("X-Content-Type-Options", "nosniff")
		a, err := h.authenticate(r)
		if err == nil {
			err = fn(w, r, a)
		}
		if err != nil {
			h.fail(w, r, err)
		}
	})
}

// clientAddr is the address throttling counts by.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// authenticate checks the request's token first: a valid token always
// passes, even from an address that is throttled (behind a proxy every
// client shares one address, so one stranger's wrong guesses must not
// lock the CRM out). Only failures are counted, per address; an address
// past FailLimit wrong tokens within FailWindow is answered 429 for its
// further failures. The token is looked up by its hash, so the check
// takes the same time whatever the secret.
func (h *handler) authenticate(r *http.Request) (listserv.Actor, error) {
	ip := clientAddr(r)
	now := h.o.Clock.Now()
	secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	secret = strings.TrimSpace(secret)
	var tok store.APIToken
	var err error
	if !ok || secret == "" {
		err = listserv.ErrBadAPIToken
	} else {
		tok, err = h.core.AuthenticateAPIToken(secret)
	}
	if errors.Is(err, listserv.ErrBadAPIToken) {
		if h.failed(ip, now, ok && secret != "") {
			return listserv.Actor{}, errThrottled
		}
		if ok && secret != "" {
			h.o.Logger.Warn("api: wrong token", "client", ip)
		}
		return listserv.Actor{}, fmt.Errorf("%w: %w", errUnauthorized, err)
	}
	if err != nil {
		return listserv.Actor{}, err
	}
	if tok.Scope != store.ScopeWrite && r.Method != http.MethodGet && r.Method != http.MethodHead {
		return listserv.Actor{}, errReadOnly
	}
	return listserv.Actor{Door: listserv.DoorAPI, Operator: true, Via: "token " + tok.Name}, nil
}

// failed records a failed authentication from ip (count: a wrong token
// was presented; a missing one is not counted) and tells whether ip is
// now throttled.
func (h *handler) failed(ip string, now time.Time, count bool) (throttled bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.fails[ip]
	if f != nil && now.Sub(f.since) >= h.o.FailWindow {
		delete(h.fails, ip)
		f = nil
	}
	if f != nil && f.n >= h.o.FailLimit {
		return true
	}
	if !count {
		return false
	}
	if f == nil {
		if len(h.fails) > 10000 {
			clear(h.fails) // bounded memory; a flood resets the counts
		}
		h.fails[ip] = &failCount{n: 1, since: now}
	} else {
		f.n++
	}
	return false
}

// status maps an error to its HTTP status. Domain errors are sentences;
// those the domain marks (or words) as "not found", "already" or
// "forbidden" get 404, 409 and 403; other refusals of valid JSON are 422.
func status(err error) int {
	msg := err.Error()
	switch {
	case errors.Is(err, errUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, errThrottled):
		return http.StatusTooManyRequests
	case errors.Is(err, listserv.ErrSearchBusy), errors.Is(err, listserv.ErrSearchOff):
		return http.StatusServiceUnavailable
	case errors.Is(err, errReadOnly), errors.Is(err, listserv.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, errBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, errNotFound), errors.Is(err, listserv.ErrNotFound), errors.Is(err, store.ErrNotFound),
		strings.HasPrefix(msg, "no list named "), strings.Contains(msg, " is not a member of "),
		strings.HasPrefix(msg, "no person with "), strings.HasPrefix(msg, "no held item"), errors.Is(err, listserv.ErrNoOrg),
		strings.Contains(msg, " is not a delegate of "):
		return http.StatusNotFound
	case errors.Is(err, store.ErrExists), errors.Is(err, listserv.ErrAlreadyDecided),
		strings.Contains(msg, "already exists"), strings.Contains(msg, "is already a member"), errors.Is(err, listserv.ErrSeatsFull):
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := status(err)
	msg := err.Error()
	switch code {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="minyan"`)
		msg = listserv.ErrBadAPIToken.Error()
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(int(h.o.FailWindow/time.Second)))
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "5")
	case http.StatusNotFound:
		msg = strings.TrimSuffix(msg, ": "+errNotFound.Error())
	case http.StatusBadRequest:
		msg = strings.TrimSuffix(msg, ": "+errBadRequest.Error())
	}
	if code == http.StatusUnprocessableEntity && isInternal(err) {
		code, msg = http.StatusInternalServerError, "internal error; see the server log"
		h.o.Logger.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, code, map[string]string{"error": msg})
}

// isInternal tells storage failures from refusals of the request.
func isInternal(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.Canceled) || errors.Is(err, io.ErrUnexpectedEOF)
}

// writeEach answers a listing: each item as conv makes it, an empty
// array for none.
func writeEach[T, J any](w http.ResponseWriter, code int, items []T, conv func(T) J) error {
	out := make([]J, 0, len(items))
	for _, it := range items {
		out = append(out, conv(it))
	}
	writeJSON(w, code, out)
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}

// decode reads one JSON value of at most limit bytes into v, refusing
// unknown fields and trailing data.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	body := http.MaxBytesReader(w, r.Body, limit)
	if err := DecodeBody(body, v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fmt.Errorf("the request body is larger than %d bytes: %w", limit, errBadRequest)
		}
		return err
	}
	return nil
}

// DecodeBody parses one JSON value into v: unknown fields, a second value
// or a wrong type are a 400.
func DecodeBody(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("the request needs a JSON body: %w", errBadRequest)
		}
		return fmt.Errorf("the body is not the JSON expected: %v: %w", err, errBadRequest)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("the body must hold one JSON value: %w", errBadRequest)
	}
	return nil
}

// queryBool reads an optional true/false query parameter.
func queryBool(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("?%s=%q: must be true or false: %w", name, v, errBadRequest)
	}
	return b, nil
}

// JSON shapes.

type listJSON struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Members     *int   `json:"members,omitempty"`
}

type listDetailJSON struct {
	Name        string            `json:"name"`
	Kind        string            `json:"kind"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Settings    map[string]string `json:"settings"`
}

type memberJSON struct {
	Address string `json:"address"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	Mode    string `json:"mode"`
	Status  string `json:"status"`
}

// MemberIn is one member in a request body.
type MemberIn struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
	Role    string `json:"role,omitempty"`
	Mode    string `json:"mode,omitempty"`
}

func detail(l store.List) listDetailJSON {
	set := map[string]string{}
	for _, k := range listserv.SettingNames() {
		set[k] = listserv.SettingValue(&l.Settings, k)
	}
	if set["lapsed_members"] == "" {
		set["lapsed_members"] = listserv.LapseKeep
	}
	return listDetailJSON{Name: l.Name, Kind: string(l.Kind), Title: l.Settings.Title, Description: l.Settings.Description, Settings: set}
}

func entryJSON(e listserv.RosterEntry) memberJSON {
	return memberJSON{Address: e.Address, Name: e.Name, Role: string(e.Role), Mode: string(e.Mode), Status: string(e.Status)}
}

func (h *handler) lists(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	ls, err := h.core.Lists(r.Context(), a)
	if err != nil {
		return err
	}
	return writeEach(w, http.StatusOK, ls, func(l ListSummary) listJSON {
		n := l.Members
		return listJSON{Name: l.List.Name, Kind: string(l.List.Kind), Title: l.List.Settings.Title, Description: l.List.Settings.Description, Members: &n}
	})
}

// CreateListIn is the body of POST /api/v1/lists.
type CreateListIn struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
}

func (h *handler) createList(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	var in CreateListIn
	if err := decode(w, r, maxBody, &in); err != nil {
		return err
	}
	l, err := h.core.CreateList(r.Context(), a, in.Name, in.Kind, in.Title, in.Description)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, detail(l))
	return nil
}

func (h *handler) getList(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	l, err := h.core.GetList(r.Context(), a, r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, detail(l))
	return nil
}

// PatchListIn is the body of PATCH /api/v1/lists/NAME.
type PatchListIn struct {
	Settings map[string]json.RawMessage `json:"settings"`
}

// SettingPairs turns settings given as JSON strings, numbers or booleans
// into KEY=VALUE pairs, in key order.
func (p PatchListIn) SettingPairs() ([]string, error) {
	if len(p.Settings) == 0 {
		return nil, fmt.Errorf(`give the settings to change, e.g. {"settings":{"subscribe":"confirm"}}: %w`, errBadRequest)
	}
	keys := make([]string, 0, len(p.Settings))
	for k := range p.Settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var pairs []string
	for _, k := range keys {
		raw := p.Settings[k]
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("setting %s: %v: %w", k, err, errBadRequest)
		}
		switch t := v.(type) {
		case string:
			pairs = append(pairs, k+"="+t)
		case bool, float64:
			pairs = append(pairs, k+"="+string(raw))
		default:
			return nil, fmt.Errorf("setting %s: give a string, number or true/false: %w", k, errBadRequest)
		}
	}
	return pairs, nil
}

func (h *handler) patchList(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	var in PatchListIn
	if err := decode(w, r, maxBody, &in); err != nil {
		return err
	}
	pairs, err := in.SettingPairs()
	if err != nil {
		return err
	}
	l, err := h.core.SetList(r.Context(), a, r.PathValue("name"), pairs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, detail(l))
	return nil
}

func (h *handler) deleteList(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	if err := h.core.DeleteList(r.Context(), a, r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// rosterStreamer is a Core that can give a roster a page at a time, so
// the API streams it without holding it whole (ServiceCore does).
type rosterStreamer interface {
	EachRosterPage(ctx context.Context, a listserv.Actor, list string, fn func([]listserv.RosterEntry) error) error
}

// members streams the roster: one entry at a time through a buffer, so a
// roster of 100,000 is never built as one JSON document in memory. With
// a rosterStreamer the entries are read a page at a time too.
func (h *handler) members(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	var bw *bufio.Writer
	var enc *json.Encoder
	n := 0
	write := func(entries []listserv.RosterEntry) error {
		if bw == nil {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
			bw = bufio.NewWriterSize(w, 64<<10)
			enc = json.NewEncoder(bw)
			bw.WriteByte('[')
		}
		for _, e := range entries {
			if n > 0 {
				bw.WriteByte(',')
			}
			n++
			if err := enc.Encode(entryJSON(e)); err != nil {
				return errClientGone
			}
		}
		return nil
	}
	var err error
	if rs, ok := h.core.(rosterStreamer); ok {
		err = rs.EachRosterPage(r.Context(), a, r.PathValue("name"), write)
	} else {
		var entries []listserv.RosterEntry
		if entries, err = h.core.Roster(r.Context(), a, r.PathValue("name")); err == nil {
			err = write(entries)
		}
	}
	if bw == nil {
		return err // nothing written yet: the error is the answer
	}
	if err != nil {
		// The status is sent; a cut-off array tells the client it
		// did not get everything.
		if !errors.Is(err, errClientGone) {
			h.o.Logger.Error("roster stream stopped", "list", r.PathValue("name"), "err", err)
		}
		bw.Flush()
		return nil
	}
	bw.WriteString("]\n")
	bw.Flush()
	return nil
}

// errClientGone stops a stream whose client stopped reading.
var errClientGone = errors.New("the client went away")

func (h *handler) addMember(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	var in MemberIn
	if err := decode(w, r, maxBody, &in); err != nil {
		return err
	}
	list := r.PathValue("name")
	if err := h.core.AddMember(r.Context(), a, list, listserv.MemberSpec{Address: in.Address, Name: in.Name, Role: listserv.ListRole(in.Role), Mode: listserv.Mode(in.Mode)}); err != nil {
		return err
	}
	e, err := h.core.Member(r.Context(), a, list, in.Address)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, entryJSON(e))
	return nil
}

// SyncResultJSON answers a roster sync.
type SyncResultJSON struct {
	Added   []string `json:"added"`
	Updated []string `json:"updated"`
	Removed []string `json:"removed"`
	DryRun  bool     `json:"dry_run"`
}

func (h *handler) syncMembers(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	var o listserv.SyncOptions
	var err error
	for name, p := range map[string]*bool{"dry_run": &o.DryRun, "include_roles": &o.IncludeRoles, "include_self_joined": &o.IncludeSelfJoined, "notify": &o.Notify} {
		if *p, err = queryBool(r, name); err != nil {
			return err
		}
	}
	var in []MemberIn
	if err := decode(w, r, maxRosterBody, &in); err != nil {
		return err
	}
	if in == nil {
		return fmt.Errorf("give the whole roster as a JSON array ([] removes everyone a sync may remove): %w", errBadRequest)
	}
	specs := make([]listserv.MemberSpec, len(in))
	for i, m := range in {
		specs[i] = listserv.MemberSpec{Address: m.Address, Name: m.Name, Role: listserv.ListRole(m.Role), Mode: listserv.Mode(m.Mode)}
	}
	res, err := h.core.SyncRoster(r.Context(), a, r.PathValue("name"), specs, o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, SyncResultJSON{Added: nonNil(res.Added), Updated: nonNil(res.Updated), Removed: nonNil(res.Removed), DryRun: o.DryRun})
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// PatchMemberIn is the body of PATCH /api/v1/lists/NAME/members/ADDRESS.
type PatchMemberIn struct {
	Role string `json:"role,omitempty"`
	Mode string `json:"mode,omitempty"`
}

func (h *handler) patchMember(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	var in PatchMemberIn
	if err := decode(w, r, maxBody, &in); err != nil {
		return err
	}
	if in.Role == "" && in.Mode == "" {
		return fmt.Errorf(`give "role" or "mode" to change: %w`, errBadRequest)
	}
	list, addr := r.PathValue("name"), r.PathValue("addr")
	if err := h.core.SetMember(r.Context(), a, list, addr, in.Role, in.Mode); err != nil {
		return err
	}
	e, err := h.core.Member(r.Context(), a, list, addr)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, entryJSON(e))
	return nil
}

func (h *handler) deleteMember(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	if err := h.core.RemoveMember(r.Context(), a, r.PathValue("name"), r.PathValue("addr")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type personJSON struct {
	Address      string           `json:"address"`
	Name         string           `json:"name"`
	GoodStanding bool             `json:"good_standing"`
	Lists        []membershipJSON `json:"lists"`
	Profile      *profileJSON     `json:"profile,omitempty"` // profile.go
}

type membershipJSON struct {
	List   string `json:"list"`
	Role   string `json:"role"`
	Mode   string `json:"mode"`
	Status string `json:"status"`
}

func (h *handler) person(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	p, mbs, err := h.core.Person(r.Context(), a, r.PathValue("addr"))
	if err != nil {
		return err
	}
	out := personJSON{Address: p.Address, Name: p.Name, GoodStanding: p.GoodStanding, Lists: []membershipJSON{}}
	for _, mb := range mbs {
		out.Lists = append(out.Lists, membershipJSON{List: mb.List, Role: string(mb.Role), Mode: string(mb.Mode), Status: string(mb.Status)})
	}
	if out.Profile, err = h.profileOf(r.Context(), a, p.Address); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// PatchPersonIn is the body of PATCH /api/v1/people/ADDRESS.
type PatchPersonIn struct {
	Name         *string `json:"name,omitempty"`
	GoodStanding *bool   `json:"good_standing,omitempty"`
	PatchProfileIn
}

func (h *handler) patchPerson(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	var in PatchPersonIn
	if err := decode(w, r, maxBody, &in); err != nil {
		return err
	}
	pc, err := in.change()
	if err != nil {
		return err
	}
	if in.Name == nil && in.GoodStanding == nil && pc.Empty() {
		return fmt.Errorf(`give "name", "good_standing" or a profile field to change: %w`, errBadRequest)
	}
	if in.Name != nil || in.GoodStanding != nil {
		if err := h.core.SetPerson(r.Context(), a, r.PathValue("addr"), in.Name, in.GoodStanding); err != nil {
			return err
		}
	}
	if err := h.setProfile(r.Context(), a, r.PathValue("addr"), pc); err != nil {
		return err
	}
	return h.person(w, r, a)
}

type heldJSON struct {
	ID       uint64    `json:"id"`
	From     string    `json:"from"`
	Subject  string    `json:"subject"`
	Reason   string    `json:"reason"`
	Received time.Time `json:"received"`
}

func (h *handler) held(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	items, err := h.core.Held(r.Context(), a, r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeEach(w, http.StatusOK, items, func(it store.Held) heldJSON {
		return heldJSON{ID: it.ID, From: it.From, Subject: it.Subject, Reason: it.Reason, Received: it.Received.UTC()}
	})
}

// DecideIn is the body of POST /api/v1/lists/NAME/held/ID.
type DecideIn struct {
	Action string `json:"action"`
	Reason string `json:"reason,omitempty"`
}

func (h *handler) decide(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		return fmt.Errorf("held item %q: %w", r.PathValue("id"), errNotFound)
	}
	var in DecideIn
	if err := decode(w, r, maxBody, &in); err != nil {
		return err
	}
	switch in.Action {
	case "approve", "reject", "discard", "approve_always", "ban":
	default:
		return fmt.Errorf("action %q: must be approve, reject, discard, approve_always or ban", in.Action)
	}
	action := strings.ReplaceAll(in.Action, "_", "-")
	if err := h.core.Decide(r.Context(), a, r.PathValue("name"), id, action, in.Reason); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "action": in.Action})
	return nil
}

type sessionJSON struct {
	ID       uint64         `json:"id"`
	Start    time.Time      `json:"start"`
	Duration string         `json:"duration"`
	Status   string         `json:"status"`
	Topic    string         `json:"topic"`
	Link     string         `json:"link"`
	RSVP     map[string]int `json:"rsvp"`
	// The event parts, present when set.
	AllDay    bool     `json:"all_day,omitempty"`
	Location  string   `json:"location,omitempty"`
	Seats     int      `json:"seats,omitempty"`
	Questions []string `json:"questions,omitempty"`
}

// eventJSON is a session as the API shows it, with its state and its
// answers so far.
func eventJSON(s digest.SessionInfo, state digest.SessionState, rsvp map[string]int) sessionJSON {
	return sessionJSON{ID: s.ID, Start: s.Start.UTC(), Duration: listserv.FormatDuration(s.Duration), Status: string(state),
		Topic: s.Topic, Link: s.Link, RSVP: rsvp, AllDay: s.AllDay, Location: s.Location, Seats: s.Seats, Questions: s.Questions}
}

func (h *handler) sessions(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	ls, err := h.core.Sessions(r.Context(), a, r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeEach(w, http.StatusOK, ls, func(s digest.Listed) sessionJSON {
		return eventJSON(s.SessionInfo, s.State, map[string]int{"yes": s.RSVP.Yes, "no": s.RSVP.No, "maybe": s.RSVP.Maybe})
	})
}

// AddSessionsIn is the body of POST /api/v1/lists/NAME/sessions.
type AddSessionsIn struct {
	Start    string `json:"start"`
	TZ       string `json:"tz,omitempty"`
	Every    string `json:"every,omitempty"`
	Count    int    `json:"count,omitempty"`
	Duration string `json:"duration,omitempty"`
	Link     string `json:"link,omitempty"`
	Topic    string `json:"topic,omitempty"`
	// AllDay, Location, Seats and Questions make an event with
	// registration (see docs/events.md).
	AllDay    bool     `json:"all_day,omitempty"`
	Location  string   `json:"location,omitempty"`
	Seats     int      `json:"seats,omitempty"`
	Questions []string `json:"questions,omitempty"`
}

func (h *handler) addSessions(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	var in AddSessionsIn
	if err := decode(w, r, maxBody, &in); err != nil {
		return err
	}
	var d time.Duration
	if in.Duration != "" {
		var err error
		if d, err = listserv.ParseDuration(in.Duration); err != nil {
			return fmt.Errorf("duration %q: %w", in.Duration, err)
		}
	}
	list := r.PathValue("name")
	added, err := h.core.AddSessions(r.Context(), a, digest.AddRequest{List: list, Zone: in.TZ, Start: in.Start, Every: in.Every,
		Count: in.Count, Duration: d, Link: in.Link, Topic: in.Topic,
		AllDay: in.AllDay, Location: in.Location, Seats: in.Seats, Questions: in.Questions})
	if err != nil {
		return err
	}
	return writeEach(w, http.StatusCreated, added.Sessions, func(s digest.SessionInfo) sessionJSON {
		return eventJSON(s, digest.StateScheduled, map[string]int{"yes": 0, "no": 0, "maybe": 0})
	})
}

// RSVPIn is the body of POST /api/v1/lists/NAME/sessions/ID/rsvp: a
// member's answer, and for a yes their answers to the session's
// questions, in order.
type RSVPIn struct {
	Address string   `json:"address"`
	Answer  string   `json:"answer"`
	Answers []string `json:"answers,omitempty"`
}

func (h *handler) rsvp(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		return fmt.Errorf("session %q: %w", r.PathValue("id"), errNotFound)
	}
	var in RSVPIn
	if err := decode(w, r, maxBody, &in); err != nil {
		return err
	}
	if in.Address == "" {
		return fmt.Errorf("address: give the member's address: %w", errBadRequest)
	}
	out, err := h.core.RSVP(r.Context(), a, r.PathValue("name"), id, in.Address, in.Answer, in.Answers)
	if err != nil {
		return err
	}
	res := map[string]any{"session": id, "address": strings.ToLower(in.Address), "answer": out.Answer, "status": string(out.Standing), "message": out.Sentence()}
	if out.Position > 0 {
		res["waitlist"] = out.Position
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

type messageJSON struct {
	Seq       uint64    `json:"seq"`
	MessageID string    `json:"message_id"`
	From      string    `json:"from"`
	Subject   string    `json:"subject"`
	Date      time.Time `json:"date"`
	Thread    uint64    `json:"thread"`
}

func queryUint(r *http.Request, name string, def, limit uint64) (uint64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || (limit > 0 && n > limit) {
		return 0, fmt.Errorf("?%s=%q: must be a whole number (at most %d): %w", name, v, limit, errBadRequest)
	}
	return n, nil
}

func (h *handler) messages(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	since, err := queryUint(r, "since", 0, 0)
	if err != nil {
		return err
	}
	limit, err := queryUint(r, "limit", 100, 1000)
	if err != nil {
		return err
	}
	ms, err := h.core.Messages(r.Context(), a, r.PathValue("name"), since, int(limit))
	if err != nil {
		return err
	}
	return writeEach(w, http.StatusOK, ms, func(m store.ArchiveMeta) messageJSON {
		return messageJSON{Seq: m.Seq, MessageID: m.MessageID, From: m.From, Subject: m.Subject, Date: m.Date.UTC(), Thread: m.Thread}
	})
}

type hitJSON struct {
	List    string    `json:"list"`
	Seq     uint64    `json:"seq"`
	Subject string    `json:"subject"`
	From    string    `json:"from"`
	Date    time.Time `json:"date"`
	Snippet string    `json:"snippet"`
}

func (h *handler) search(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	q := r.URL.Query().Get("q")
	if strings.TrimSpace(q) == "" {
		return fmt.Errorf("give ?q=WORDS to search for: %w", errBadRequest)
	}
	limit, err := queryUint(r, "limit", 50, 500)
	if err != nil {
		return err
	}
	hits, err := h.core.Search(r.Context(), a, q, int(limit))
	if err != nil {
		return err
	}
	return writeEach(w, http.StatusOK, hits, func(hit listserv.SearchHit) hitJSON {
		var snip strings.Builder
		for _, seg := range hit.Snippet {
			snip.WriteString(seg.Text)
		}
		return hitJSON{List: hit.List, Seq: hit.Seq, Subject: hit.Subject, From: hit.Author, Date: hit.Date.UTC(), Snippet: snip.String()}
	})
}

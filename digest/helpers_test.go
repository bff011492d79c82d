package digest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"minyan/listserv/testkit"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	gomessage "github.com/emersion/go-message"

	"minyan/listserv"
	"minyan/listserv/outbox"
	"minyan/store"
)

// fakeClock is moved by hand; nothing in these tests sleeps.
type fakeClock = testkit.Clock

// logBuf collects log lines for assertions.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type env struct {
	t     testing.TB
	st    *store.Store
	svc   *listserv.Service
	s     *Scheduler
	clock *fakeClock
	logs  *logBuf
}

const domain = "lists.example.org"

func newEnv(t *testing.T, now time.Time) *env { return newEnvAt(t, now) }

// newEnvTB is newEnv for benchmarks, at t0.
func newEnvTB(tb testing.TB) *env { return newEnvAt(tb, t0) }

func newEnvAt(t testing.TB, now time.Time) *env { return openEnvDir(t, t.TempDir(), now) }

// openEnvDir is an env over the store in dir (new or reopened), with its
// clock at now.
func openEnvDir(t testing.TB, dir string, now time.Time) *env {
	t.Helper()
	st, err := store.Open(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := testkit.NewClock(now)
	logs := &logBuf{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	svc := listserv.New(st, listserv.Options{
		Domain: domain, PublicURL: "https://lists.example.org", Clock: clock, Logger: log,
		Defaults: listserv.ServerDefaults{MaxMessageBytes: 10 << 20, Timezone: "America/New_York"},
	})
	s := New(svc, st, Options{Logger: log, Rand: rand.New(rand.NewPCG(1, 2))})
	return &env{t: t, st: st, svc: svc, s: s, clock: clock, logs: logs}
}

// list creates a list with settings and members given as
// "addr[:role[:mode[:name]]]".
func (e *env) list(name, kind string, settings []string, members ...string) store.List {
	e.t.Helper()
	if _, err := e.svc.CreateList(context.Background(), listserv.Operator(listserv.DoorCLI), name, kind, "", ""); err != nil {
		e.t.Fatal(err)
	}
	l, err := e.svc.SetList(context.Background(), listserv.Operator(listserv.DoorCLI), name, append([]string{"title=Study Circle"}, settings...))
	if err != nil {
		e.t.Fatal(err)
	}
	var specs []listserv.MemberSpec
	for _, m := range members {
		f := strings.Split(m, ":")
		sp := listserv.MemberSpec{Address: f[0]}
		if len(f) > 1 {
			sp.Role = listserv.ListRole(f[1])
		}
		if len(f) > 2 {
			sp.Mode = listserv.Mode(f[2])
		}
		if len(f) > 3 {
			sp.Name = f[3]
		}
		specs = append(specs, sp)
	}
	res, err := e.svc.AddMembers(context.Background(), listserv.Operator(listserv.DoorCLI), name, specs, false)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			e.t.Fatal(r.Err)
		}
	}
	return l
}

// archive puts a post straight into a list's archive, archived at at.
func (e *env) archive(list, from, name, subject, msgid, inReplyTo string, at time.Time, body string) uint64 {
	e.t.Helper()
	raw := "From: " + name + " <" + from + ">\r\nTo: " + list + "@" + domain + "\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + msgid + ">\r\nDate: " + at.Format(time.RFC1123Z) + "\r\n"
	if inReplyTo != "" {
		raw += "In-Reply-To: <" + inReplyTo + ">\r\n"
	}
	raw += "Content-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n") + "\r\n"
	var seq uint64
	err := e.st.Update(func(tx *store.Tx) error {
		var err error
		seq, err = tx.Archive(list, store.ArchiveMeta{MessageID: msgid, InReplyTo: inReplyTo, From: from, FromName: name,
			Subject: subject, Date: at, Archived: at}, []byte(raw))
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return seq
}

// run is one scheduler pass at t.
func (e *env) run(t time.Time) time.Time {
	e.t.Helper()
	e.clock.Set(t)
	next, err := e.s.RunDue(context.Background(), t)
	if err != nil {
		e.t.Fatal(err)
	}
	return next
}

// queuedMail is one queued message with its recipients.
type queuedMail struct {
	ID    uint64
	Kind  string
	Rcpts []store.QueuedRcpt
	Raw   []byte
}

func (q queuedMail) addrs() []string {
	var out []string
	for _, r := range q.Rcpts {
		out = append(out, r.Address)
	}
	return out
}

// queued returns everything in the outbound queue, oldest first.
func (e *env) queued() []queuedMail {
	e.t.Helper()
	var out []queuedMail
	idx := map[uint64]int{}
	err := e.st.View(func(tx *store.Tx) error {
		return tx.EachQueued(func(m store.QueuedMessage, r store.QueuedRcpt) error {
			i, ok := idx[m.ID]
			if !ok {
				i = len(out)
				idx[m.ID] = i
				out = append(out, queuedMail{ID: m.ID, Kind: m.Kind})
			}
			out[i].Rcpts = append(out[i].Rcpts, r)
			return nil
		})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range out {
		_, body, err := e.st.QueuedMessage(out[i].ID)
		if err != nil {
			e.t.Fatal(err)
		}
		out[i].Raw = body
	}
	return out
}

func (e *env) ofKind(kind outbox.Kind) []queuedMail {
	var out []queuedMail
	for _, q := range e.queued() {
		if q.Kind == string(kind) {
			out = append(out, q)
		}
	}
	return out
}

func (e *env) jobDone(key string) bool {
	done := false
	e.st.View(func(tx *store.Tx) error {
		done = tx.JobDone(key)
		return nil
	})
	return done
}

// mimePart is a leaf of a parsed message.
type mimePart struct {
	Type   string
	Params map[string]string
	Header gomessage.Header
	Body   []byte
}

// parts walks a message and returns its leaves (message/rfc822 parts are
// leaves too), decoded.
func parts(t testing.TB, raw []byte) (gomessage.Header, []mimePart) {
	t.Helper()
	ent, err := gomessage.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("message does not parse: %v\n%s", err, raw)
	}
	var out []mimePart
	var walk func(e *gomessage.Entity)
	walk = func(e *gomessage.Entity) {
		if mr := e.MultipartReader(); mr != nil {
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("multipart: %v", err)
				}
				walk(p)
			}
		}
		ct, params, _ := mime.ParseMediaType(e.Header.Get("Content-Type"))
		b, err := io.ReadAll(e.Body)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mimePart{Type: ct, Params: params, Header: e.Header, Body: b})
	}
	walk(ent)
	return ent.Header, out
}

// structure is the MIME tree as "multipart/mixed[text/plain,...]".
func structure(t *testing.T, raw []byte) string {
	t.Helper()
	ent, err := gomessage.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(e *gomessage.Entity) string
	walk = func(e *gomessage.Entity) string {
		ct, _, _ := mime.ParseMediaType(e.Header.Get("Content-Type"))
		mr := e.MultipartReader()
		if mr == nil {
			io.Copy(io.Discard, e.Body)
			return ct
		}
		var kids []string
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			kids = append(kids, walk(p))
		}
		return ct + "[" + strings.Join(kids, ",") + "]"
	}
	return walk(ent)
}

// textOf is the first text/plain part.
func textOf(t testing.TB, raw []byte) string {
	t.Helper()
	_, ps := parts(t, raw)
	for _, p := range ps {
		if p.Type == "text/plain" {
			return strings.ReplaceAll(string(p.Body), "\r\n", "\n")
		}
	}
	t.Fatalf("no text/plain part in\n%s", raw)
	return ""
}

// calendarOf parses the text/calendar alternative of a session mail and
// checks its Content-Type method against the object's METHOD.
func calendarOf(t *testing.T, raw []byte) (*ical.Calendar, ical.Event) {
	t.Helper()
	_, ps := parts(t, raw)
	for _, p := range ps {
		if p.Type != "text/calendar" {
			continue
		}
		cal, err := ical.NewDecoder(bytes.NewReader(p.Body)).Decode()
		if err != nil {
			t.Fatalf("calendar part does not parse: %v\n%s", err, p.Body)
		}
		method, _ := cal.Props.Text(ical.PropMethod)
		if p.Params["method"] != method || p.Params["charset"] != "utf-8" {
			t.Errorf("Content-Type params %v, METHOD %s", p.Params, method)
		}
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("%d events", len(evs))
		}
		return cal, evs[0]
	}
	t.Fatalf("no text/calendar part in\n%s", raw)
	return nil, ical.Event{}
}

func mustTime(t *testing.T, zone, local string) time.Time {
	t.Helper()
	at, err := Instant(zone, local)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

package imapd

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"golang.org/x/crypto/bcrypt"
	"log/slog"
	"minyan/listserv/testkit"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"minyan/listserv"
	"minyan/store"
)

// testClock is a clock tests move by hand.
type testClock = testkit.Clock

// testServer is an imapd.Server on loopback over a fresh store.
type testServer struct {
	t     *testing.T
	svc   *listserv.Service
	srv   *Server
	addr  string
	clock *testClock
	// st is the store under svc, for writing what the doors would refuse.
	st *store.Store
}

// startTest starts a server; mutate may change its options (TLS, auth).
func startTest(t testing.TB, mutate func(*Options)) *testServer {
	t.Helper()
	st, err := store.Open(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	clock := testkit.NewClock(time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC))
	svc := listserv.New(st, listserv.Options{
		Domain:    "lists.example.org",
		PublicURL: "http://127.0.0.1",
		Defaults:  listserv.ServerDefaults{MaxMessageBytes: 10 << 20, Timezone: "UTC"},
		Clock:     clock,
		Logger:    slog.New(slog.DiscardHandler),
		// Quick hashes: what is tested is the login, not bcrypt.
		AppPasswordCost: bcrypt.MinCost,
	})
	o := Options{Service: svc, Archive: st, InsecureAuth: true, FailDelay: -1}
	if os.Getenv("MINYAN_TEST_LOG") != "" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if mutate != nil {
		mutate(&o)
	}
	srv := New(o)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	ts := &testServer{svc: svc, srv: srv, addr: ln.Addr().String(), clock: clock, st: st}
	if tt, ok := t.(*testing.T); ok {
		ts.t = tt
	}
	return ts
}

// list creates a list with members ("addr" or "addr:role").
func (ts *testServer) list(t testing.TB, name, kind string, members ...string) {
	t.Helper()
	if _, err := ts.svc.CreateList(context.Background(), listserv.Operator(listserv.DoorCLI), name, kind, "", ""); err != nil {
		t.Fatal(err)
	}
	var specs []listserv.MemberSpec
	for _, m := range members {
		addr, role, _ := strings.Cut(m, ":")
		specs = append(specs, listserv.MemberSpec{Address: addr, Role: listserv.ListRole(role)})
	}
	if len(specs) > 0 {
		if _, err := ts.svc.AddMembers(context.Background(), listserv.Operator(listserv.DoorCLI), name, specs, false); err != nil {
			t.Fatal(err)
		}
	}
}

// password makes an app password.
func (ts *testServer) password(t testing.TB, addr string) string {
	t.Helper()
	pw, err := ts.svc.NewAppPassword(addr)
	if err != nil {
		t.Fatal(err)
	}
	return pw
}

// mboxMsg is one message to import: its From_ date and its text (LF).
type mboxMsg struct {
	at   time.Time
	text string
}

// importMsgs imports messages into a list's archive.
func (ts *testServer) importMsgs(t testing.TB, list string, msgs ...mboxMsg) listserv.ImportResult {
	t.Helper()
	var b bytes.Buffer
	for _, m := range msgs {
		fmt.Fprintf(&b, "From x@example.org %s\n%s\n", m.at.UTC().Format(time.ANSIC), strings.TrimRight(m.text, "\n")+"\n")
	}
	res, err := ts.svc.ImportArchive(context.Background(), list, bytes.NewReader(b.Bytes()), int64(b.Len()), listserv.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unreadable) > 0 {
		t.Fatalf("unreadable test messages: %+v", res.Unreadable)
	}
	return res
}

// dial connects an imapclient (clear text) with an optional handler.
func (ts *testServer) dial(t testing.TB, h *imapclient.UnilateralDataHandler) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(ts.addr, &imapclient.Options{UnilateralDataHandler: h})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// login dials and logs in.
func (ts *testServer) login(t testing.TB, addr, pw string) *imapclient.Client {
	t.Helper()
	c := ts.dial(t, nil)
	if err := c.Login(addr, pw).Wait(); err != nil {
		t.Fatalf("login %s: %v", addr, err)
	}
	return c
}

// imapCode is the response code of an IMAP error ("" if none).
func imapCode(err error) imap.ResponseCode {
	var ie *imap.Error
	if errors.As(err, &ie) {
		return ie.Code
	}
	return ""
}

// testCert makes a self-signed certificate for 127.0.0.1 and a pool that
// trusts it.
func testCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	c, err := testkit.NewCert()
	if err != nil {
		t.Fatal(err)
	}
	return c.TLS, c.Pool
}

// day is a date at noon UTC.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

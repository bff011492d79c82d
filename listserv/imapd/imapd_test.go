package imapd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"minyan/listserv"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-sasl"
)

// The three archived posts most tests read.
var (
	msgCurriculum = mboxMsg{day(2026, 10, 1), `From: Alice Liddell <alice@example.org>
To: team@lists.example.org
Subject: Training curriculum
Date: Thu, 1 Oct 2026 08:00:00 -0400
Message-ID: <curriculum@example.org>

The curriculum draft for the spring sessions.
`}
	msgAgenda = mboxMsg{day(2026, 10, 5), `From: Bob <bob@example.net>
To: team@lists.example.org
Cc: Carol <carol@example.org>
Subject: Agenda attached
Date: Mon, 5 Oct 2026 09:00:00 +0000
Message-ID: <agenda@example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=us-ascii

See the attached file for Thursday.
--b1
Content-Type: application/pdf; name="agenda.pdf"
Content-Disposition: attachment; filename="agenda.pdf"
Content-Transfer-Encoding: base64

` + strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVow\n", 40) + `--b1--
`}
	msgCafe = mboxMsg{day(2026, 10, 10), `From: Carol <carol@example.org>
To: team@lists.example.org
Subject: =?UTF-8?Q?Caf=C3=A9_meeting?=
Date: Sat, 10 Oct 2026 07:00:00 -0400
Message-ID: <cafe@example.org>
In-Reply-To: <curriculum@example.org>
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Rendez-vous au caf=C3=A9 apr=C3=A8s la session.
`}
)

// teamServer is a server with list "team" (alice owner, bob member)
// holding the three posts, and alice's password.
func teamServer(t *testing.T) (*testServer, string) {
	ts := startTest(t, nil)
	ts.list(t, "team", "discussion", "alice@example.org:owner", "bob@example.net")
	ts.importMsgs(t, "team", msgCurriculum, msgAgenda, msgCafe)
	return ts, ts.password(t, "alice@example.org")
}

func TestLogin(t *testing.T) {
	ts, pw := teamServer(t)
	c := ts.dial(t, nil)
	if err := c.Login("alice@example.org", "wrong-password").Wait(); imapCode(err) != imap.ResponseCodeAuthenticationFailed {
		t.Errorf("bad password: %v", err)
	}
	if err := c.Login("nobody@example.org", pw).Wait(); imapCode(err) != imap.ResponseCodeAuthenticationFailed {
		t.Errorf("unknown address: %v", err)
	}
	if err := c.Login("ALICE@example.org", strings.ToUpper(pw)).Wait(); err != nil {
		t.Errorf("good password: %v", err)
	}

	// AUTHENTICATE PLAIN, with an empty authorization identity.
	c2 := ts.dial(t, nil)
	if err := c2.Authenticate(sasl.NewPlainClient("", "alice@example.org", pw)); err != nil {
		t.Errorf("AUTHENTICATE PLAIN: %v", err)
	}
	c3 := ts.dial(t, nil)
	if err := c3.Authenticate(sasl.NewPlainClient("", "alice@example.org", "nope")); err == nil {
		t.Error("AUTHENTICATE PLAIN with a wrong password succeeded")
	}
}

func TestCapabilities(t *testing.T) {
	ts, pw := teamServer(t)
	c := ts.dial(t, nil)
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []imap.Cap{imap.CapIMAP4rev1, imap.CapIMAP4rev2, "AUTH=PLAIN"} {
		if !caps.Has(want) {
			t.Errorf("before login: no %s in %v", want, caps)
		}
	}
	if caps.Has(imap.CapLoginDisabled) || caps.Has(imap.CapStartTLS) {
		t.Errorf("before login on loopback without TLS: %v", caps)
	}
	if err := c.Login("alice@example.org", pw).Wait(); err != nil {
		t.Fatal(err)
	}
	caps, _ = c.Capability().Wait()
	for _, want := range []imap.Cap{imap.CapIdle, imap.CapNamespace, imap.CapESearch, imap.CapListStatus, imap.CapBinary, imap.CapMove} {
		if !caps.Has(want) {
			t.Errorf("after login: no %s in %v", want, caps)
		}
	}
}

func TestLoginNeedsTLSOffLoopback(t *testing.T) {
	cert, pool := testCert(t)
	ts := startTest(t, func(o *Options) {
		o.InsecureAuth = false
		o.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	})
	ts.list(t, "team", "discussion", "alice@example.org")
	pw := ts.password(t, "alice@example.org")

	c := ts.dial(t, nil)
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !caps.Has(imap.CapLoginDisabled) || !caps.Has(imap.CapStartTLS) || caps.Has(imap.Cap("AUTH=PLAIN")) {
		t.Errorf("clear-text caps: %v", caps)
	}
	if err := c.Login("alice@example.org", pw).Wait(); imapCode(err) != imap.ResponseCodePrivacyRequired {
		t.Errorf("clear-text login: %v", err)
	}

	tc, err := imapclient.DialStartTLS(ts.addr, &imapclient.Options{TLSConfig: &tls.Config{RootCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if err := tc.Login("alice@example.org", pw).Wait(); err != nil {
		t.Errorf("login after STARTTLS: %v", err)
	}

	// Implicit TLS on a TLS listener.
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	go ts.srv.Serve(ln)
	ic, err := imapclient.DialTLS(ln.Addr().String(), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	defer ic.Close()
	if err := ic.Login("alice@example.org", pw).Wait(); err != nil {
		t.Errorf("login over implicit TLS: %v", err)
	}
}

func TestLoginThrottle(t *testing.T) {
	ts, pw := teamServer(t)
	c := ts.dial(t, nil)
	for i := 0; i < 6; i++ {
		if err := c.Login("alice@example.org", "guess").Wait(); imapCode(err) != imap.ResponseCodeAuthenticationFailed {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// Locked: even the right password is refused, with a reason.
	err := c.Login("alice@example.org", pw).Wait()
	if imapCode(err) != imap.ResponseCodeUnavailable || !strings.Contains(err.Error(), "too many failed logins") {
		t.Fatalf("locked address: %v", err)
	}
	// Another address from the same IP is not locked yet.
	ts.list(t, "other", "discussion", "dan@example.org")
	dpw := ts.password(t, "dan@example.org")
	if err := ts.dial(t, nil).Login("dan@example.org", dpw).Wait(); err != nil {
		t.Errorf("other address: %v", err)
	}
	// The lock ends with time, and each failure after it doubles it.
	ts.clock.Advance(3 * time.Second)
	if err := c.Login("alice@example.org", "guess").Wait(); imapCode(err) != imap.ResponseCodeAuthenticationFailed {
		t.Fatalf("after the lock: %v", err)
	}
	ts.clock.Advance(3 * time.Second)
	if err := c.Login("alice@example.org", pw).Wait(); imapCode(err) != imap.ResponseCodeUnavailable {
		t.Fatalf("doubled lock: %v", err)
	}
	ts.clock.Advance(2 * time.Second)
	if err := c.Login("alice@example.org", pw).Wait(); err != nil {
		t.Fatalf("after the doubled lock: %v", err)
	}

	// Per IP: 20 failures over many addresses lock the IP.
	for i := 0; i < 20; i++ {
		ts.dial(t, nil).Login("x"+strings.Repeat("y", i)+"@example.org", "guess").Wait()
	}
	if err := ts.dial(t, nil).Login("dan@example.org", dpw).Wait(); imapCode(err) != imap.ResponseCodeUnavailable {
		t.Errorf("locked IP: %v", err)
	}
	ts.clock.Advance(time.Hour)
	if err := ts.dial(t, nil).Login("dan@example.org", dpw).Wait(); err != nil {
		t.Errorf("after the IP lock: %v", err)
	}
}

func TestListAndPrivacy(t *testing.T) {
	ts := startTest(t, nil)
	ts.list(t, "announce", "announce")                // public
	ts.list(t, "caucus", "caucus", "bea@example.org") // members only, hidden
	ts.list(t, "owners", "discussion", "olga@example.org:owner", "bea@example.org")
	ts.svc.SetList(context.Background(), listserv.Operator(listserv.DoorCLI), "owners", []string{"archive=owners"})
	ts.list(t, "closed", "discussion", "olga@example.org:owner")
	ts.svc.SetList(context.Background(), listserv.Operator(listserv.DoorCLI), "closed", []string{"archive=off"})
	ts.svc.SetList(context.Background(), listserv.Operator(listserv.DoorCLI), "caucus", []string{"archive=public"}) // still hidden from outsiders

	names := func(c *imapclient.Client) string {
		ls, err := c.List("", "*", nil).Collect()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range ls {
			out = append(out, l.Mailbox)
		}
		return strings.Join(out, ",")
	}
	bea := ts.login(t, "bea@example.org", ts.password(t, "bea@example.org"))
	olga := ts.login(t, "olga@example.org", ts.password(t, "olga@example.org"))
	out := ts.login(t, "out@example.org", ts.password(t, "out@example.org"))
	if got := names(bea); got != "INBOX,announce,caucus" {
		t.Errorf("member sees %s", got)
	}
	if got := names(olga); got != "INBOX,announce,owners" {
		t.Errorf("owner sees %s", got)
	}
	if got := names(out); got != "INBOX,announce" {
		t.Errorf("outsider sees %s", got)
	}
	// A hidden mailbox answers exactly like one that does not exist.
	for _, name := range []string{"caucus", "nosuchlist"} {
		_, errSel := out.Select(name, nil).Wait()
		_, errSt := out.Status(name, &imap.StatusOptions{NumMessages: true}).Wait()
		_, errEx := out.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait()
		for _, err := range []error{errSel, errSt, errEx} {
			if imapCode(err) != imap.ResponseCodeNonExistent || !strings.Contains(err.Error(), `no mailbox named "`+name+`"`) {
				t.Errorf("%s for an outsider: %v", name, err)
			}
		}
	}
	if ls, _ := out.List("", "cau%", nil).Collect(); len(ls) != 0 {
		t.Errorf("pattern finds the caucus: %+v", ls)
	}
	// Patterns, INBOX case, the delimiter query, LSUB, LIST-STATUS.
	if ls, _ := bea.List("", "inbox", nil).Collect(); len(ls) != 1 || ls[0].Mailbox != "INBOX" {
		t.Errorf("inbox pattern: %+v", ls)
	}
	if ls, _ := bea.List("", "", nil).Collect(); len(ls) != 1 || ls[0].Delim != '/' {
		t.Errorf("delimiter: %+v", ls)
	}
	if ls, _ := bea.List("", "*", &imap.ListOptions{SelectSubscribed: true}).Collect(); len(ls) != 3 {
		t.Errorf("subscribed: %+v", ls)
	}
	ls, err := bea.List("", "c*", &imap.ListOptions{ReturnStatus: &imap.StatusOptions{NumMessages: true, UIDValidity: true}}).Collect()
	if err != nil || len(ls) != 1 || ls[0].Status == nil || *ls[0].Status.NumMessages != 0 || ls[0].Status.UIDValidity == 0 {
		t.Errorf("LIST-STATUS: %+v %v", ls, err)
	}
	// Losing the membership hides the list at once.
	ts.svc.RemoveMembers(context.Background(), listserv.Operator(listserv.DoorCLI), "caucus", []string{"bea@example.org"})
	if got := names(bea); got != "INBOX,announce" {
		t.Errorf("after removal: %s", got)
	}
}

func TestSelectAndStatus(t *testing.T) {
	ts, pw := teamServer(t)
	c := ts.login(t, "alice@example.org", pw)
	l, _ := ts.svc.GetList("team")
	for _, ro := range []bool{false, true} {
		d, err := c.Select("team", &imap.SelectOptions{ReadOnly: ro}).Wait()
		if err != nil {
			t.Fatal(err)
		}
		if d.NumMessages != 3 || d.UIDNext != 4 || d.UIDValidity != l.UIDValidity || !reflect.DeepEqual(d.Flags, []imap.Flag{imap.FlagSeen}) || len(d.PermanentFlags) != 0 {
			t.Errorf("select (read-only %v): %+v", ro, d)
		}
	}
	st, err := c.Status("team", &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true, NumUnseen: true, Size: true, NumDeleted: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if *st.NumMessages != 3 || st.UIDNext != 4 || st.UIDValidity != l.UIDValidity || *st.NumUnseen != 0 || *st.Size < 2000 || *st.NumDeleted != 0 {
		t.Errorf("status %+v size %d", st, *st.Size)
	}
	d, err := c.Select("inbox", nil).Wait()
	if err != nil || d.NumMessages != 0 || d.UIDNext != 1 || d.UIDValidity == 0 {
		t.Errorf("INBOX: %+v %v", d, err)
	}
	if msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{UID: true}).Collect(); err != nil || len(msgs) != 0 {
		t.Errorf("fetch in INBOX: %v %v", msgs, err)
	}
	ns, err := c.Namespace().Wait()
	if err != nil || len(ns.Personal) != 1 || ns.Personal[0].Delim != '/' {
		t.Errorf("namespace: %+v %v", ns, err)
	}
}

func TestFetch(t *testing.T) {
	ts, pw := teamServer(t)
	c := ts.login(t, "alice@example.org", pw)
	if _, err := c.Select("team", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	hdr := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Subject", "Message-ID"}, Peek: true}
	part1 := &imap.FetchItemBodySection{Part: []int{1}, Peek: true}
	partial := &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 6, Size: 5}}
	text := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierText}
	msgs, err := c.Fetch(imap.SeqSetNum(1, 2, 3), &imap.FetchOptions{
		UID: true, Flags: true, InternalDate: true, RFC822Size: true, Envelope: true,
		BodyStructure: &imap.FetchItemBodyStructure{Extended: true},
		BodySection:   []*imap.FetchItemBodySection{hdr, part1, partial, text},
	}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 {
		t.Fatalf("%d messages", len(msgs))
	}
	m1, m2, m3 := msgs[0], msgs[1], msgs[2]
	if m1.UID != 1 || m2.UID != 2 || m3.UID != 3 || m2.SeqNum != 2 {
		t.Errorf("numbers: %d %d %d", m1.UID, m2.UID, m3.UID)
	}
	if !reflect.DeepEqual(m1.Flags, []imap.Flag{imap.FlagSeen}) || !m1.InternalDate.Equal(msgCurriculum.at) {
		t.Errorf("flags/date: %v %v", m1.Flags, m1.InternalDate)
	}
	if m1.Envelope.Subject != "Training curriculum" || m1.Envelope.From[0].Name != "Alice Liddell" || m1.Envelope.From[0].Host != "example.org" ||
		m1.Envelope.MessageID != "curriculum@example.org" || m3.Envelope.Subject != "Café meeting" || m3.Envelope.InReplyTo[0] != "curriculum@example.org" ||
		len(m2.Envelope.Cc) != 1 {
		t.Errorf("envelopes: %+v / %+v / %+v", m1.Envelope, m2.Envelope, m3.Envelope)
	}
	mp, ok := m2.BodyStructure.(*imap.BodyStructureMultiPart)
	if !ok || mp.Subtype != "mixed" || len(mp.Children) != 2 || mp.Children[1].(*imap.BodyStructureSinglePart).Type != "application" {
		t.Errorf("bodystructure %#v", m2.BodyStructure)
	}
	if sp, ok := m1.BodyStructure.(*imap.BodyStructureSinglePart); !ok || sp.Type != "text" || sp.Subtype != "plain" {
		t.Errorf("bodystructure 1 %#v", m1.BodyStructure)
	}
	if got := string(m1.FindBodySection(hdr)); got != "Subject: Training curriculum\r\nMessage-ID: <curriculum@example.org>\r\n\r\n" {
		t.Errorf("header fields %q", got)
	}
	if got := string(m2.FindBodySection(part1)); got != "See the attached file for Thursday." {
		t.Errorf("part 1 %q", got)
	}
	if got := string(m1.FindBodySection(partial)); got != "Alice" {
		t.Errorf("partial %q", got)
	}
	if got := string(m1.FindBodySection(text)); got != "The curriculum draft for the spring sessions.\r\n" {
		t.Errorf("text %q", got)
	}
	// BINARY decodes the attachment's base64.
	bin := &imap.FetchItemBinarySection{Part: []int{2}, Peek: true}
	bm, err := c.Fetch(imap.SeqSetNum(2), &imap.FetchOptions{BinarySection: []*imap.FetchItemBinarySection{bin}}).Collect()
	if err != nil || len(bm) != 1 || string(bm[0].FindBinarySection(bin)) != strings.Repeat("ABCDEFGHIJKLMNOPQRSTUVWXYZ0", 40) {
		t.Errorf("BINARY[2]: %v", err)
	}
	// RFC822.SIZE is the exact size of BODY[].
	full, err := c.Fetch(imap.SeqSetNum(2), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}, RFC822Size: true}).Collect()
	if err != nil || int64(len(full[0].BodySection[0].Bytes)) != full[0].RFC822Size || !bytes.HasPrefix(full[0].BodySection[0].Bytes, []byte("From: Bob")) {
		t.Errorf("BODY[]: %v", err)
	}

	// UID ranges; numbers past the end name nothing. (go-imap's client
	// drops answers to "*", "9:*" and reversed ranges it cannot match
	// itself, so those are in TestRawConversation.)
	uids := func(set imap.NumSet) []imap.UID {
		msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true, Flags: true}).Collect()
		if err != nil {
			t.Fatal(err)
		}
		var out []imap.UID
		for _, m := range msgs {
			out = append(out, m.UID)
		}
		return out
	}
	for _, tc := range []struct {
		set  imap.NumSet
		want []imap.UID
	}{
		{imap.UIDSet{{Start: 2, Stop: 0}}, []imap.UID{2, 3}},
		{imap.UIDSet{{Start: 4, Stop: 8}}, nil},
		{imap.SeqSet{{Start: 1, Stop: 3}, {Start: 2, Stop: 2}}, []imap.UID{1, 2, 3}},
		{imap.SeqSetNum(7), nil},
	} {
		if got := uids(tc.set); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.set, got, tc.want)
		}
	}
}

func TestSearch(t *testing.T) {
	ts, pw := teamServer(t)
	c := ts.login(t, "alice@example.org", pw)
	if _, err := c.Select("team", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for name, tc := range map[string]struct {
		c    imap.SearchCriteria
		want string
	}{
		"all":           {imap.SearchCriteria{}, "1:3"},
		"from":          {imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "From", Value: "ALICE"}}}, "1"},
		"from name":     {imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "From", Value: "liddell"}}}, "1"},
		"subject":       {imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: "agenda"}}}, "2"},
		"subject utf-8": {imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: "café"}}}, "3"},
		"cc":            {imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Cc", Value: "carol"}}}, "2"},
		"header exists": {imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "In-Reply-To", Value: ""}}}, "3"},
		"text":          {imap.SearchCriteria{Text: []string{"curriculum"}}, "1,3"}, // 3 replies to <curriculum@...>
		"text body":     {imap.SearchCriteria{Text: []string{"thursday"}}, "2"},
		"body":          {imap.SearchCriteria{Body: []string{"spring"}}, "1"},
		"body decoded":  {imap.SearchCriteria{Body: []string{"CAFÉ APRÈS"}}, "3"},
		"body not hdr":  {imap.SearchCriteria{Body: []string{"agenda"}}, ""},
		"since":         {imap.SearchCriteria{Since: date(2026, 10, 5)}, "2:3"},
		"before":        {imap.SearchCriteria{Before: date(2026, 10, 5)}, "1"},
		"on":            {imap.SearchCriteria{Since: date(2026, 10, 10), Before: date(2026, 10, 11)}, "3"},
		"sentbefore":    {imap.SearchCriteria{SentBefore: date(2026, 10, 5)}, "1"},
		"sentsince":     {imap.SearchCriteria{SentSince: date(2026, 10, 6)}, "3"},
		"uid range":     {imap.SearchCriteria{UID: []imap.UIDSet{{{Start: 2, Stop: 0}}}}, "2:3"},
		"seq range":     {imap.SearchCriteria{SeqNum: []imap.SeqSet{{{Start: 1, Stop: 2}}}}, "1:2"},
		"larger":        {imap.SearchCriteria{Larger: 1000}, "2"},
		"smaller":       {imap.SearchCriteria{Smaller: 1000}, "1,3"},
		"seen":          {imap.SearchCriteria{Flag: []imap.Flag{imap.FlagSeen}}, "1:3"},
		"unseen":        {imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, ""},
		"flagged":       {imap.SearchCriteria{Flag: []imap.Flag{imap.FlagFlagged}}, ""},
		"not":           {imap.SearchCriteria{Not: []imap.SearchCriteria{{Header: []imap.SearchCriteriaHeaderField{{Key: "From", Value: "alice"}}}}}, "2:3"},
		"or": {imap.SearchCriteria{Or: [][2]imap.SearchCriteria{{
			{Header: []imap.SearchCriteriaHeaderField{{Key: "From", Value: "alice"}}},
			{Header: []imap.SearchCriteriaHeaderField{{Key: "From", Value: "carol"}}},
		}}}, "1,3"},
		"and": {imap.SearchCriteria{Text: []string{"curriculum"}, UID: []imap.UIDSet{{{Start: 3, Stop: 3}}}}, "3"},
	} {
		d, err := c.UIDSearch(&tc.c, nil).Wait()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := d.All.String(); got != tc.want {
			t.Errorf("%s: UIDs %q, want %q", name, got, tc.want)
		}
		ds, err := c.Search(&tc.c, nil).Wait()
		if err != nil || ds.All.String() != tc.want { // UIDs are sequence numbers here
			t.Errorf("%s: seq %v %v", name, ds.All, err)
		}
	}
	// ESEARCH with MIN/MAX/COUNT, and SEARCHRES ($) reused by FETCH.
	d, err := c.UIDSearch(&imap.SearchCriteria{Since: date(2026, 10, 5)}, &imap.SearchOptions{ReturnMin: true, ReturnMax: true, ReturnCount: true, ReturnSave: true}).Wait()
	if err != nil || d.Min != 2 || d.Max != 3 || d.Count != 2 {
		t.Errorf("ESEARCH: %+v %v", d, err)
	}
}

func TestWritesRefused(t *testing.T) {
	ts, pw := teamServer(t)
	c := ts.login(t, "alice@example.org", pw)
	if _, err := c.Select("team", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	one := imap.SeqSetNum(1)
	msg := []byte("Subject: x\r\n\r\nhello\r\n")
	app := c.Append("team", int64(len(msg)), nil)
	app.Write(msg)
	app.Close()
	_, appErr := app.Wait()
	_, copyErr := c.Copy(one, "INBOX").Wait()
	_, moveErr := c.Move(one, "INBOX").Wait()
	for name, err := range map[string]error{
		"STORE":       c.Store(one, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(),
		"COPY":        copyErr,
		"MOVE":        moveErr,
		"APPEND":      appErr,
		"EXPUNGE":     c.Expunge().Close(),
		"UID EXPUNGE": c.UIDExpunge(imap.UIDSetNum(1)).Close(),
		"CREATE":      c.Create("new", nil).Wait(),
		"DELETE":      c.Delete("team").Wait(),
		"RENAME":      c.Rename("team", "other", nil).Wait(),
		"UNSUBSCRIBE": c.Unsubscribe("team").Wait(),
	} {
		if imapCode(err) != imap.ResponseCodeNoPerm || !strings.Contains(err.Error(), "read-only") && !strings.Contains(err.Error(), "cannot be created") && !strings.Contains(err.Error(), "subscribed") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := c.Subscribe("team").Wait(); err != nil {
		t.Errorf("SUBSCRIBE: %v", err)
	}
	// Nothing changed.
	d, err := c.Status("team", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || *d.NumMessages != 3 {
		t.Errorf("after the refusals: %+v %v", d, err)
	}
	// CLOSE must succeed (go-imap calls Expunge for it).
	if err := c.UnselectAndExpunge().Wait(); err != nil {
		t.Errorf("CLOSE: %v", err)
	}
}

// TestCloseWriter keeps isCloseWriter honest across go-imap upgrades: it
// reads a private field of ExpungeWriter.
func TestCloseWriter(t *testing.T) {
	if !isCloseWriter(&imapserver.ExpungeWriter{}) {
		t.Error("the ExpungeWriter of CLOSE is not recognised")
	}
	if _, ok := reflect.TypeOf(imapserver.ExpungeWriter{}).FieldByName("conn"); !ok {
		t.Error("imapserver.ExpungeWriter has no conn field any more: revisit Session.Expunge")
	}
}

func TestIdleSeesNewPosts(t *testing.T) {
	ts, pw := teamServer(t)
	exists := make(chan uint32, 10)
	c := ts.dial(t, &imapclient.UnilateralDataHandler{Mailbox: func(d *imapclient.UnilateralDataMailbox) {
		if d.NumMessages != nil {
			exists <- *d.NumMessages
		}
	}})
	if err := c.Login("alice@example.org", pw).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("team", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	ts.importMsgs(t, "team",
		mboxMsg{day(2026, 11, 1), "From: d@example.org\nSubject: new one\nMessage-ID: <n1@example.org>\n\nhi\n"},
		mboxMsg{day(2026, 11, 1), "From: d@example.org\nSubject: new two\nMessage-ID: <n2@example.org>\n\nhi\n"})
	select {
	case n := <-exists:
		if n != 5 {
			t.Errorf("EXISTS %d, want 5", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no EXISTS during IDLE")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSet{{Start: 4, Stop: 0}}, &imap.FetchOptions{UID: true, Envelope: true}).Collect()
	if err != nil || len(msgs) != 2 || msgs[1].Envelope.Subject != "new two" || msgs[1].UID != 5 {
		t.Errorf("new posts: %+v %v", msgs, err)
	}

	// Without IDLE, the next command brings EXISTS.
	ts.importMsgs(t, "team", mboxMsg{day(2026, 11, 2), "From: d@example.org\nSubject: three\nMessage-ID: <n3@example.org>\n\nhi\n"})
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-exists:
		if n != 6 {
			t.Errorf("EXISTS %d after NOOP", n)
		}
	case <-time.After(5 * time.Second):
		t.Error("no EXISTS after NOOP")
	}
}

func TestDeletedListSaysBye(t *testing.T) {
	ts, pw := teamServer(t)
	c := ts.login(t, "alice@example.org", pw)
	if _, err := c.Select("team", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := ts.svc.DeleteList(context.Background(), listserv.Operator(listserv.DoorCLI), "team"); err != nil {
		t.Fatal(err)
	}
	_, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Envelope: true}).Collect()
	if err == nil {
		t.Error("fetch from a deleted list succeeded")
	}
	select {
	case <-c.Closed():
	case <-time.After(5 * time.Second):
		t.Error("the connection stayed open after the list was deleted")
	}
}

// rawConn is a scripted IMAP conversation over a plain connection,
// independent of go-imap's client.
// dialRaw opens a raw connection to the test server (closed when the
// test ends) and reads its greeting.
func dialRaw(t *testing.T, ts *testServer) (r *rawConn, greeting string) {
	t.Helper()
	conn, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	r = &rawConn{t: t, c: conn, br: bufio.NewReader(conn)}
	return r, r.until("* OK")
}

type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func (r *rawConn) send(line string) {
	r.t.Helper()
	r.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.c.Write([]byte(line + "\r\n")); err != nil {
		r.t.Fatal(err)
	}
}

// until reads lines (literals included, as raw text) up to the one
// starting with prefix and returns everything read.
func (r *rawConn) until(prefix string) string {
	r.t.Helper()
	var all strings.Builder
	for {
		r.c.SetDeadline(time.Now().Add(10 * time.Second))
		line, err := r.br.ReadString('\n')
		all.WriteString(line)
		if err != nil {
			r.t.Fatalf("waiting for %q: %v after:\n%s", prefix, err, all.String())
		}
		if strings.HasPrefix(line, prefix) {
			return all.String()
		}
	}
}

// cmd sends a tagged command and returns the response, checking the tag
// answered OK.
func (r *rawConn) cmd(tag, line string) string {
	r.t.Helper()
	r.send(tag + " " + line)
	out := r.until(tag + " ")
	if !strings.Contains(out, "\r\n"+tag+" OK") && !strings.HasPrefix(out, tag+" OK") {
		r.t.Errorf("%s: not OK:\n%s", line, out)
	}
	return out
}

func TestRawConversation(t *testing.T) {
	ts, pw := teamServer(t)
	r, g := dialRaw(t, ts)
	if !strings.Contains(g, "IMAP4rev1") {
		t.Errorf("greeting %q", g)
	}
	// LOGIN with a synchronizing literal for the password.
	r.send("a1 LOGIN alice@example.org {" + strconv.Itoa(len(pw)) + "}")
	r.until("+")
	r.send(pw)
	if out := r.until("a1 "); !strings.HasPrefix(strings.TrimSpace(out[strings.LastIndex(out, "a1 "):]), "a1 OK") {
		t.Fatalf("literal login: %s", out)
	}
	out := r.cmd("a2", `LIST "" "*"`)
	if !strings.Contains(out, `* LIST (\HasNoChildren) "/" INBOX`) || !strings.Contains(out, `* LIST (\HasNoChildren) "/" "team"`) {
		t.Errorf("LIST:\n%s", out)
	}
	out = r.cmd("a3", "EXAMINE team")
	for _, want := range []string{"* 3 EXISTS", "* OK [UIDVALIDITY ", "* OK [UIDNEXT 4]", `* FLAGS (\Seen)`, "* OK [PERMANENTFLAGS ()]", "a3 OK [READ-ONLY]"} {
		if !strings.Contains(out, want) {
			t.Errorf("EXAMINE lacks %q:\n%s", want, out)
		}
	}
	out = r.cmd("a4", "FETCH 1:* FAST")
	if strings.Count(out, "FETCH (") != 3 || !strings.Contains(out, `FLAGS (\Seen)`) || !strings.Contains(out, "INTERNALDATE \" 1-Oct-2026 12:00:00 +0000\"") {
		t.Errorf("FETCH FAST:\n%s", out)
	}
	out = r.cmd("a5", "UID FETCH 1 (BODY.PEEK[HEADER.FIELDS.NOT (To Date Message-ID From)])")
	if !strings.Contains(out, "Subject: Training curriculum\r\n\r\n") || strings.Contains(out, "To: ") {
		t.Errorf("HEADER.FIELDS.NOT:\n%s", out)
	}
	out = r.cmd("a6", "FETCH 3 (BODY[TEXT]<0.11>)")
	if !strings.Contains(out, "BODY[TEXT]<0> {11}\r\nRendez-vous") {
		t.Errorf("partial:\n%s", out)
	}
	// SEARCH with a charset and a literal argument.
	r.send("a7 UID SEARCH CHARSET UTF-8 SUBJECT {5}")
	r.until("+")
	r.send("café")
	if out := r.until("a7 "); !strings.Contains(out, "* SEARCH 3\r\n") {
		t.Errorf("SEARCH CHARSET literal:\n%s", out)
	}
	out = r.cmd("a8", "SEARCH OR FROM bob SINCE 10-Oct-2026 NOT UID 1")
	if !strings.Contains(out, "* SEARCH 2 3\r\n") {
		t.Errorf("SEARCH OR:\n%s", out)
	}
	// "*", n:* past the end, reversed ranges, and a saved result ($).
	for i, step := range []struct{ cmd, want string }{
		{"UID FETCH 9:* (FLAGS)", "* 3 FETCH (UID 3 FLAGS (\\Seen))\r\n"},
		{"FETCH * (UID)", "* 3 FETCH (UID 3)\r\n"},
		{"FETCH 3:2,1 (UID)", "* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2)\r\n* 3 FETCH (UID 3)\r\n"},
		{"UID FETCH 4:8 (UID)", ""},
		{"SEARCH RETURN (SAVE ALL) 2:*", "* ESEARCH (TAG \"s4\") ALL 2:3\r\n"},
		{"FETCH $ (UID)", "* 2 FETCH (UID 2)\r\n* 3 FETCH (UID 3)\r\n"},
	} {
		tag := "s" + strconv.Itoa(i)
		out := r.cmd(tag, step.cmd)
		if got := strings.TrimSuffix(out, out[strings.LastIndex(out, tag+" "):]); got != step.want {
			t.Errorf("%s: got\n%q\nwant\n%q", step.cmd, got, step.want)
		}
	}
	out = r.cmd("a9", "STATUS team (MESSAGES UIDNEXT UNSEEN RECENT)")
	if !strings.Contains(out, "* STATUS \"team\" (MESSAGES 3 UIDNEXT 4 UNSEEN 0 RECENT 0)") {
		t.Errorf("STATUS:\n%s", out)
	}
	r.send("b1 STORE 1 +FLAGS (\\Deleted)")
	if out := r.until("b1 "); !strings.Contains(out, "b1 NO [NOPERM]") {
		t.Errorf("STORE:\n%s", out)
	}
	r.send("b2 FROB")
	if out := r.until("b2 "); !strings.Contains(out, "b2 BAD") {
		t.Errorf("unknown command:\n%s", out)
	}
	if out := r.cmd("b3", "ENABLE IMAP4rev2"); !strings.Contains(out, "* ENABLED IMAP4rev2") {
		t.Errorf("ENABLE:\n%s", out)
	}
	out = r.cmd("b4", "UID SEARCH FROM carol")
	if !strings.Contains(out, "* ESEARCH (TAG \"b4\") UID ALL 3") {
		t.Errorf("ESEARCH under IMAP4rev2:\n%s", out)
	}
	// IDLE: a post arrives, EXISTS follows, DONE ends it.
	r.send("b5 IDLE")
	r.until("+ ")
	ts.importMsgs(t, "team", mboxMsg{day(2026, 11, 3), "From: e@example.org\nSubject: during idle\nMessage-ID: <idle@example.org>\n\nhi\n"})
	r.until("* 4 EXISTS")
	r.send("DONE")
	r.until("b5 OK")
	r.cmd("b6", "CLOSE")
	r.send("b7 LOGOUT")
	r.until("b7 OK")
}

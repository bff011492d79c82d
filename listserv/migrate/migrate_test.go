package migrate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/listserv/migrate/migratetest"
	"minyan/listserv/testkit"
	"minyan/store"
)

// site is a domain core over a real store, with search running.
type site struct {
	svc *listserv.Service
	st  *store.Store
	dir string
}

func newSite(t *testing.T) *site {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := listserv.New(st, listserv.Options{Domain: "lists.example.org", PublicURL: "http://127.0.0.1:8080", WebArchive: true,
		Defaults: listserv.ServerDefaults{MaxMessageBytes: 10 << 20, Timezone: "UTC"},
		Clock:    testkit.NewClock(time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil))})
	stop, err := svc.StartSearch(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })
	return &site{svc: svc, st: st, dir: dir}
}

var operator = listserv.Operator(listserv.DoorCLI)

// mbox writes posts with a format's headers.
func mbox(t *testing.T, posts []migratetest.Post, extra migratetest.Extra) *bytes.Reader {
	var b bytes.Buffer
	if err := migratetest.WriteMbox(&b, posts, extra); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b.Bytes())
}

// importTwice applies src with the archive twice and checks that the
// second run changed nothing.
func (s *site) importTwice(t *testing.T, src func() *Source, archive *bytes.Reader, oldURL string) *Report {
	t.Helper()
	o := Options{OldArchiveURL: oldURL, Archive: archive, ArchiveSize: archive.Size()}
	rep, err := Apply(context.Background(), s.svc, operator, src(), o)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	again, err := Apply(context.Background(), s.svc, operator, src(), o)
	if err != nil {
		t.Fatalf("second import: %v", err)
	}
	if again.Created || len(again.Changed) > 0 || again.Added+again.Updated > 0 || again.Archive.Imported > 0 || again.URLsAdded > 0 {
		t.Errorf("the second run changed something: created %v, settings %v, %d added, %d updated, %d posts, %d URLs",
			again.Created, again.Changed, again.Added, again.Updated, again.Archive.Imported, again.URLsAdded)
	}
	return rep
}

// checkList compares the list's roster, threads and search with the
// fixture's.
func (s *site) checkList(t *testing.T, list string, posts []migratetest.Post, threads int) {
	t.Helper()
	ctx := context.Background()
	members, err := s.svc.Members(list)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range members {
		got[listserv.NormalizeAddress(m.Address)] = string(m.Role) + "/" + string(m.Mode)
	}
	want := migratetest.Roster()
	if len(got) != len(want) {
		t.Errorf("roster has %d people, want %d", len(got), len(want))
	}
	for _, m := range want {
		if g := got[listserv.NormalizeAddress(m.Address)]; g != m.Role+"/"+m.Mode {
			t.Errorf("%s is %q, want %s/%s", m.Address, g, m.Role, m.Mode)
		}
	}
	p, err := s.svc.Person("member005@example.org")
	if err != nil || p.Name != "Zoë Five" {
		t.Errorf("member 5's name = %q (%v), want Zoë Five", p.Name, err)
	}
	page, err := s.svc.Threads(ctx, operator, list, 1)
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != threads {
		t.Errorf("web archive shows %d threads, want %d", page.Total, threads)
	}
	if _, err := s.svc.IndexArchive(ctx, s.dir, list, nil); err != nil {
		t.Fatal(err)
	}
	for _, th := range []int{0, threads / 2, threads - 1} {
		res, err := s.svc.Search(ctx, operator, migratetest.Word(th), list, 1)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || res.Hits[0].Subject != fmt.Sprintf("Chapter %d of the reading", th) {
			t.Errorf("search %s: %d hits %+v, want the first post of thread %d", migratetest.Word(th), res.Total, res.Hits, th)
		}
	}
	var n int
	s.st.View(func(tx *store.Tx) error {
		for _, p := range posts {
			if tx.ArchiveSeqByMessageID(list, p.MessageID) != 0 {
				n++
			}
		}
		return nil
	})
	if n != len(posts) {
		t.Errorf("%d of %d posts archived", n, len(posts))
	}
}

// checkRedirect asks where an old page went and checks it is the post.
func (s *site) checkRedirect(t *testing.T, list, path, msgid string) {
	t.Helper()
	target, err := s.svc.OldArchiveTarget(listserv.Anonymous(listserv.DoorWeb), path)
	if err != nil {
		t.Fatalf("old URL %s: %v", path, err)
	}
	var seq uint64
	s.st.View(func(tx *store.Tx) error { seq = tx.ArchiveSeqByMessageID(list, msgid); return nil })
	if want := fmt.Sprintf("/lists/%s/m/%d", list, seq); target != want {
		t.Errorf("old URL %s goes to %s, want %s", path, target, want)
	}
}

func TestMailman2Import(t *testing.T) {
	s := newSite(t)
	posts, threads := migratetest.History(1000, 2)
	read := func() *Source {
		f, err := os.Open("testdata/mailman2-config.pck")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		src, err := ReadMailman2(f)
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	rep := s.importTwice(t, read, mbox(t, posts, migratetest.MailmanHeaders("readers", "lists.example.org")), "https://old.example.org/pipermail/readers/")
	if !rep.Created || rep.Added != 101 || rep.Archive.Imported != 1000 || rep.URLsAdded != 1000 {
		t.Errorf("report: created %v, %d added, %d posts, %d URLs", rep.Created, rep.Added, rep.Archive.Imported, rep.URLsAdded)
	}
	s.checkList(t, "readers", posts, threads)
	l, _ := s.svc.GetList("readers")
	for k, want := range map[string]string{
		"title": "Readers of the old list", "subject_prefix": "[Readers]", "archive": "members", "subscribe": "confirm",
		"nonmember_action": "hold", "posting": "members", "max_message_bytes": "40960", "reply_to": "sender", "advertised": "true",
		"footer":      "_______________________________________________\nReaders mailing list\nReaders@lists.example.org",
		"description": "A list for people who read together.\nPosts are archived.",
	} {
		if got := listserv.SettingValue(&l.Settings, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	unmapped := map[string]bool{}
	for _, u := range rep.Unmapped {
		unmapped[u.Field] = true
	}
	for _, f := range []string{"ban_list", "welcome_msg", "msg_footer"} {
		if !unmapped[f] {
			t.Errorf("%s is not in the report of settings without equivalent: %+v", f, rep.Unmapped)
		}
	}
	// Pipermail numbers messages from 0 in mbox order, by month.
	p := posts[123]
	s.checkRedirect(t, "readers", fmt.Sprintf("/pipermail/readers/%d-%s/%06d.html", p.Date.Year(), p.Date.Month(), 123), p.MessageID)
}

func TestGoogleGroupsImport(t *testing.T) {
	s := newSite(t)
	posts, threads := migratetest.History(1000, 3)
	var csvData bytes.Buffer
	migratetest.WriteGoogleCSV(&csvData, migratetest.Roster())
	read := func() *Source {
		src, err := ReadGoogleGroups(bytes.NewReader(csvData.Bytes()), "readers")
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	// A Takeout holds messages in no particular order.
	rep := s.importTwice(t, read, mbox(t, migratetest.Shuffled(posts, 3), migratetest.GoogleHeaders("readers")), "https://groups.google.com")
	if rep.Added != 101 || rep.Archive.Imported != 1000 {
		t.Errorf("report: %d added, %d posts", rep.Added, rep.Archive.Imported)
	}
	s.checkList(t, "readers", posts, threads)
	var first migratetest.Post
	for _, p := range posts {
		if p.Thread == 5 {
			first = p
			break
		}
	}
	path := fmt.Sprintf("/g/readers/c/%d", 1650000000000000000+5)
	s.checkRedirect(t, "readers", path, first.MessageID)
	s.checkRedirect(t, "readers", path+"/m/AbCdEf123", first.MessageID)
}

func TestGroupsIOImport(t *testing.T) {
	s := newSite(t)
	posts, threads := migratetest.History(1000, 4)
	var csvData bytes.Buffer
	migratetest.WriteGroupsIOCSV(&csvData, migratetest.Roster())
	read := func() *Source {
		src, err := ReadGroupsIO(bytes.NewReader(csvData.Bytes()), "readers")
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	var zipData bytes.Buffer
	if err := migratetest.WriteGroupsIOZip(&zipData, posts, "readers"); err != nil {
		t.Fatal(err)
	}
	mb, err := MboxFromZip(bytes.NewReader(zipData.Bytes()), int64(zipData.Len()))
	if err != nil {
		t.Fatal(err)
	}
	rep := s.importTwice(t, read, bytes.NewReader(mb), "https://groups.io/g/readers")
	if rep.Added != 101 || rep.Archive.Imported != 1000 {
		t.Errorf("report: %d added, %d posts", rep.Added, rep.Archive.Imported)
	}
	s.checkList(t, "readers", posts, threads)
	s.checkRedirect(t, "readers", "/g/readers/message/500", posts[499].MessageID)
}

// mailmanREST answers like Mailman core's REST API 3.1 for one list.
func mailmanREST(t *testing.T, roster []migratetest.Member) *httptest.Server {
	const listID = "readers.lists.example.org"
	send := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /3.1/lists/{list}", func(w http.ResponseWriter, r *http.Request) {
		if l := r.PathValue("list"); l != "readers@lists.example.org" && l != listID {
			http.Error(w, `{"title": "404 Not Found"}`, http.StatusNotFound)
			return
		}
		send(w, map[string]any{"advertised": true, "display_name": "Readers", "fqdn_listname": "readers@lists.example.org",
			"list_id": listID, "list_name": "readers", "mail_host": "lists.example.org", "member_count": 100,
			"volume": 1, "description": "Readers of the old list", "self_link": "http://localhost:9001/3.1/lists/" + listID,
			"http_etag": `"abc"`})
	})
	mux.HandleFunc("GET /3.1/lists/{id}/config", func(w http.ResponseWriter, r *http.Request) {
		send(w, map[string]any{"acceptable_aliases": []string{}, "admin_immed_notify": true, "advertised": true,
			"anonymous_list": false, "archive_policy": "private", "autorespond_owner": "none", "collapse_alternatives": true,
			"default_member_action": "defer", "default_nonmember_action": "hold", "description": "Readers of the old list",
			"digest_size_threshold": 30.0, "display_name": "Readers", "dmarc_mitigate_action": "munge_from",
			"dmarc_mitigate_unconditionally": false, "emergency": false, "fqdn_listname": "readers@lists.example.org",
			"include_rfc2369_headers": true, "info": "A list for people who read together.", "list_name": "readers",
			"mail_host": "lists.example.org", "max_message_size": 40, "personalize": "none", "reply_goes_to_list": "no_munging",
			"reply_to_address": "", "subject_prefix": "[Readers] ", "subscription_policy": "confirm", "http_etag": `"def"`,
			"accept_these_nonmembers": []string{"friend@example.net"}})
	})
	mux.HandleFunc("GET /3.1/lists/{id}/roster/{role}", func(w http.ResponseWriter, r *http.Request) {
		role := r.PathValue("role")
		var entries []map[string]any
		for i, m := range roster {
			in := (role == "member" && m.Address != "owner@example.org") || m.Role == role
			if !in {
				continue
			}
			mode := map[string]string{"each": "regular", "nomail": "regular", "digest": "mime_digests"}[m.Mode]
			entries = append(entries, map[string]any{"address": "http://localhost:9001/3.1/addresses/" + m.Address,
				"bounce_score": 0, "delivery_mode": mode, "display_name": m.Name, "email": m.Address, "list_id": listID,
				"member_id": fmt.Sprintf("%032x", i+1), "moderation_action": "defer", "role": role,
				"self_link": fmt.Sprintf("http://localhost:9001/3.1/members/%032x", i+1), "subscription_mode": "as_address"})
		}
		// Paging as the API does it: count per page, page from 1.
		var count, page int
		fmt.Sscan(r.URL.Query().Get("count"), &count)
		fmt.Sscan(r.URL.Query().Get("page"), &page)
		total := len(entries)
		if count > 0 && page > 0 {
			lo := min((page-1)*count, total)
			entries = entries[lo:min(lo+count, total)]
		}
		send(w, map[string]any{"entries": entries, "start": 0, "total_size": total, "http_etag": `"x"`})
	})
	mux.HandleFunc("GET /3.1/members/{id}/preferences", func(w http.ResponseWriter, r *http.Request) {
		var i int
		fmt.Sscanf(r.PathValue("id"), "%x", &i)
		status := "enabled"
		if i >= 1 && i <= len(roster) && roster[i-1].Mode == "nomail" {
			status = "by_user"
		}
		send(w, map[string]any{"delivery_status": status, "self_link": "x", "http_etag": `"p"`})
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "restadmin" || p != "restpass" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestMailman3Import(t *testing.T) {
	s := newSite(t)
	posts, threads := migratetest.History(1000, 5)
	srv := mailmanREST(t, migratetest.Roster())
	mm := &Mailman3{BaseURL: srv.URL, User: "restadmin", Password: "restpass"}
	read := func() *Source {
		src, err := mm.Read(context.Background(), "readers@lists.example.org")
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	rep := s.importTwice(t, read, mbox(t, posts, migratetest.MailmanHeaders("readers", "lists.example.org")), "https://old.example.org/")
	if rep.Added != 101 || rep.Archive.Imported != 1000 {
		t.Errorf("report: %d added, %d posts", rep.Added, rep.Archive.Imported)
	}
	s.checkList(t, "readers", posts, threads)
	l, _ := s.svc.GetList("readers")
	for k, want := range map[string]string{"archive": "members", "subscribe": "confirm", "nonmember_action": "hold",
		"subject_prefix": "[Readers]", "max_message_bytes": "40960", "dmarc_mitigation": "auto", "reply_to": "sender"} {
		if got := listserv.SettingValue(&l.Settings, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	p := posts[42]
	s.checkRedirect(t, "readers", "/hyperkitty/list/readers@lists.example.org/message/"+HyperKittyHash(p.MessageID)+"/", p.MessageID)
	root := p.MessageID
	if p.InReplyTo != "" {
		root = p.InReplyTo
	}
	s.checkRedirect(t, "readers", "/hyperkitty/list/readers@lists.example.org/thread/"+HyperKittyHash(root)+"/", root)

	// Wrong credentials are an error, not an empty list.
	bad := &Mailman3{BaseURL: srv.URL, User: "restadmin", Password: "wrong"}
	if _, err := bad.Read(context.Background(), "readers@lists.example.org"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong password: %v", err)
	}
}

// HyperKitty's id of a message: base32 of the SHA-1 of the Message-ID.
func TestHyperKittyHash(t *testing.T) {
	// sha1("abc") = a9993e364706816aba3e25717850c26c9cd0d89d
	if got := HyperKittyHash("abc"); got != "VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5" {
		t.Errorf("got %s", got)
	}
}

func TestCaucusOldURLHidden(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	if _, err := s.svc.CreateList(ctx, operator, "inner", "caucus", "", ""); err != nil {
		t.Fatal(err)
	}
	posts, _ := migratetest.History(20, 6)
	mb := mbox(t, posts, nil)
	if _, err := s.svc.ImportArchive(ctx, "inner", mb, mb.Size(), listserv.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	urls, _ := OldURLs(FormatGroupsIO, "/g/inner", mb, mb.Size())
	if n, _, err := s.svc.MapOldArchiveURLs(ctx, operator, "inner", urls); err != nil || n != 20 {
		t.Fatalf("mapped %d: %v", n, err)
	}
	if _, err := s.svc.OldArchiveTarget(listserv.Anonymous(listserv.DoorWeb), "/g/inner/message/3"); err != listserv.ErrNotFound {
		t.Errorf("a caucus's old URL for a visitor: %v, want ErrNotFound", err)
	}
	if _, err := s.svc.OldArchiveTarget(listserv.Person("stranger@example.org", listserv.DoorWeb), "/g/inner/message/3"); err != listserv.ErrNotFound {
		t.Errorf("for a non-member: %v, want ErrNotFound", err)
	}
}

func FuzzDecodePickle(f *testing.F) {
	if b, err := os.ReadFile("testdata/mailman2-config.pck"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("\x80\x02}q\x00(U\x01aK\x01u."))
	f.Add([]byte("(dp0\nS'a'\np1\nI1\ns."))
	f.Fuzz(func(t *testing.T, b []byte) {
		decodePickle(bytes.NewReader(b))
	})
}

func FuzzCSVRoster(f *testing.F) {
	var b bytes.Buffer
	migratetest.WriteGoogleCSV(&b, migratetest.Roster()[:3])
	f.Add(b.Bytes())
	b.Reset()
	migratetest.WriteGroupsIOCSV(&b, migratetest.Roster()[:3])
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		ReadGoogleGroups(bytes.NewReader(b), "x")
		ReadGroupsIO(bytes.NewReader(b), "x")
	})
}

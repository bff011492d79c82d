package rewrite

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

const post = `Return-Path: <alice@example.com>
Delivered-To: team@lists.example.org
From: Alice Example <alice@example.com>
To: team@lists.example.org
Cc: carol@example.net
Subject: Re: [team] Re: [team] Meeting notes
Message-ID: <m1@example.com>
Date: Tue, 3 Mar 2026 10:00:00 +0100
List-Id: <team.lists.example.org>
List-Post: <mailto:forged@evil.example>
List-Unsubscribe: <https://evil.example/u>
Sender: someone@example.com
Approved: secret-password
Precedence: bulk
X-Mailer: test

Notes follow.
`

func baseOptions() Options {
	return Options{
		ListAddress:     "team@lists.example.org",
		ListName:        "team",
		ListID:          ListIDValue("Team Title", "team", "lists.example.org"),
		Prefix:          "[team] ",
		Footer:          "-- \nTeam list",
		Post:            "<mailto:team@lists.example.org>",
		Help:            "<mailto:team-request@lists.example.org?subject=help>",
		Subscribe:       "<mailto:team-join@lists.example.org>",
		Unsubscribe:     "<https://lists.example.org/u/TOKEN>, <mailto:team-leave@lists.example.org>",
		UnsubscribePost: true,
		Archive:         "<https://lists.example.org/team/>",
		ArchivedAt:      "<https://lists.example.org/team/42>",
		Sender:          "team-bounces@lists.example.org",
		Domain:          "lists.example.org",
		Now:             time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC),
	}
}

func rewriteOf(t *testing.T, raw string, o Options) (*Message, []byte) {
	t.Helper()
	m := mustParse(t, raw)
	out, err := Rewrite(m, o)
	if err != nil {
		t.Fatalf("Rewrite: %v", err)
	}
	if bytes.Contains(bytes.ReplaceAll(out, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatalf("output has bare LF:\n%q", out)
	}
	return m, out
}

func TestRewriteListFields(t *testing.T) {
	_, out := rewriteOf(t, post, baseOptions())
	r := headerOf(t, out)
	h := &r.Header
	want := map[string]string{
		"List-Id":               `"Team Title" <team.lists.example.org>`,
		"List-Post":             "<mailto:team@lists.example.org>",
		"List-Help":             "<mailto:team-request@lists.example.org?subject=help>",
		"List-Subscribe":        "<mailto:team-join@lists.example.org>",
		"List-Unsubscribe":      "<https://lists.example.org/u/TOKEN>, <mailto:team-leave@lists.example.org>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"List-Archive":          "<https://lists.example.org/team/>",
		"Archived-At":           "<https://lists.example.org/team/42>",
		"Precedence":            "list",
		"Sender":                "team-bounces@lists.example.org",
		"Subject":               "Re: [team] Meeting notes",
		"Message-Id":            "<m1@example.com>",
		"Date":                  "Tue, 3 Mar 2026 10:00:00 +0100",
		"X-Mailer":              "test",
		"From":                  "Alice Example <alice@example.com>",
		"Cc":                    "carol@example.net",
	}
	for k, v := range want {
		if got := h.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want exactly [%q]", k, got, v)
		}
	}
	for _, k := range []string{"Return-Path", "Delivered-To", "Approved", "Reply-To", "List-Owner"} {
		if h.Has(k) {
			t.Errorf("%s kept: %q", k, h.Get(k))
		}
	}
	// Order: the list block is at the top, in a readable order.
	var keys []string
	for f := h.Fields(); f.Next(); {
		keys = append(keys, f.Key())
	}
	wantTop := []string{"Sender", "List-Id", "List-Help", "List-Post", "List-Subscribe", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Archive", "Archived-At", "Precedence", "From"}
	if strings.Join(keys[:len(wantTop)], ",") != strings.Join(wantTop, ",") {
		t.Errorf("header order %v", keys)
	}
	if r.Subject != "Re: [team] Meeting notes" {
		t.Errorf("re-parsed subject %q", r.Subject)
	}
	if _, texts := entityShape(t, out); countIn(texts, "Team list") != 1 || countIn(texts, "Notes follow.") != 1 {
		t.Errorf("body %q", texts)
	}
}

func TestRewriteDoesNotModifyInput(t *testing.T) {
	m := mustParse(t, post)
	before := render(t, m)
	body := append([]byte(nil), m.Body...)
	if _, err := Rewrite(m, baseOptions()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, render(t, m)) || !bytes.Equal(body, m.Body) {
		t.Error("Rewrite modified its input")
	}
}

func TestRewriteAnnounceHasNoListPost(t *testing.T) {
	o := baseOptions()
	o.Post = ""
	o.UnsubscribePost = false
	_, out := rewriteOf(t, post, o)
	h := headerOf(t, out).Header
	if h.Has("List-Post") {
		t.Errorf("announce list has List-Post %q", h.Get("List-Post"))
	}
	if h.Has("List-Unsubscribe-Post") {
		t.Error("List-Unsubscribe-Post without the option")
	}
	if !h.Has("List-Id") || !h.Has("List-Unsubscribe") {
		t.Error("other list fields missing")
	}
}

func TestRewriteSubject(t *testing.T) {
	tests := []struct {
		name, subjectField, prefix, want string
		wantRaw                          bool // the original field bytes are kept
	}{
		{"tagged once", "Subject: hello", "[team] ", "[team] hello", false},
		{"already tagged kept raw", "Subject: [team]  hello", "[team] ", "[team] hello", false},
		{"unchanged stays byte-exact", "Subject:  [team] hello", "[team] ", "[team] hello", true},
		{"no prefix stays byte-exact", "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=", "", "Grüße", true},
		{"non-ascii is encoded", "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=", "[team] ", "[team] Grüße", false},
		{"missing subject", "", "[team] ", "[team] (no subject)", false},
		{"literal encoded-word text stays literal", "Subject: =?utf-8?q?=3D=3Futf-8=3Fq=3F=3D5Bteam=3D5D=3F=3D?=", "[team] ", "[team] =?utf-8?q?=5Bteam=5D?=", false},
		{"unknown charset word is passed through", "Subject: =?x-unknown?q?abc?=", "[team] ", "[team] =?x-unknown?q?abc?=", false},
		{"encoded line break is flattened", "Subject: =?utf-8?q?a=0D=0AX-Injected:_yes?=", "[team] ", "[team] a X-Injected: yes", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := "From: a@example.com\n"
			if tt.subjectField != "" {
				raw += tt.subjectField + "\n"
			}
			raw += "Message-ID: <x@example.com>\nDate: Tue, 3 Mar 2026 10:00:00 +0100\n\nbody\n"
			o := Options{Prefix: tt.prefix}
			_, out := rewriteOf(t, raw, o)
			r := headerOf(t, out)
			if r.Subject != tt.want {
				t.Errorf("subject %q, want %q", r.Subject, tt.want)
			}
			if r.Header.Has("X-Injected") {
				t.Error("header injection through the subject")
			}
			if got := tt.subjectField != "" && bytes.Contains(out, []byte(tt.subjectField+"\r\n")); got != tt.wantRaw {
				t.Errorf("original field kept = %v, want %v\n%s", got, tt.wantRaw, out)
			}
		})
	}
}

func TestRewriteReplyToAndMunging(t *testing.T) {
	const (
		author   = "From: Alice Example <alice@example.com>\nTo: team@lists.example.org\n"
		own      = "Reply-To: Alice Home <alice@home.example>\n"
		tail     = "Subject: x\nMessage-ID: <x@example.com>\nDate: Tue, 3 Mar 2026 10:00:00 +0100\n\nbody\n"
		listFrom = `"Alice Example via team" <team@lists.example.org>`
	)
	tests := []struct {
		name          string
		raw           string
		replyToList   bool
		munge         bool
		from, replyTo string
		cc            string
	}{
		{"plain keeps everything", author + own + tail, false, false,
			"Alice Example <alice@example.com>", "Alice Home <alice@home.example>", ""},
		{"plain without Reply-To adds none", author + tail, false, false,
			"Alice Example <alice@example.com>", "", ""},
		{"reply to list replaces the author's Reply-To", author + own + tail, true, false,
			"Alice Example <alice@example.com>", "<team@lists.example.org>", ""},
		{"munged: Reply-To is the author", author + tail, false, true,
			listFrom, `"Alice Example" <alice@example.com>`, ""},
		{"munged: the author's own Reply-To is kept", author + own + tail, false, true,
			listFrom, "Alice Home <alice@home.example>", ""},
		{"munged, reply to list: author in Cc", author + "Cc: bob@example.org\n" + tail, true, true,
			listFrom, "<team@lists.example.org>", `bob@example.org, "Alice Example" <alice@example.com>`},
		{"munged, reply to list: author already in Cc", author + "Cc: ALICE@example.com\n" + tail, true, true,
			listFrom, "<team@lists.example.org>", "ALICE@example.com"},
		{"munged, no display name", "From: alice@example.com\n" + tail, false, true,
			`"alice at example.com via team" <team@lists.example.org>`, "<alice@example.com>", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := baseOptions()
			o.ReplyToList, o.MungeFrom = tt.replyToList, tt.munge
			m, out := rewriteOf(t, tt.raw, o)
			r := headerOf(t, out)
			h := &r.Header
			check := func(k, want string) {
				t.Helper()
				got := h.Values(k)
				if want == "" && len(got) != 0 {
					t.Errorf("%s = %q, want none", k, got)
				}
				if want != "" && (len(got) != 1 || got[0] != want) {
					t.Errorf("%s = %q, want [%q]", k, got, want)
				}
			}
			check("From", tt.from)
			check("Reply-To", tt.replyTo)
			check("Cc", tt.cc)
			if tt.munge {
				if r.From.Address != "team@lists.example.org" {
					t.Errorf("munged From parses as %v", r.From)
				}
				if got := h.Get("X-Original-From"); got != m.From.String() {
					t.Errorf("X-Original-From %q, want %q", got, m.From.String())
				}
			} else if h.Has("X-Original-From") {
				t.Error("X-Original-From without munging")
			}
		})
	}
}

func TestRewriteNonASCIIAuthorMunged(t *testing.T) {
	o := baseOptions()
	o.MungeFrom = true
	_, out := rewriteOf(t, "From: =?utf-8?q?Zo=C3=AB?= <zoe@example.com>\nSubject: x\n\nbody\n", o)
	r := headerOf(t, out)
	if r.From.Name != "Zoë via team" || r.From.Address != "team@lists.example.org" {
		t.Errorf("From %+v", r.From)
	}
}

func TestRewriteSuppliesMessageIDAndDate(t *testing.T) {
	o := baseOptions()
	_, out := rewriteOf(t, "From: a@example.com\nSubject: x\nDate: not a date\n\nbody\n", o)
	r := headerOf(t, out)
	if !strings.HasSuffix(r.MessageID, "@lists.example.org") || len(r.MessageID) < 20 {
		t.Errorf("generated Message-ID %q", r.MessageID)
	}
	if !r.Date.Equal(o.Now) {
		t.Errorf("Date %v, want %v", r.Date, o.Now)
	}
	if n := len(r.Header.Values("Date")); n != 1 {
		t.Errorf("%d Date fields", n)
	}
	o.MessageID = "<given@example.org>"
	_, out = rewriteOf(t, "From: a@example.com\n\nbody\n", o)
	if r := headerOf(t, out); r.MessageID != "given@example.org" {
		t.Errorf("Message-ID %q", r.MessageID)
	}
	if _, err := Rewrite(mustParse(t, "From: a@example.com\n\nbody\n"), Options{}); err == nil {
		t.Error("no Message-ID and no domain to make one: want an error")
	}
}

func TestRewriteSanitizesOptions(t *testing.T) {
	o := baseOptions()
	o.ListID = "\"x\"\r\nBcc: victim@example.com <team.lists.example.org>"
	o.Help = "<mailto:a>\nX-Evil: 1"
	_, out := rewriteOf(t, post, o)
	h := headerOf(t, out).Header
	if h.Has("Bcc") || h.Has("X-Evil") {
		t.Errorf("header injection through options:\n%s", out)
	}
}

func TestRewriteBadListAddress(t *testing.T) {
	o := baseOptions()
	o.ListAddress = "not an address"
	o.MungeFrom = true
	if _, err := Rewrite(mustParse(t, post), o); err == nil {
		t.Error("want an error for an unusable list address")
	}
}

func TestListIDValue(t *testing.T) {
	tests := []struct{ title, name, domain, want string }{
		{"Team Title", "team", "lists.example.org", `"Team Title" <team.lists.example.org>`},
		{"", "team", "lists.example.org", `<team.lists.example.org>`},
		{`Say "hi" \o/`, "team", "Example.ORG", `"Say \"hi\" \\o/" <team.example.org>`},
		{"Équipe", "team", "example.org", `=?utf-8?q?=C3=89quipe?= <team.example.org>`},
		{"a\r\nb", "team", "example.org", `"a b" <team.example.org>`},
	}
	for _, tt := range tests {
		if got := ListIDValue(tt.title, tt.name, tt.domain); got != tt.want {
			t.Errorf("ListIDValue(%q, %q, %q) = %q, want %q", tt.title, tt.name, tt.domain, got, tt.want)
		}
	}
	// The value is what Parse reads back as the list's id.
	m := mustParse(t, "From: a@example.com\nList-Id: "+ListIDValue(`Say "hi"`, "team", "example.org")+"\n\nx\n")
	if len(m.ListIDs) != 1 || m.ListIDs[0] != "team.example.org" {
		t.Errorf("ListIDs %q", m.ListIDs)
	}
}

// TestRewriteKeepsFirstOfDuplicateFields: a post with two Message-ID
// fields was passed on with both, and libopendkim refuses to sign (or
// verify) a message whose single-instance fields repeat. The list keeps
// the first of each (the one Parse read), for Message-ID, Date, Subject,
// In-Reply-To and References.
func TestRewriteKeepsFirstOfDuplicateFields(t *testing.T) {
	o := baseOptions()
	o.Prefix = ""
	_, out := rewriteOf(t, "From: a@example.com\nSubject: one\nSubject: two\nMessage-ID: <first@example.com>\nDate: Mon, 02 Nov 2026 10:00:00 +0000\n"+
		"Message-ID: <second@example.com>\nDate: Tue, 03 Nov 2026 10:00:00 +0000\nIn-Reply-To: <p1@x>\nIn-Reply-To: <p2@x>\nReferences: <r1@x>\nReferences: <r2@x>\n\nbody\n", o)
	r := headerOf(t, out)
	for k, want := range map[string]string{"Message-Id": "<first@example.com>", "Date": "Mon, 02 Nov 2026 10:00:00 +0000", "Subject": "one", "In-Reply-To": "<p1@x>", "References": "<r1@x>"} {
		if got := r.Header.Values(k); len(got) != 1 || got[0] != want {
			t.Errorf("%s fields %q, want only %q", k, got, want)
		}
	}
}

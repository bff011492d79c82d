package listserv

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minyan/store"
)

// TestReplySamples parses real-shaped replies from the mail clients
// moderators use and checks each yields the decision the person typed.
func TestReplySamples(t *testing.T) {
	cases := map[string]struct{ decision, reason string }{
		"gmail-top.eml":          {DecideApprove, ""},
		"outlook-desktop.eml":    {DecideReject, "this belongs on the announce list, please repost there"},
		"outlook-web.eml":        {DecideDiscard, ""},
		"apple-mail.eml":         {DecideApproveAlways, ""},
		"thunderbird-bottom.eml": {DecideBan, ""},
		"iphone.eml":             {DecideApprove, ""},
		"android-html-only.eml":  {DecideReject, "not for this group"},
		"subject-only.eml":       {DecideApprove, ""},
	}
	files, _ := filepath.Glob("testdata/replies/*.eml")
	if len(files) != len(cases) {
		t.Fatalf("%d sample files, %d cases: keep them in step", len(files), len(cases))
	}
	for name, want := range cases {
		raw, err := os.ReadFile(filepath.Join("testdata/replies", name))
		if err != nil {
			t.Fatal(err)
		}
		m, err := parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		lines := AnswerLines(ReplyText(raw))
		d, reason, ok := ParseDecision(lines, stripReplyPrefixes(m.Subject))
		if !ok || d != want.decision || reason != want.reason {
			t.Errorf("%s: got %q %q %v (lines %q), want %q %q", name, d, reason, ok, lines, want.decision, want.reason)
		}
	}
}

func TestAnswerLines(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"approve\n\nOn Mon, Nov 2 Alice wrote:\n> reject", []string{"approve"}},
		{"> quoted\n> more\n\nyes please", []string{"yes please"}},
		{"On Mon, Nov 2, 2026 at 10:00 AM Someone\n<x@y> wrote:\n> q\nok", []string{"ok"}},
		{"reject\n-- \nsig approve", []string{"reject"}},
		{"discard\n-----Original Message-----\napprove", []string{"discard"}},
		{"  \n\nban\nSent from my iPhone", []string{"ban"}},
		{"From: nobody special\nhello", []string{"hello"}},
		{"hi\nFrom: a@b\nSent: today\napprove", []string{"hi"}},
		// A quote without '>' after the attribution: nothing below counts.
		{"\nOn Mon, Nov 2, 2026 at 10:00 AM minyan wrote:\nyes please@evil.example asks to join\napprove   let them join", nil},
		{"ban\n\nOn Mon, Nov 2, 2026 minyan wrote:\napprove   send it", []string{"ban"}},
		// Bottom-posted under a '>' quote still counts.
		{"On Mon, Nov 2, 2026 minyan wrote:\n> approve   send it\n\ndiscard", []string{"discard"}},
	}
	for _, c := range cases {
		got := AnswerLines(c.in)
		if len(got) != len(c.want) {
			t.Errorf("AnswerLines(%q) = %q, want %q", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("AnswerLines(%q) = %q, want %q", c.in, got, c.want)
			}
		}
	}
}

func TestParseDecision(t *testing.T) {
	cases := []struct {
		line, subject, decision, reason string
		ok                              bool
	}{
		{"Approve.", "", DecideApprove, "", true},
		{"APPROVED!", "", DecideApprove, "", true},
		{"approve always", "", DecideApproveAlways, "", true},
		{"Reject: off topic, sorry", "", DecideReject, "off topic, sorry", true},
		{"reject because it is an ad", "", DecideReject, "it is an ad", true},
		{"reject", "", DecideReject, "", true},
		{"Discard", "", DecideDiscard, "", true},
		{"ban", "", DecideBan, "", true},
		{"withdraw", "", DecideWithdraw, "", true},
		{"Thanks, looks good to me", "Re: [team] Held for approval: x", "", "", false},
		{"No problem, I'll look at it tonight.", "Re: [team] Held for approval: x", "", "", false},
		{"Yes we can talk later", "", "", "", false},
		{"Ignore my last message", "", "", "", false},
		{"yes", "", DecideApprove, "", true},
		{"No.", "", DecideReject, "", true},
		{"Cancel", "", DecideWithdraw, "", true},
		{"", "Re: [team] approve", DecideApprove, "", true},
		{"", "RE: AW: discard", DecideDiscard, "", true},
	}
	for _, c := range cases {
		var lines []string
		if c.line != "" {
			lines = []string{c.line}
		}
		d, r, ok := ParseDecision(lines, c.subject)
		if d != c.decision || r != c.reason || ok != c.ok {
			t.Errorf("ParseDecision(%q, %q) = %q %q %v", c.line, c.subject, d, r, ok)
		}
	}
}

func TestParseCommand(t *testing.T) {
	good := map[string]Command{
		"subscribe":    {Name: "subscribe"},
		"Unsubscribe.": {Name: "unsubscribe"},
		"digest on":    {Name: "digest", Arg: "on"},
		"DIGEST OFF":   {Name: "digest", Arg: "off"},
		"digest plain": {Name: "digest", Arg: "plain"},
		"Digest HTML":  {Name: "digest", Arg: "html"},
		"nomail on":    {Name: "nomail", Arg: "on"},
		"vacation off": {Name: "nomail", Arg: "off"},
		"password":     {Name: "password"},
		"help":         {Name: "help"},
		"info":         {Name: "info"},
		"who":          {Name: "who"},
		"thanks":       {Name: "end"},
	}
	for in, want := range good {
		c, ok := ParseCommand(in)
		if !ok || c.Name != want.Name || c.Arg != want.Arg {
			t.Errorf("ParseCommand(%q) = %+v %v", in, c, ok)
		}
	}
	for _, bad := range []string{"", "digest", "digest maybe", "nomail plain", "digest plain please", "help me with the meeting", "hello", "who is coming thursday"} {
		if c, ok := ParseCommand(bad); ok {
			t.Errorf("ParseCommand(%q) = %+v, want not a command", bad, c)
		}
	}
}

// FuzzParseDecision: whatever a reply says, the parser never panics and a
// decision it finds is one of the known words.
func FuzzParseDecision(f *testing.F) {
	for _, s := range []string{"approve", "reject: spam", "Approve always", "ban!", "", "RE: [x] discard", "withdraw", "no", "\x00", "reject because"} {
		f.Add(s, "Re: "+s)
	}
	known := map[string]bool{DecideApprove: true, DecideApproveAlways: true, DecideReject: true, DecideDiscard: true, DecideBan: true, DecideWithdraw: true}
	f.Fuzz(func(t *testing.T, body, subject string) {
		lines := AnswerLines(body)
		d, _, ok := ParseDecision(lines, subject)
		if ok && !known[d] {
			t.Fatalf("unknown decision %q", d)
		}
		if !ok && d != "" {
			t.Fatalf("decision %q without ok", d)
		}
	})
}

// FuzzParseCommand: command lines never panic, a parsed command has a
// known name and an argument that command takes, and its text parses
// back to the same command (a confirmation stores that text).
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"subscribe", "digest on", "nomail off", "who", "help me", "end", "digest\ton", "digest plain", "DIGEST html",
		"digest daily", "mute", "unmute 7", "topics all", "delegate add a@example.org", "delegate rm <b@example.org>", "org leave", "delegate add me"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, ok := ParseCommand(line)
		if !ok {
			return
		}
		if again, ok := ParseCommand(c.text()); !ok || again.Name != c.Name || again.Arg != c.Arg {
			t.Fatalf("%q: %q does not parse back (%+v)", line, c.text(), again)
		}
		switch c.Name {
		case cmdSubscribe, cmdUnsubscribe, cmdPassword, cmdHelp, cmdInfo, cmdWho, cmdEnd:
			if c.Arg != "" {
				t.Fatalf("%q: %s with argument %q", line, c.Name, c.Arg)
			}
		case cmdDelegate:
			verb, addr, _ := strings.Cut(c.Arg, " ")
			if _, ok := delegateVerbs[verb]; !ok || !strings.Contains(addr, "@") || strings.ContainsAny(addr, " \t") {
				t.Fatalf("%q: delegate %q", line, c.Arg)
			}
		case cmdOrg:
			if c.Arg != orgLeave {
				t.Fatalf("%q: org %q", line, c.Arg)
			}
		case cmdDigest, cmdNomail:
			_, onOrOff := switchArg(c.Arg)
			_, format := store.ParseDigestFormat(c.Arg)
			if !onOrOff && !(c.Name == cmdDigest && (format || isFrequency(c.Arg))) {
				t.Fatalf("%q: %s without on/off (or plain/html/daily/weekly for digest)", line, c.Name)
			}
		case cmdMute, cmdUnmute:
			if _, ok := ParseThreadNumber(c.Arg); c.Arg != "" && !ok {
				t.Fatalf("%q: %s %q", line, c.Name, c.Arg)
			}
		case cmdTopics:
		default:
			t.Fatalf("%q: unknown command %q", line, c.Name)
		}
	})
}

// TestCommandSpellings: every spelling in the table is a command on its
// own (or with the argument its command needs), and names what the
// table says.
func TestCommandSpellings(t *testing.T) {
	args := map[CommandName]string{cmdDigest: " on", cmdNomail: " off", cmdTopics: " all", cmdDelegate: " add a@example.org", cmdOrg: " leave"}
	for word, name := range commandSpellings {
		c, ok := ParseCommand(strings.ToUpper(word) + args[name])
		if !ok || c.Name != name {
			t.Errorf("ParseCommand(%q) = %+v %v, want %s", word+args[name], c, ok, name)
		}
	}
}

// TestReplyWords: every word in the reply table decides what the table
// says when it is the whole line, and the casual ones decide nothing in
// a sentence.
func TestReplyWords(t *testing.T) {
	for word, rw := range replyWords {
		if d, _, ok := ParseDecision([]string{word + "!"}, ""); !ok || d != rw.decision {
			t.Errorf("%q alone: %q %v, want %q", word, d, ok, rw.decision)
		}
		d, _, ok := ParseDecision([]string{word + " this one, thanks"}, "")
		if rw.alone && ok {
			t.Errorf("%q in a sentence decided %q", word, d)
		}
		if !rw.alone && (!ok || d != rw.decision) {
			t.Errorf("%q in a sentence: %q %v, want %q", word, d, ok, rw.decision)
		}
	}
}

// TestSwitchArg reads the on/off argument of digest and nomail.
func TestSwitchArg(t *testing.T) {
	for _, c := range []struct {
		arg    string
		on, ok bool
	}{{"on", true, true}, {"off", false, true}, {"", false, false}, {"On", false, false}, {"plain", false, false}, {"of", false, false}} {
		if on, ok := switchArg(c.arg); on != c.on || ok != c.ok {
			t.Errorf("switchArg(%q) = %v %v, want %v %v", c.arg, on, ok, c.on, c.ok)
		}
	}
}

// TestBanSurvivesOldLinks: the unsubscribe link a banned person already
// has must not erase the ban (and with it let them join again).
func TestBanSurvivesOldLinks(t *testing.T) {
	s, st := newTestService(t)
	if _, err := s.CreateList(context.Background(), Operator(DoorCLI), "team", "discussion", "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMembers(context.Background(), Operator(DoorCLI), "team", []MemberSpec{{Address: "troll@example.com"}}, false); err != nil {
		t.Fatal(err)
	}
	var old store.Membership
	st.View(func(tx *store.Tx) error { old, _ = tx.Membership("team", "troll@example.com"); return nil })
	if err := st.Update(func(tx *store.Tx) error { return s.ban(tx, "team", "troll@example.com") }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Unsubscribe(old.UnsubToken); err == nil {
		t.Fatal("the old unsubscribe link still acts")
	}
	var mb store.Membership
	st.View(func(tx *store.Tx) error { mb, _ = tx.Membership("team", "troll@example.com"); return nil })
	if Status(mb.Status) != StatusBanned || mb.UnsubToken == old.UnsubToken || mb.BounceToken == old.BounceToken {
		t.Fatalf("after the click: %+v", mb)
	}
	if _, _, err := s.Unsubscribe(mb.UnsubToken); err == nil {
		t.Fatal("a banned member's own new link lifts the ban")
	}
	var answer string
	st.Update(func(tx *store.Tx) error {
		l, _ := tx.List("team")
		said, _, _ := s.requestJoin(tx, Person("troll@example.com", DoorMail), l, "troll@example.com")
		answer = said.In(LangEnglish)
		return nil
	})
	if !strings.Contains(answer, "cannot join") {
		t.Fatalf("banned person asking to join: %q", answer)
	}
}

func TestLooksAutomatic(t *testing.T) {
	cases := map[string]bool{
		"Subject: Re: held\r\n":                                 false,
		"Subject: Respuesta automática: held\r\n":               true,
		"Subject: Réponse automatique : absent\r\n":             true,
		"Subject: Automatische Antwort: held\r\n":               true,
		"Subject: Out of Office: held\r\n":                      true,
		"Subject: Re: held\r\nAuto-Submitted: auto-replied\r\n": true,
		"Subject: Re: held\r\nPrecedence: auto_reply\r\n":       true,
		"Subject: Re: held\r\nX-Autoreply: yes\r\n":             true,
		"Subject: No puedo contestar ahora, estoy de viaje\r\n": false, // a person, even if starting with "No"
	}
	for hdr, want := range cases {
		m, err := parse([]byte("From: mod@example.org\r\n" + hdr + "\r\nbody\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		if got := looksAutomatic(m, "mod@example.org"); got != want {
			t.Errorf("%q: automatic = %v", hdr, got)
		}
	}
}

package listserv

import (
	"os"
	"path/filepath"
	"testing"
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
	for _, bad := range []string{"", "digest", "digest maybe", "help me with the meeting", "hello", "who is coming thursday"} {
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

// FuzzParseCommand: command lines never panic, and a parsed command has a
// known name and, for digest/nomail, on or off.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"subscribe", "digest on", "nomail off", "who", "help me", "end", "digest\ton"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, ok := ParseCommand(line)
		if !ok {
			return
		}
		switch c.Name {
		case "subscribe", "unsubscribe", "password", "help", "info", "who", "end":
		case "digest", "nomail":
			if c.Arg != "on" && c.Arg != "off" {
				t.Fatalf("%q: %s without on/off", line, c.Name)
			}
		default:
			t.Fatalf("%q: unknown command %q", line, c.Name)
		}
	})
}

package main

import (
	"regexp"
	"strings"
	"testing"

	"minyan/listserv/smtpsink"
)

// flatText is a sent message's text with quoted-printable soft breaks
// undone and every run of white space one space, so a sentence wrapped
// across lines can be searched.
func flatText(m smtpsink.Message) string {
	s := strings.NewReplacer("=\r\n", "", "=\n", "", "=3D", "=").Replace(string(m.Data))
	return strings.Join(strings.Fields(s), " ")
}

// TestCoalitionThroughBinary is issue 26's done-when, through the real
// server (SMTP in, relay sink out, the CLI as the admin socket runs it):
// two organizations with seat caps 2 and 3; ACME's contact names two
// delegates by mail and the third is refused with a clear reply; the
// delegates confirm by reply before any mail reaches them; a delegate's
// post reaches BETA's delegate as "Name (ACME) via co"; `who` from a
// delegate lists the organizations, not the other's delegates; a forged
// `delegate add` from a non-contact does nothing; `org rm` removes both
// delegates at once and tells the contact.
func TestCoalitionThroughBinary(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	for _, d := range []string{"acme.example", "beta.example", "else.example"} {
		e.dns.SetTXT(d, "v=spf1 ip4:127.0.0.0/8 -all") // their mail passes the sender check
	}
	e.setup("co", "coalition", map[string]string{"own@example.net": "owner"})
	e.mustCLI("org", "add", "--seats", "2", "--type", "immigrant-led", "--note", "met at the vigil", "co", "ACME", "ca@acme.example")
	e.mustCLI("org", "add", "--seats", "3", "co", "BETA", "cb@beta.example")

	req := "co-request@lists.example.org"
	e.command("ca@acme.example", req, "delegates", "delegate add d1@acme.example\ndelegate add d2@acme.example\ndelegate add d3@acme.example")
	ans := flatText(e.mailTo("ca@acme.example", "d3@acme.example"))
	for _, want := range []string{"d1@acme.example is named a delegate of ACME (1 of 2 seats)", "d2@acme.example is named a delegate of ACME (2 of 2 seats)",
		"ACME has 2 of 2 seats filled on co, so d3@acme.example was not added"} {
		if !strings.Contains(ans, want) {
			t.Fatalf("contact's answer lacks %q:\n%s", want, ans)
		}
	}
	e.command("cb@beta.example", req, "delegate add b1@beta.example", "")
	for _, d := range []string{"d1@acme.example", "d2@acme.example", "b1@beta.example"} {
		c := e.mailTo(d, "Please confirm: delegate of")
		if d == "d1@acme.example" {
			// Before d1 confirms, a post does not reach them.
			e.sendPost("own@example.net", "co", "Before confirming", "not yet")
			if e.countTo(d, "not yet") != 0 {
				t.Fatal("a delegate got a post before confirming")
			}
		}
		e.reply(d, replyAddress(t, c), "Please confirm", "yes")
		e.mailTo(d, "Welcome to co")
	}
	if out := e.mustCLI("org", "ls", "co"); out != "ACME\tca@acme.example\td1@acme.example,d2@acme.example\t2\nBETA\tcb@beta.example\tb1@beta.example\t3\n" {
		t.Fatalf("org ls:\n%q", out)
	}
	if len(e.to("d3@acme.example")) != 0 {
		t.Fatal("the refused third delegate got mail")
	}

	// A delegate's post reaches the other organization's delegate with
	// the organization in From.
	e.sendPost("d1@acme.example", "co", "Vigil plans", "we bring candles")
	got := e.mailTo("b1@beta.example", "we bring candles")
	if !regexp.MustCompile(`(?m)^From: "d1@acme\.example \(ACME\) via co" <co@lists\.example\.org>\r?$|(?m)^From: "d1 at acme\.example \(ACME\) via co" <co@lists\.example\.org>\r?$`).Match(got.Data) {
		t.Fatalf("From lacks the organization:\n%s", got.Data)
	}

	// who from BETA's delegate: both organizations, none of ACME's people.
	e.command("b1@beta.example", req, "who", "")
	who := flatText(e.mailTo("b1@beta.example", "organizations on co"))
	if !strings.Contains(who, "ACME: 2 delegate(s)") || !strings.Contains(who, "BETA: 1 delegate(s)") ||
		strings.Contains(who, "d1@acme.example") || strings.Contains(who, "d2@acme.example") || strings.Contains(who, "ca@acme.example") {
		t.Fatalf("who from a delegate:\n%s", who)
	}

	// A forged delegate add from someone who is no contact does nothing.
	e.command("mallory@else.example", req, "delegate add m@else.example", "")
	e.mailTo("mallory@else.example", "can manage its delegates")
	e.drained()
	if e.status("co", "m@else.example") != "" || len(e.to("m@else.example")) != 0 {
		t.Fatal("a forged delegate add named a delegate")
	}

	// org rm removes both delegates at once and tells the contact.
	if out := e.mustCLI("org", "rm", "co", "ACME"); out != "d1@acme.example\nd2@acme.example\n" {
		t.Fatalf("org rm printed %q", out)
	}
	for _, d := range []string{"d1@acme.example", "d2@acme.example"} {
		if e.status("co", d) != "" {
			t.Fatalf("%s still on co after org rm", d)
		}
	}
	e.mailTo("ca@acme.example", "ACME was removed from co")
	if out := e.mustCLI("org", "ls", "co"); out != "BETA\tcb@beta.example\tb1@beta.example\t3\n" {
		t.Fatalf("org ls after rm:\n%q", out)
	}
}

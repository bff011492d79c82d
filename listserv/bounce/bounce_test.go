package bounce

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// samples maps each file in testdata to what it must be read as: the
// report's kind and format, and the recipients with their kinds.
var samples = map[string]struct {
	kind   Kind
	format string
	rcpts  map[string]Kind
}{
	"postfix-dsn.eml":       {Failed, "dsn", map[string]Kind{"dana@example.net": Failed}},
	"exim-dsn.eml":          {Failed, "dsn", map[string]Kind{"erin@example.org": Failed}},
	"gmail-dsn.eml":         {Failed, "dsn", map[string]Kind{"frank.nobody@gmail.com": Failed}},
	"outlook-dsn.eml":       {Failed, "dsn", map[string]Kind{"henry@contoso-mail.example": Failed}},
	"yahoo-dsn.eml":         {Failed, "dsn", map[string]Kind{"ivan.gone@yahoo.com": Failed}},
	"yahoo-text.eml":        {Failed, "yahoo", map[string]Kind{"kim.gone@yahoo.com": Failed}},
	"qmail.eml":             {Failed, "qmail", map[string]Kind{"leo@example.com": Failed}},
	"qmail-remote.eml":      {Failed, "qmail", map[string]Kind{"mia@example.org": Failed, "noah@example.org": Policy}},
	"exim-text.eml":         {Failed, "exim", map[string]Kind{"quinn@example.org": Failed}},
	"delayed-dsn.eml":       {Delayed, "dsn", map[string]Kind{"olga@example.net": Delayed}},
	"exim-delayed-text.eml": {Delayed, "exim", map[string]Kind{"paul@example.org": Delayed}},
	"gmail-dmarc.eml":       {Policy, "dsn", map[string]Kind{"grace@gmail.com": Policy}},
	"yahoo-policy.eml":      {Policy, "dsn", map[string]Kind{"judy@yahoo.com": Policy}},
	"outlook-dmarc.eml":     {Policy, "dsn", map[string]Kind{"vera@outlook.com": Policy}},
	"spam-5.0.0.eml":        {Policy, "dsn", map[string]Kind{"wes@example.net": Policy}},
	"outlook-autoreply.eml": {AutoReply, "auto-reply", nil},
	"vacation-plain.eml":    {AutoReply, "auto-reply", nil},
	"relayed-dsn.eml":       {Delivered, "dsn", map[string]Kind{"uri@example.net": Delivered}},
	"human-reply.eml":       {Unrecognized, "", nil},
}

func TestSamples(t *testing.T) {
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(samples) {
		t.Errorf("%d files in testdata, %d expectations: every sample needs one", len(files), len(samples))
	}
	for _, f := range files {
		name := filepath.Base(f)
		want, ok := samples[name]
		if !ok {
			t.Errorf("%s: no expectation", name)
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// Mail arrives with CRLF; the files are stored with LF. Both
		// must read the same.
		for _, variant := range []struct {
			name string
			raw  []byte
		}{{"LF", raw}, {"CRLF", []byte(strings.ReplaceAll(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n", "\r\n"))}} {
			r := Parse(variant.raw)
			where := name + " (" + variant.name + ")"
			if r.Kind != want.kind || r.Format != want.format {
				t.Errorf("%s: kind %v format %q, want %v %q (recipients %+v)", where, r.Kind, r.Format, want.kind, want.format, r.Recipients)
			}
			if len(r.Recipients) != len(want.rcpts) {
				t.Errorf("%s: recipients %+v, want %v", where, r.Recipients, want.rcpts)
			}
			for addr, k := range want.rcpts {
				got, found := r.KindFor(addr)
				if !found || got != k {
					t.Errorf("%s: %s is %v (found %v), want %v", where, addr, got, found, k)
				}
			}
			if r.Kind >= Delayed && r.Reason() == "" {
				t.Errorf("%s: no reason", where)
			}
		}
	}
}

func TestDSNDetails(t *testing.T) {
	raw, err := os.ReadFile("testdata/gmail-dsn.eml")
	if err != nil {
		t.Fatal(err)
	}
	r := Parse(raw)
	if len(r.Recipients) != 1 {
		t.Fatalf("recipients %+v", r.Recipients)
	}
	rc := r.Recipients[0]
	if rc.Action != "failed" || rc.Status != "5.1.1" || !strings.HasPrefix(rc.Diagnostic, "550-5.1.1 The email account that you tried to reach does not exist") {
		t.Errorf("recipient %+v", rc)
	}
	if strings.Contains(rc.Diagnostic, "\n") {
		t.Errorf("diagnostic not unfolded: %q", rc.Diagnostic)
	}
	if !strings.Contains(r.Reason(), "does not exist") {
		t.Errorf("reason %q", r.Reason())
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		status, diag string
		want         Kind
	}{
		{"5.1.1", "550 5.1.1 No such user", Failed},
		{"", "550 5.1.1 <x@example.org>: Recipient address rejected: User unknown", Failed},
		{"", "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)", Failed},
		{"", "552 5.2.2 The email account that you tried to reach is over quota", Failed},
		{"", "550 5.2.1 The email account that you tried to reach is disabled", Failed},
		{"", "550 Requested action not taken: mailbox unavailable", Failed},
		{"", "554 delivery error: dd This user doesn't have a yahoo.com account", Failed},
		{"5.0.0", "smtp; 550 5.1.1 user unknown", Failed},
		{"", "550 5.7.1 Service unavailable; client host blocked using Spamhaus", Policy},
		{"", "550-5.7.26 Unauthenticated email is not accepted due to domain's DMARC policy", Policy},
		{"", "554 5.7.9 Message not accepted for policy reasons", Policy},
		{"", "550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized", Policy},
		{"", "552 5.3.4 Message size exceeds fixed limit", Policy},
		{"", "552 Message size exceeds fixed maximum message size", Policy},
		{"", "554 Message rejected as spam", Policy},
		{"", "550 SPF check failed", Policy},
		{"", "550 5.1.8 Bad sender's system address", Policy},
		{"", "550 5.1.0 Sender rejected", Policy},
		{"", "554 5.6.0 Message content rejected", Policy},
		{"", "421 4.7.0 Try again later, closing connection", Delayed},
		{"", "451 4.2.0 Mailbox busy", Delayed},
		{"4.4.7", "", Delayed},
		{"", "250 2.0.0 Ok", Delivered},
		{"", "mailbox unavailable", Failed},
		{"", "", Failed},
	}
	for _, c := range cases {
		if got := Classify(c.status, c.diag); got != c.want {
			t.Errorf("Classify(%q, %q) = %v, want %v", c.status, c.diag, got, c.want)
		}
	}
	if ClassifyReply("550 5.1.1 No such user", false) != Failed || ClassifyReply("550 5.7.1 relay access denied", false) != Policy {
		t.Error("ClassifyReply")
	}
}

func TestKindStrings(t *testing.T) {
	for k := Unrecognized; k <= Failed; k++ {
		if k.String() == "unknown" || k.String() == "" {
			t.Errorf("kind %d has no name", k)
		}
		if k.Counts() != (k == Failed) {
			t.Errorf("%v counts = %v", k, k.Counts())
		}
	}
}

func TestHostileInput(t *testing.T) {
	// Deep nesting, a boundary that never closes, a huge header: all
	// come back as some report, quickly.
	deep := "Content-Type: multipart/mixed; boundary=b0\n\n"
	for i := 1; i < 200; i++ {
		deep += "--b" + itoa(i-1) + "\nContent-Type: multipart/mixed; boundary=b" + itoa(i) + "\n\n"
	}
	for _, raw := range []string{
		"",
		"\n\n\n",
		"no header at all",
		deep,
		"Content-Type: multipart/report; boundary=x\n\n--x\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@b.c\nAction: failed\nStatus: 5.1.1\n",
		"Subject: " + strings.Repeat("x", 1<<21),
	} {
		r := Parse([]byte(raw))
		if r == nil {
			t.Fatal("nil report")
		}
	}
	r := Parse([]byte("Content-Type: multipart/report; boundary=x\n\n--x\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@b.c\nAction: failed\nStatus: 5.1.1\n"))
	if r.Kind != Failed {
		t.Errorf("unterminated DSN: %v", r.Kind)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

// TestClassifyReply: the relay's own answers. Only an answer that blames
// the mailbox is the member's bounce; a refusal of the sender (Postfix
// answers every RCPT so when it dislikes the envelope sender), of the
// message or for no stated reason is not.
func TestClassifyReply(t *testing.T) {
	for _, c := range []struct {
		reply  string
		gaveUp bool
		want   Kind
	}{
		{"550 5.1.1 <dana@example.net>: Recipient address rejected: User unknown", false, Failed},
		{"550 5.1.8 <news-bounces@lists.example.org>: Sender address rejected: Domain not found", false, Policy},
		{"550 5.1.8 Sender address rejected", false, Policy},
		{"553 5.1.7 The sender address is invalid", false, Policy},
		{"550 5.7.1 relay access denied", false, Policy},
		{"550 5.2.1 mailbox disabled", false, Failed},
		{"552 5.2.2 mailbox full", false, Failed},
		{"552 5.3.4 message too big", false, Policy},
		{"550 Message rejected", false, Policy},
		{"550 no such user here", false, Failed},
		{"554 5.7.1 message rejected as spam", false, Policy},
		{"451 4.3.0 try later", false, Delayed},
		{"given up after 120h0m0s: 452 4.2.2 mailbox full", true, Failed},
		{"given up after 120h0m0s: 451 4.3.0 try later", true, Delayed},
		{"given up after 120h0m0s: 450 4.1.8 Sender address rejected: Domain not found", true, Delayed},
		{"250 2.0.0 Ok", false, Delivered},
	} {
		if got := ClassifyReply(c.reply, c.gaveUp); got != c.want {
			t.Errorf("ClassifyReply(%q, %v) = %v, want %v", c.reply, c.gaveUp, got, c.want)
		}
	}
}

package listserv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOwnerTextLoopsRefused: an owner's text may range only over the
// mail's own values (nested ones over the element's own fields), at
// most three deep, with no sub-templates and no
// printf widths: each of these sources would keep the daemon busy
// without writing a byte, so no output cap could stop it.
func TestOwnerTextLoopsRefused(t *testing.T) {
	for _, src := range []string{
		"Subject: hi\n{{$n := 1000000000000}}{{range $n}}{{end}}",
		"Subject: hi\n{{$n := 1000000000000}}{{range $i, $x := $n}}{{end}}",
		"Subject: hi\n{{with 1000000000000}}{{range .}}{{end}}{{end}}",
		"Subject: hi\n{{range (len .Title)}}{{end}}",
		"Subject: hi\n{{range .Posts}}{{range $.Posts}}{{end}}{{end}}",
		"Subject: hi\n{{range .Posts}}{{with $}}{{range .Posts}}{{end}}{{end}}{{end}}",
		"Subject: hi\n{{range .A}}{{range .B}}{{range .C}}{{range .D}}{{end}}{{end}}{{end}}{{end}}",
		"Subject: hi\n{{define \"a\"}}{{template \"b\"}}{{template \"b\"}}{{end}}{{define \"b\"}}x{{end}}{{template \"a\"}}",
		"Subject: hi\n{{block \"a\" .}}x{{end}}",
		"Subject: hi\n{{printf \"%0999999999d\" 1}}",
		"Subject: hi\n{{printf \"%*d\" 999999999 1}}",
		"Subject: hi\n{{$f := \"%0999999999d\"}}{{printf $f 1}}",
	} {
		if err := CheckTemplate("welcome", src); err == nil {
			t.Errorf("accepted %q", src)
		}
	}
	for _, src := range []string{
		"Subject: Welcome to {{.Title}}\n{{range .Results}}{{.Line}}{{end}}",
		"Subject: x\n{{range .Threads}}{{range .Posts}}{{.Subject}} {{$.Title}}{{end}}{{end}}",
		"Subject: x\n{{range $i, $n := .RSVP.YesNames}}{{if $i}}, {{end}}{{$n}}{{end}} {{printf \"%d\" 3}}",
	} {
		if err := CheckTemplate("welcome", src); err != nil {
			t.Errorf("refused %q: %v", src, err)
		}
	}
	// Every built-in text passes the owners' rules, so an owner may start
	// from any of them.
	for _, n := range MailTemplateNames() {
		b, _ := templateFS.ReadFile("templates/" + builtinTemplate(n) + ".txt")
		if err := CheckTemplate(n, string(b)); err != nil {
			t.Errorf("built-in %s: %v", n, err)
		}
	}
}

// TestOwnerTextOutputBounded: a replacement text that multiplies the
// mail's values into more than maxOwnerTextOutput is not sent: the
// built-in text is used (logged), and the preview refuses it.
func TestOwnerTextOutputBounded(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("team", "discussion", map[string]string{"own@example.org": "owner"})
	body := strings.Repeat("x", 10<<10)
	src := "Subject: big\n\n{{range .Lines}}" + body + body + body + "{{end}}"
	if err := CheckTemplate("welcome", src); err != nil {
		t.Fatalf("the text itself is allowed: %v", err)
	}
	os.MkdirAll(filepath.Join(e.tmpl, "team"), 0o755)
	os.WriteFile(filepath.Join(e.tmpl, "team", "welcome.txt"), []byte(src), 0o644)
	lines := make([]string, 1000) // 1000 × 30 KiB = 30 MB unbounded
	start := time.Now()
	subj, out, err := e.svc.render("team", "welcome", map[string]any{"Lines": lines, "Title": "T", "Address": "a@example.org",
		"ListAddress": "team@lists.example.org", "RequestAddress": "team-request@lists.example.org", "Description": "", "ArchiveURL": "", "Mode": "each", "UnsubscribeURL": ""})
	if len(out) > maxOwnerTextOutput || subj == "big" {
		t.Errorf("rendered %d bytes with subject %q (err %v) in %v", len(out), subj, err, time.Since(start))
	}
	// The same limit holds for a direct run.
	long := "Subject: big\n\n{{range .Lines}}{{.}}" + body + body + "{{end}}"
	if _, _, err := executeOwnerText(mustParseOwner(t, long), map[string]any{"Lines": make([]string, 200)}); err == nil {
		t.Errorf("executed past the output limit")
	}
}

func mustParseOwner(t *testing.T, src string) *ownerText {
	t.Helper()
	ot, err := parseOwnerText("welcome", src, LangEnglish)
	if err != nil {
		t.Fatal(err)
	}
	return ot
}

// FuzzOwnerTemplate: any text CheckTemplate accepts runs within the
// output limit and in bounded time on its own sample data.
func FuzzOwnerTemplate(f *testing.F) {
	for _, n := range MailTemplateNames() {
		b, _ := templateFS.ReadFile("templates/" + builtinTemplate(n) + ".txt")
		f.Add(string(b))
	}
	f.Add("Subject: hi\n{{$n := 1000000000000}}{{range $n}}{{end}}")
	f.Add("Subject: hi\n{{range .A}}{{range .B}}{{.}}{{end}}{{end}}")
	f.Fuzz(func(t *testing.T, src string) {
		if CheckTemplate("welcome", src) != nil {
			return
		}
		ot, err := parseOwnerText("welcome", src, LangEnglish)
		if err != nil {
			t.Fatalf("CheckTemplate accepted what parseOwnerText refuses: %v", err)
		}
		start := time.Now()
		out, _, _ := executeOwnerText(ot, SampleData(ot.t))
		if len(out) > maxOwnerTextOutput {
			t.Fatalf("%d bytes of output", len(out))
		}
		if d := time.Since(start); d > 2*maxOwnerTextTime {
			t.Fatalf("ran %v", d)
		}
	})
}

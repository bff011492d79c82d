package listserv

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"minyan/store"
)

// templateService is a Service over a real store with the owners'
// template directory it reads (doorEnv's).
func templateService(t *testing.T) (*Service, string) {
	t.Helper()
	e := newDoorEnv(t, nil)
	return e.svc, e.tmpl
}

// digestSample is what the digest templates need to render a digest of no
// threads for a period.
func digestSample(period store.DigestFrequency) map[string]any {
	return map[string]any{"List": "team", "Title": "Team", "Range": "Nov 2, 2026", "Count": 0, "Threads": []any{},
		"CanPost": true, "PostAddress": "team@lists.example.org", "RequestAddress": "team-request@lists.example.org",
		"LeaveAddress": "team-leave@lists.example.org", "Period": period,
		"Subject": "Team digest", "Shortened": false, "Unlisted": 0, "ArchiveURL": ""}
}

func writeTemplate(t *testing.T, path, src string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(src), 0o640); err != nil {
		t.Fatal(err)
	}
}

// TestDigestTemplateOnePerFormatPeriodAsData: one built-in digest text
// serves both periods and words itself by the period it is given.
func TestDigestTemplateOnePerFormatPeriodAsData(t *testing.T) {
	s, _ := templateService(t)
	for _, c := range []struct {
		period          store.DigestFrequency
		subject, change string
	}{
		{store.DigestDaily, "[team] Daily digest, Nov 2, 2026 (0 messages)", `send "digest weekly"`},
		{store.DigestWeekly, "[team] Weekly digest, Nov 2, 2026 (0 messages)", `send "digest daily"`},
	} {
		subject, body, err := s.Render("team", "digest-"+string(c.period), digestSample(c.period))
		if err != nil {
			t.Fatal(err)
		}
		if subject != c.subject || !strings.Contains(body, "Team — "+string(c.period)+" digest") || !strings.Contains(body, c.change) {
			t.Errorf("%s digest: %q\n%s", c.period, subject, body)
		}
	}
	names := MailTemplateNames()
	if !slices.Contains(names, "digest-daily") || !slices.Contains(names, "digest-weekly") || slices.Contains(names, "digest") {
		t.Errorf("the console offers %v; want the digest texts by their period's names", names)
	}
	tpl, err := s.readTemplate("team", "digest-daily")
	if err != nil || !strings.Contains(tpl.Builtin, ".Period") {
		t.Errorf("digest-daily's built-in text: %v\n%s", err, tpl.Builtin)
	}
}

// TestDigestOverridesByPeriodName: overrides named after a period, as
// owners wrote them before the digest had one template, still win for
// that period only, the list's before the server's; an override named
// digest applies to the periods without their own.
func TestDigestOverridesByPeriodName(t *testing.T) {
	s, dir := templateService(t)
	writeTemplate(t, filepath.Join(dir, "digest-daily.txt"), "Subject: server daily {{.Period}}\n\nbody\n")
	writeTemplate(t, filepath.Join(dir, "digest-daily.html"), "<p>server daily html {{.Period}}</p>")
	writeTemplate(t, filepath.Join(dir, "team", "digest-weekly.html"), "<p>team weekly html</p>")

	render := func(list, name string) string {
		t.Helper()
		subject, _, err := s.Render(list, name, digestSample(store.DigestFrequency(strings.TrimPrefix(name, "digest-"))))
		if err != nil {
			t.Fatal(err)
		}
		return subject
	}
	renderHTML := func(list, name string) string {
		t.Helper()
		out, err := s.RenderHTML(list, name, digestSample(store.DigestFrequency(strings.TrimPrefix(name, "digest-"))))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := render("team", "digest-daily"); got != "server daily daily" {
		t.Errorf("daily text with a digest-daily.txt override: %q", got)
	}
	if got := render("team", "digest-weekly"); !strings.HasPrefix(got, "[team] Weekly digest") {
		t.Errorf("weekly text took the daily override: %q", got)
	}
	if got := renderHTML("team", "digest-daily"); got != "<p>server daily html daily</p>" {
		t.Errorf("daily HTML with a digest-daily.html override: %q", got)
	}
	if got := renderHTML("team", "digest-weekly"); got != "<p>team weekly html</p>" {
		t.Errorf("weekly HTML with the list's digest-weekly.html: %q", got)
	}
	if got := renderHTML("other", "digest-weekly"); !strings.Contains(got, "<h1><bdi>Team</bdi>: weekly digest</h1>") {
		t.Errorf("another list's weekly HTML is not the built-in one:\n%.300s", got)
	}

	// digest.txt is for every period; a period's own name still wins.
	writeTemplate(t, filepath.Join(dir, "digest.txt"), "Subject: every period {{.Period}}\n\nbody\n")
	if got := render("team", "digest-weekly"); got != "every period weekly" {
		t.Errorf("weekly text with only digest.txt: %q", got)
	}
	if got := render("team", "digest-daily"); got != "server daily daily" {
		t.Errorf("digest.txt beat digest-daily.txt: %q", got)
	}
	// The list's own text beats every server-wide one.
	writeTemplate(t, filepath.Join(dir, "team", "digest-daily.txt"), "Subject: team daily\n\nbody\n")
	if got := render("team", "digest-daily"); got != "team daily" {
		t.Errorf("the list's digest-daily.txt lost: %q", got)
	}
}

package web

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"minyan/listserv/i18n"
)

// TestPageOverridesStayWithTheirServer: the built-in pages are parsed
// once per process and shared (builtinPagesOf), so an owner's
// replacement must change only the server whose template directory holds
// it: another server of the same process, made before or after, still
// renders the built-in page; a replacement for every language and one for
// Hebrew only apply where they should; a broken one leaves the built-in
// page in place. Servers run their pages side by side.
func TestPageOverridesStayWithTheirServer(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	render := func(ps pageSet, l i18n.Lang, name string) string {
		t.Helper()
		var b strings.Builder
		data := map[string]any{"Message": "a message"}
		if err := ps.get(l).ExecuteTemplate(&b, name, data); err != nil {
			t.Errorf("%s in %s: %v", name, l, err) // Errorf: it runs in goroutines too
		}
		return b.String()
	}
	plainBefore := loadPageSet("", log)
	builtin := render(plainBefore, i18n.English, "invalid.html")

	dir := t.TempDir()
	write := func(rel, src string) {
		t.Helper()
		p := filepath.Join(dir, "web", rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("invalid.html", `OURS {{.Message}}`)
	write("he/invalid.html", `SHELANU {{.Message}}`)
	write("broken.html", `{{if}}`)
	owned := loadPageSet(dir, log)
	emptyDir := loadPageSet(t.TempDir(), log)
	plainAfter := loadPageSet("", log)

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if got := render(owned, i18n.English, "invalid.html"); got != "OURS a message" {
				t.Errorf("the owner's page: %q", got)
			}
			if got := render(owned, i18n.Hebrew, "invalid.html"); got != "SHELANU a message" {
				t.Errorf("the owner's Hebrew page: %q", got)
			}
			if got := render(owned, i18n.Spanish, "invalid.html"); got != "OURS a message" {
				t.Errorf("the owner's page in Spanish: %q", got)
			}
			for _, ps := range []pageSet{plainBefore, emptyDir, plainAfter} {
				if got := render(ps, i18n.English, "invalid.html"); got != builtin || strings.Contains(got, "OURS") {
					t.Errorf("a server without the replacement renders %q", got)
				}
			}
		})
	}
	wg.Wait()
	if !strings.Contains(builtin, "a message") || strings.Contains(builtin, "OURS") {
		t.Fatalf("the built-in page: %q", builtin)
	}
	if owned.get(i18n.English).Lookup("broken.html") != nil {
		t.Error("a replacement that does not parse was kept")
	}
	if plainBefore.get(i18n.English) != plainAfter.get(i18n.English) || emptyDir.get(i18n.English) != plainAfter.get(i18n.English) {
		t.Error("servers without replacements do not share the parsed pages")
	}
}

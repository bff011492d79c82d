package web

import (
	"io/fs"
	"regexp"
	"testing"
)

// emptyActionRE finds a form action attribute with an empty value.
var emptyActionRE = regexp.MustCompile(`(?i)<form\b[^>]*\baction\s*=\s*(""|'')`)

// TestPagesHaveNoEmptyFormAction: five pages had <form action="">, which
// the HTML standard forbids (the Nu checker flags it); a form that posts
// to its own page leaves the attribute out. The browser tests check the
// pages they visit (cmd/minyan html_check_test.go); this covers every
// template, visited or not.
func TestPagesHaveNoEmptyFormAction(t *testing.T) {
	err := fs.WalkDir(pageFS, "pages", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := pageFS.ReadFile(path)
		if err != nil {
			return err
		}
		if m := emptyActionRE.Find(b); m != nil {
			t.Errorf("%s: %s", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// PDFText is what a PDF parser (poppler's pdftotext) reads from pdf: the
// certificate tests check names and dates in it as a reader's program
// sees them. Without pdftotext the test skips, except under CI (env CI
// set), where it fails: .ci/run installs poppler-utils.
func PDFText(t testing.TB, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext (poppler-utils) is needed in CI")
		}
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	p := filepath.Join(t.TempDir(), "c.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

package certificate

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestVisual(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Ana Muñoz", "Ana Muñoz"},
		{"שרה כהן", "ןהכ הרש"},
		{"Certificate: שרה כהן", "Certificate: ןהכ הרש"},
		{"שרה (Sarah)", "(Sarah) הרש"},
		{"שָׁלוֹם", "םוֹלשָׁ"},
		{"", ""},
	} {
		if got := Visual(c.in); got != c.want {
			t.Errorf("Visual(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// pdfText is what pdftotext (poppler) reads from a PDF.
func pdfText(t *testing.T, pdf []byte) string {
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

// TestPDFReadsBack: a PDF parser finds the heading, an accented name, a
// Hebrew name (in reading order) and the event lines.
func TestPDFReadsBack(t *testing.T) {
	for _, name := range []string{"José Núñez-Çelik", "שרה כהן"} {
		pdf, err := Certificate{Heading: "Certificate of completion", Name: name,
			Lines: []string{"attended Regional convening", "November 20–22, 2026", "Study Circle"}, Title: "Certificate"}.PDF()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(pdf), "%PDF-") {
			t.Fatalf("not a PDF: %q", pdf[:16])
		}
		text := pdfText(t, pdf)
		for _, want := range []string{"Certificate of completion", name, "attended Regional convening", "November 20–22, 2026", "Study Circle"} {
			if !strings.Contains(text, want) {
				t.Errorf("PDF text lacks %q:\n%s", want, text)
			}
		}
	}
}

package certificate

import (
	"minyan/listserv/testkit"

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
		text := testkit.PDFText(t, pdf)
		for _, want := range []string{"Certificate of completion", name, "attended Regional convening", "November 20–22, 2026", "Study Circle"} {
			if !strings.Contains(text, want) {
				t.Errorf("PDF text lacks %q:\n%s", want, text)
			}
		}
	}
}

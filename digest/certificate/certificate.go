// Package certificate draws a certificate of completion as a one-page
// PDF. The words come from the caller (a template owners can override
// and translate); this package only lays them out, in DejaVu Sans
// (fonts/, embedded with its license) so accented Latin, Hebrew and
// Cyrillic names print.
//
// The PDF library draws text left to right and does not apply the
// Unicode bidirectional algorithm, so each line is put in visual order
// here (Visual): runs of right-to-left letters are reversed, and a line
// that starts right to left has its runs in reverse order too. Hebrew
// letters with niqqud (combining vowel marks) are kept with their
// letter, but their exact placement is the font's simple overlay.
package certificate

import (
	"bytes"
	_ "embed"
	"fmt"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
)

//go:embed fonts/DejaVuSans.ttf
var dejaVuSans []byte

// Certificate is what one certificate says: a heading, the person's name
// (drawn large), and the lines below it.
type Certificate struct {
	Heading string
	Name    string
	Lines   []string
	// Title is the PDF's document title (its metadata).
	Title string
}

// PDF renders the certificate as an A4 landscape page.
func (c Certificate) PDF() ([]byte, error) {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetCompression(true)
	pdf.AddUTF8FontFromBytes("dejavu", "", dejaVuSans)
	pdf.SetTitle(c.Title, true)
	pdf.SetCreator("minyan", true)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddPage()
	w, h := pdf.GetPageSize()
	pdf.SetLineWidth(1)
	pdf.Rect(12, 12, w-24, h-24, "D")
	pdf.SetLineWidth(0.3)
	pdf.Rect(16, 16, w-32, h-32, "D")
	line := func(size float64, y float64, text string) {
		pdf.SetFont("dejavu", "", size)
		pdf.SetXY(20, y)
		pdf.CellFormat(w-40, size*0.6, Visual(text), "", 0, "C", false, 0, "")
	}
	line(30, 45, c.Heading)
	line(36, 82, c.Name)
	y := 118.0
	for _, l := range c.Lines {
		line(16, y, l)
		y += 13
	}
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	return b.Bytes(), nil
}

// rtl reports whether r is a letter of a right-to-left script (Hebrew,
// Arabic and their presentation forms).
func rtl(r rune) bool {
	return unicode.In(r, unicode.Hebrew, unicode.Arabic) && !unicode.IsMark(r) ||
		r >= 0xFB1D && r <= 0xFDFF || r >= 0xFE70 && r <= 0xFEFF
}

// Visual puts a logical-order line in the left-to-right visual order
// the PDF library draws: each run of right-to-left text (its letters and
// the spaces and marks between them) is reversed, combining marks
// staying after their letter; when the line's first strong letter is
// right to left, the order of the runs is reversed as well. It is a
// simplification of the bidirectional algorithm that is right for
// names, titles and dates.
func Visual(s string) string {
	rs := []rune(s)
	type run struct {
		text []rune
		rtl  bool
	}
	var runs []run
	for i := 0; i < len(rs); {
		j := i
		if rtl(rs[i]) {
			// The run goes on over spaces and marks while more RTL follows.
			for j < len(rs) {
				k := j
				for k < len(rs) && (unicode.IsSpace(rs[k]) || unicode.IsMark(rs[k]) || unicode.IsPunct(rs[k]) && rs[k] != '(' && rs[k] != ')') {
					k++
				}
				if k < len(rs) && rtl(rs[k]) {
					j = k + 1
					continue
				}
				// Marks right after the last letter belong to it.
				for j < len(rs) && unicode.IsMark(rs[j]) {
					j++
				}
				break
			}
			runs = append(runs, run{reverseClusters(rs[i:j]), true})
		} else {
			for j < len(rs) && !rtl(rs[j]) {
				j++
			}
			runs = append(runs, run{rs[i:j], false})
		}
		i = j
	}
	if len(runs) > 1 && runs[0].rtl {
		for a, b := 0, len(runs)-1; a < b; a, b = a+1, b-1 {
			runs[a], runs[b] = runs[b], runs[a]
		}
		// In a right-to-left line the spaces around a left-to-right run
		// change sides with it.
		for i, r := range runs {
			if !r.rtl {
				runs[i].text = swapSpaces(r.text)
			}
		}
	}
	var out []rune
	for _, r := range runs {
		out = append(out, r.text...)
	}
	return string(out)
}

// reverseClusters reverses runes, keeping each combining mark after the
// letter it follows.
func reverseClusters(rs []rune) []rune {
	var clusters [][]rune
	for _, r := range rs {
		if unicode.IsMark(r) && len(clusters) > 0 {
			clusters[len(clusters)-1] = append(clusters[len(clusters)-1], r)
			continue
		}
		clusters = append(clusters, []rune{r})
	}
	out := make([]rune, 0, len(rs))
	for i := len(clusters) - 1; i >= 0; i-- {
		out = append(out, clusters[i]...)
	}
	return out
}

// swapSpaces moves a run's leading white space to its end and its
// trailing white space to its start.
func swapSpaces(rs []rune) []rune {
	i, j := 0, len(rs)
	for i < j && unicode.IsSpace(rs[i]) {
		i++
	}
	for j > i && unicode.IsSpace(rs[j-1]) {
		j--
	}
	out := append([]rune{}, rs[j:]...)
	out = append(out, rs[i:j]...)
	return append(out, rs[:i]...)
}

package bounce

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds the parser arbitrary mail, seeded with every sample in
// testdata: it must never panic, and what it reports must be sane.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("Content-Type: multipart/report; boundary=\"\"\n\n--\n--"))
	f.Add([]byte("Content-Type: message/delivery-status\n\nFinal-Recipient: ;\nAction: failed\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r := Parse(raw)
		if r == nil {
			t.Fatal("nil report")
		}
		if r.Kind < Unrecognized || r.Kind > Failed {
			t.Fatalf("kind %d out of range", r.Kind)
		}
		if len(r.Recipients) > 200 {
			t.Fatalf("%d recipients", len(r.Recipients))
		}
		for _, rc := range r.Recipients {
			if rc.Kind > r.Kind {
				t.Fatalf("recipient kind %v above report kind %v", rc.Kind, r.Kind)
			}
			if len(rc.Diagnostic) > 600 {
				t.Fatalf("diagnostic of %d bytes", len(rc.Diagnostic))
			}
		}
		_ = r.Reason()
	})
}

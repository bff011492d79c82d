package search

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestDamagedHubIsMovedAside: a resource hub file whose pages were
// damaged on disk (any one page overwritten) never panics at open: the
// hub opens as it is, or the file is moved aside to resources.db.damaged
// and an empty hub is made for the catch-up to refill from the archive.
func TestDamagedHubIsMovedAside(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	h, _, err := OpenHub(good)
	if err != nil {
		t.Fatal(err)
	}
	var ss []Share
	for i := uint64(1); i <= 400; i++ {
		ss = append(ss, share("open", i, fmt.Sprintf("https://example.org/page/%d", i), fmt.Sprintf("title %d with some words", i), "guides"))
	}
	put(t, h, "open", ss...)
	h.Close()
	clean, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	const pageSize = 4096
	pages := len(clean) / pageSize
	if pages < 6 {
		t.Fatalf("only %d pages", pages)
	}
	rng := rand.New(rand.NewPCG(20, 9))
	for pg := 0; pg < pages; pg++ {
		for _, fill := range []int{0x00, 0xff, 0x5a, -1} {
			bad := append([]byte(nil), clean...)
			for i := pg * pageSize; i < (pg+1)*pageSize; i++ {
				if fill >= 0 {
					bad[i] = byte(fill)
				} else if rng.IntN(64) == 0 { // a few random bytes of the page
					bad[i] = byte(rng.Uint32())
				}
			}
			path := filepath.Join(dir, fmt.Sprintf("r%d-%x.db", pg, fill))
			if err := os.WriteFile(path, bad, 0o600); err != nil {
				t.Fatal(err)
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("page %d filled with %#x: panic %v", pg, fill, r)
					}
				}()
				h, rebuilt, err := OpenHub(path)
				if err != nil {
					t.Errorf("page %d filled with %#x: %v", pg, fill, err)
					return
				}
				defer h.Close()
				if rebuilt {
					if _, err := os.Stat(path + ".damaged"); err != nil {
						t.Errorf("page %d: rebuilt but the damaged file was not kept: %v", pg, err)
					}
					if n := len(h.SharedIn("open", 0, 1000)); n != 0 {
						t.Errorf("page %d: rebuilt hub holds %d entries", pg, n)
					}
				}
				if _, err := h.Mark("open"); err != nil && !rebuilt {
					t.Errorf("page %d: opened as it is, but Mark fails: %v", pg, err)
				}
			}()
		}
	}
}

package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestWritePaletted: a screenshot is saved with at most paletteSize
// colours; white stays white and the page's flat colours survive.
func TestWritePaletted(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 64, 32))
	teal := color.RGBA{0x0d, 0x5f, 0x63, 0xff}
	for y := range 32 {
		for x := range 64 {
			c := color.RGBA{0xff, 0xff, 0xff, 0xff}
			switch {
			case x < 16:
				c = teal
			case x < 48:
				// a gradient, like text's antialiasing: more shades than
				// the palette holds
				v := uint8(4 * (x + y))
				c = color.RGBA{v, v, v, 0xff}
			}
			src.Set(x, y, c)
		}
	}
	var in bytes.Buffer
	if err := png.Encode(&in, src); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "shot.png")
	if err := writePaletted(path, in.Bytes()); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := img.(*image.Paletted)
	if !ok || len(p.Palette) > paletteSize || img.Bounds() != src.Bounds() {
		t.Fatalf("saved as %T with %d colours, %v", img, len(p.Palette), img.Bounds())
	}
	if r, g, b, _ := img.At(60, 5).RGBA(); r>>8 != 0xff || g>>8 != 0xff || b>>8 != 0xff {
		t.Errorf("white became %x %x %x", r>>8, g>>8, b>>8)
	}
	r, g, b, _ := img.At(3, 3).RGBA()
	if d := absDiff(r>>8, 0x0d) + absDiff(g>>8, 0x5f) + absDiff(b>>8, 0x63); d > 24 {
		t.Errorf("teal became %x %x %x", r>>8, g>>8, b>>8)
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

package web

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"net/http"
)

// faviconSize is the icon's width and height in pixels.
const faviconSize = 32

// favicon draws the site's icon, a white "m" on a rounded tile of the
// pages' accent colour (style.css --accent), and packs it as a one-image
// ICO file holding a PNG, which every browser reads at /favicon.ico.
// Browsers ask for that path whatever the page says; a 404 there filled
// the logs. The tile's corners are transparent and its edge a lighter
// ring, so it stands out on a light and on a dark tab bar alike (an
// icon file cannot follow prefers-color-scheme itself).
func favicon() []byte {
	accent := color.RGBA{0x0d, 0x5f, 0x63, 0xff}
	rim := color.RGBA{0x72, 0xc7, 0xc4, 0xff}
	img := image.NewRGBA(image.Rect(0, 0, faviconSize, faviconSize))
	const radius = 7
	for y := range faviconSize {
		for x := range faviconSize {
			// Distance outside the rounded rectangle's inner corner box.
			dx := max(radius-x, x-(faviconSize-1-radius), 0)
			dy := max(radius-y, y-(faviconSize-1-radius), 0)
			d := dx*dx + dy*dy
			switch {
			case d > radius*radius:
				// transparent corner
			case d > (radius-2)*(radius-2) || x < 1 || y < 1 || x > faviconSize-2 || y > faviconSize-2:
				img.Set(x, y, rim)
			default:
				img.Set(x, y, accent)
			}
		}
	}
	// The "m": three stems joined by a bar, 3 pixels thick.
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	fill := func(x0, y0, x1, y1 int) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				img.Set(x, y, white)
			}
		}
	}
	fill(6, 10, 26, 13)
	for _, x := range []int{6, 14, 23} {
		fill(x, 10, x+3, 25)
	}
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, img) // encoding to memory cannot fail
	var ico bytes.Buffer
	// ICONDIR: reserved 0, type 1 (icon), one image.
	binary.Write(&ico, binary.LittleEndian, [3]uint16{0, 1, 1})
	// ICONDIRENTRY: width, height, colours, reserved, planes, bits per
	// pixel, size of the image data, its offset (6 + 16 bytes in).
	ico.Write([]byte{faviconSize, faviconSize, 0, 0})
	binary.Write(&ico, binary.LittleEndian, [2]uint16{1, 32})
	binary.Write(&ico, binary.LittleEndian, [2]uint32{uint32(pngBuf.Len()), 22})
	ico.Write(pngBuf.Bytes())
	return ico.Bytes()
}

// faviconHandler serves the icon made once when the handler is built.
func faviconHandler() http.HandlerFunc {
	ico := favicon()
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/x-icon")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Write(ico)
	}
}

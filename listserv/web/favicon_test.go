package web

import (
	"bytes"
	"image/png"
	"log/slog"
	"net/http/httptest"
	"testing"
)

// TestFaviconServed: /favicon.ico, which every browser asks for, was 404.
// It is an ICO file holding a PNG of the icon.
func TestFaviconServed(t *testing.T) {
	srv := httptest.NewServer(Handler(Options{Core: &archiveFake{}, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	resp, body := fetch(t, srv, "/favicon.ico")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/x-icon" {
		t.Fatalf("GET /favicon.ico: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	b := []byte(body)
	if len(b) < 22 || !bytes.Equal(b[:6], []byte{0, 0, 1, 0, 1, 0}) {
		t.Fatalf("not an ICO file: % x", b[:min(len(b), 22)])
	}
	img, err := png.Decode(bytes.NewReader(b[22:]))
	if err != nil || img.Bounds().Dx() != faviconSize {
		t.Fatalf("the icon's image: %v %v", img, err)
	}
}

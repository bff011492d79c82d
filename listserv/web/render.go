package web

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"minyan/listserv"
	"minyan/listserv/i18n"
)

// Rendering: pages are executed into a pooled buffer and sent with their
// length in one write, and the directory (the same for every anonymous
// visitor until a list changes) is kept rendered.

// renderer holds the buffers and the rendered directory pages.
type renderer struct {
	bufs sync.Pool // *bytes.Buffer

	mu sync.Mutex
	// dir maps directoryKey to a rendered directory page.
	dir map[string][]byte
}

// maxDirPages bounds the rendered directory pages kept: one per signed-in
// viewer seen (the header names them) and one for everyone else. When
// full, the cache starts again empty.
const maxDirPages = 256

// maxPooledBuffer is the largest buffer put back in the pool, so one
// huge page does not pin its memory.
const maxPooledBuffer = 1 << 20

func (r *renderer) buffer() *bytes.Buffer {
	if b, ok := r.bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

func (r *renderer) release(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuffer {
		r.bufs.Put(b)
	}
}

// render executes pages/NAME.html in language l with data into a
// buffer the caller must release. It sets Lang, Dir and Path (for the
// footer's language switch to come back to) in data.
func (h *handler) render(l i18n.Lang, name string, data map[string]any) (*bytes.Buffer, error) {
	data["Lang"], data["Dir"] = string(l), l.Dir()
	if _, ok := data["Path"]; !ok {
		data["Path"] = ""
	}
	b := h.rend.buffer()
	err := h.pages.get(l).ExecuteTemplate(b, name+".html", data)
	return b, err
}

// send writes a rendered page with the headers every page has.
func send(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// directoryKey is everything the directory page is made of: the viewer
// named in the header and every field of every card. The templates are
// fixed once loaded, so equal keys render equal pages, and any change to
// a list changes the key.
func directoryKey(viewer string, cards []listserv.ListCard) string {
	var k strings.Builder
	k.WriteString(viewer)
	for _, c := range cards {
		for _, f := range []string{c.Name, string(c.Kind), c.Title, c.Description, string(c.Subscribe), string(c.Posting), string(c.Archive),
			strconv.Itoa(c.Capacity), c.Address, c.JoinAddress, c.RequestAddress, c.OwnerAddress} {
			k.WriteByte(0)
			k.WriteString(strconv.Itoa(len(f)))
			k.WriteByte(':')
			k.WriteString(f)
		}
	}
	return k.String()
}

// cachedDirectory returns the rendered directory for key, if kept.
func (r *renderer) cachedDirectory(key string) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	page, ok := r.dir[key]
	return page, ok
}

// keepDirectory keeps a rendered directory page.
func (r *renderer) keepDirectory(key string, page []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dir == nil || len(r.dir) >= maxDirPages {
		r.dir = map[string][]byte{}
	}
	r.dir[key] = page
}

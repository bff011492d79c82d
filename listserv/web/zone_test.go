package web

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/listserv/i18n"
)

// zoneFake is the archive fake with a signed-in person, ann, who chose a
// zone, and list "open" with a timezone setting; its one post was sent
// at 19:00 UTC.
type zoneFake struct {
	archiveFake
	annZone, listZone string
}

func (c *zoneFake) SessionAddress(sid string) (string, bool) {
	return "ann@example.org", sid == "sid-ann"
}
func (c *zoneFake) IsSiteAdmin(listserv.Actor) bool { return false }
func (c *zoneFake) PersonZone(addr string) string {
	if addr == "ann@example.org" {
		return c.annZone
	}
	return ""
}
func (c *zoneFake) ListZone(name string) string {
	if name == "open" {
		return c.listZone
	}
	return ""
}
func (c *zoneFake) Message(ctx context.Context, a listserv.Actor, list string, seq uint64, o listserv.ViewOptions) (listserv.MessageView, error) {
	m, err := c.archiveFake.Message(ctx, a, list, seq, o)
	m.Date = time.Date(2026, 12, 8, 19, 0, 0, 0, time.UTC)
	return m, err
}

// TestTimesInTheViewersZone: a post sent at 19:00 UTC shows at 14:00 to
// a person who chose America/New_York, with the zone named, in the
// page's language; without a choice of their own a visitor sees the
// list's timezone, and without that UTC.
func TestTimesInTheViewersZone(t *testing.T) {
	core := &zoneFake{annZone: "America/New_York", listZone: "Europe/Berlin"}
	srv := httptest.NewServer(Handler(Options{Core: core, Archive: true, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	for _, c := range []struct {
		name, cookie, annZone, listZone, want string
	}{
		{"person's zone", "minyan_session=sid-ann; minyan_lang=en", "America/New_York", "Europe/Berlin", "December 8, 2026, 2:00 PM (America/New_York)"},
		{"person's zone in Hebrew", "minyan_session=sid-ann; minyan_lang=he", "America/New_York", "Europe/Berlin", "8 בדצמבר 2026, בשעה 14:00 (America/New_York)"},
		{"list's zone for a visitor", "minyan_lang=en", "America/New_York", "Europe/Berlin", "December 8, 2026, 8:00 PM (Europe/Berlin)"},
		{"list's zone for a person without one", "minyan_session=sid-ann; minyan_lang=es", "", "Europe/Berlin", "8 de diciembre de 2026, a las 20:00 (Europe/Berlin)"},
		{"UTC without either", "minyan_lang=en", "", "", "December 8, 2026, 7:00 PM (UTC)"},
	} {
		core.annZone, core.listZone = c.annZone, c.listZone
		resp, body := fetch(t, srv, "/lists/open/m/1", "Cookie", c.cookie)
		if resp.StatusCode != 200 || !strings.Contains(body, c.want) {
			i := strings.Index(body, "<time")
			t.Errorf("%s: %d, want %q in the page; it says %.160s", c.name, resp.StatusCode, c.want, body[max(i, 0):])
		}
	}
}

// TestWhenFormats: when names the zone, whenDate is the day in it (the
// day can differ from the day in UTC), and neither shows a zero time.
func TestWhenFormats(t *testing.T) {
	f := pageFuncs(i18n.English)
	when := f["when"].(func(*time.Location, any) string)
	whenDate := f["whenDate"].(func(*time.Location, any) string)
	ny, _ := time.LoadLocation("America/New_York")
	late := time.Date(2026, 12, 9, 2, 30, 0, 0, time.UTC)
	if got := when(ny, late); got != "December 8, 2026, 9:30 PM (America/New_York)" {
		t.Errorf("when: %q", got)
	}
	if got := whenDate(ny, late); got != "December 8, 2026" {
		t.Errorf("whenDate: %q", got)
	}
	if got := when(nil, late); got != "December 9, 2026, 2:30 AM (UTC)" {
		t.Errorf("when without a zone: %q", got)
	}
	if got := when(ny, time.Time{}) + whenDate(ny, time.Time{}); got != "" {
		t.Errorf("a zero time: %q", got)
	}
}

package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// confirmCore answers ConfirmInfo with one fixed action.
type confirmCore struct {
	fakeCore
	action string
}

func (c *confirmCore) ConfirmInfo(string) (string, string, string, bool) {
	return c.action, "organizers", "sam@example.net", true
}

// The confirmation page says what the button will do: joining, leaving,
// or the email command that waits for it (a "digest on" must not read as
// leaving the list).
func TestConfirmPageNamesTheAction(t *testing.T) {
	for _, tc := range []struct {
		action     string
		want       []string
		mustNotSay []string
	}{
		{"join", []string{"Confirm joining", "Add <strong><bdi>sam@example.net</bdi></strong>", "Yes, confirm joining"}, []string{"leaving"}},
		{"leave", []string{"Confirm leaving", "Remove <strong><bdi>sam@example.net</bdi></strong>", "Yes, confirm leaving"}, []string{"joining"}},
		{"digest on", []string{"Confirm a change", "digest on", "Yes, go ahead"}, []string{"leaving", "joining", "Remove"}},
	} {
		t.Run(tc.action, func(t *testing.T) {
			core := &confirmCore{action: tc.action}
			srv := httptest.NewServer(Handler(Options{Core: core, Logger: slog.New(slog.DiscardHandler)}))
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/confirm/abcdefabcdefabcdefabcdef")
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d\n%s", resp.StatusCode, page)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(page), w) {
					t.Errorf("page lacks %q:\n%s", w, page)
				}
			}
			for _, w := range tc.mustNotSay {
				if strings.Contains(string(page), w) {
					t.Errorf("page says %q:\n%s", w, page)
				}
			}
		})
	}
}

package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
)

// noTextFake answers post 1 of list "open" with a post that has neither
// text nor HTML (a multipart without parts, archived by older versions).
type noTextFake struct{ archiveFake }

func (c *noTextFake) Message(_ context.Context, _ listserv.Actor, list string, seq uint64, _ listserv.ViewOptions) (listserv.MessageView, error) {
	if list != "open" || seq != 1 {
		return listserv.MessageView{}, listserv.ErrNoMessage
	}
	return listserv.MessageView{List: "open", Seq: 1, Thread: 1, Subject: "Empty", Author: "Rivka", Date: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}, nil
}

// TestArchivePageOfPostWithoutText: a post with no text showed an empty
// article; the page says "(no text)".
func TestArchivePageOfPostWithoutText(t *testing.T) {
	srv := httptest.NewServer(Handler(Options{Core: &noTextFake{}, Archive: true, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	resp, body := fetch(t, srv, "/lists/open/m/1")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !strings.Contains(body, "(no text)") {
		t.Errorf("the page of a post without text does not say so:\n%s", body)
	}
}

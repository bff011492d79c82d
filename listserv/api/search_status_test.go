package api

import (
	"fmt"
	"net/http"
	"testing"

	"minyan/listserv"
)

// TestSearchBusyStatus: a search the server has no room for, or one
// asked before the index is open, is 503 (to be tried again), not a
// refusal of the request.
func TestSearchBusyStatus(t *testing.T) {
	for _, err := range []error{listserv.ErrSearchBusy, fmt.Errorf("search: %w", listserv.ErrSearchOff)} {
		if got := status(err); got != http.StatusServiceUnavailable {
			t.Errorf("%v: %d, want 503", err, got)
		}
	}
}

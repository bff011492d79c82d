package digest

import (
	"bytes"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

// A list title with a line break (title accepts "\n") ends up raw in the
// ORGANIZER CN parameter.
func TestRegressionICSOrganizerNameNewline(t *testing.T) {
	start := time.Date(2027, 1, 7, 19, 0, 0, 0, time.UTC)
	raw, err := ICS(Invite{Method: MethodPublish, UID: "u@x", Stamp: start, Start: start, End: start.Add(time.Hour),
		Summary: "s", Organizer: "o@x", OrganizerName: "Study\nCircle"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%q", raw)
	if _, err := ical.NewDecoder(bytes.NewReader(raw)).Decode(); err != nil {
		t.Errorf("generated calendar does not parse: %v", err)
	}
	if bytes.Contains(raw, []byte("Study\nCircle")) || bytes.Contains(raw, []byte("Study\r\nCircle")) {
		t.Errorf("raw line break inside ORGANIZER")
	}
}

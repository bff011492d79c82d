package main

import (
	"strings"
	"testing"
	"time"

	"minyan/listserv/smtpsink"
)

// runWhenUp runs a command once the daemon answers on its admin socket.
func (e *e2e) runWhenUp(args ...string) string {
	e.t.Helper()
	var out string
	waitFor(e.t, "the admin socket", func() bool {
		var err error
		out, err = e.run(args...)
		return err == nil
	})
	return out
}

// reminders counts the reminders each recipient got.
func reminders(sink *smtpsink.Sink) map[string]int {
	n := map[string]int{}
	for _, m := range sink.Messages() {
		if strings.Contains(string(m.Data), "Subject: [circle] Reminder: Meet the binary") {
			for _, r := range m.Rcpts {
				n[r]++
			}
		}
	}
	return n
}

// TestEndToEndSessionReminder schedules a session a couple of minutes
// ahead with a reminder offset that falls due seconds after `session
// add`, in real time: the reminder arrives once; after kill -9 and a
// restart (whose catch-up pass runs before the admin socket opens) it is
// not queued again.
func TestEndToEndSessionReminder(t *testing.T) {
	t.Parallel()
	sink := startSink(t)
	e := newE2E(t, sink.Addr)
	e.start()
	e.runWhenUp("list", "create", "--kind", "community", "--title", "Circle", "circle")
	e.mustRun("member", "add", "circle", "alice@example.net", "bob@example.net")
	e.mustRun("member", "add", "--mode", "nomail", "circle", "nora@example.net")

	// Minute resolution for the start, seconds for the offset: the
	// reminder falls due about six seconds from now.
	now := time.Now().UTC()
	start := now.Add(90 * time.Second).Truncate(time.Minute).Add(time.Minute)
	offset := start.Sub(now.Add(6 * time.Second)).Truncate(time.Second)
	e.mustRun("list", "set", "circle", "timezone=UTC", "session_digest_before=0", "reminder_offsets="+offset.String())
	out := e.mustRun("session", "add", "--tz", "UTC", "--topic", "Meet the binary", "--link", "https://meet.example.org/e2e",
		"--start", start.Format("2006-01-02 15:04"), "circle")
	if !strings.HasPrefix(out, "added session 1 to circle: "+start.Format(time.RFC3339)) {
		t.Fatalf("session add said %q", out)
	}

	waitFor(t, "the reminder to both members", func() bool { return len(reminders(sink)) == 2 })
	waitFor(t, "the queue to drain", func() bool {
		out, err := e.run("queue", "ls")
		return err == nil && strings.TrimSpace(out) == ""
	})
	got := reminders(sink)
	if got["alice@example.net"] != 1 || got["bob@example.net"] != 1 || got["nora@example.net"] != 0 {
		t.Fatalf("reminders: %v", got)
	}
	for _, m := range sink.Messages() {
		if !strings.Contains(string(m.Data), "Content-Type: text/calendar; charset=utf-8; method=PUBLISH") {
			t.Errorf("reminder without its calendar part:\n%s", m.Data)
		}
	}

	e.kill9()
	e.start()
	// The admin socket opens after the scheduler's catch-up pass, so an
	// empty queue here means the restart queued nothing again.
	if q := e.runWhenUp("queue", "ls"); strings.TrimSpace(q) != "" {
		t.Fatalf("after restart the queue holds:\n%s", q)
	}
	if ls := e.mustRun("session", "ls", "circle"); !strings.Contains(ls, "\tscheduled\tMeet the binary\t") {
		t.Errorf("session ls: %q", ls)
	}
	if got := reminders(sink); got["alice@example.net"] != 1 || got["bob@example.net"] != 1 {
		t.Fatalf("reminders after restart: %v", got)
	}
}

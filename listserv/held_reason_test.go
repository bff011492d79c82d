package listserv

import (
	"strings"
	"testing"
	"time"

	"minyan/store"
)

// TestHeldReasonReadBackInReadersLanguage: a held post keeps its reason
// as a catalogue key, so the reminder two days later tells each
// moderator why in their language, not in the English the record also
// keeps; a join request's "asks to join" is a key too.
func TestHeldReasonReadBackInReadersLanguage(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("team", "discussion", map[string]string{"mod@example.org": "moderator", "mod2@example.org": "moderator"},
		"hold_remind_after=48h", "subscribe=approve")
	for addr, l := range map[string]Lang{"mod@example.org": LangHebrew, "mod2@example.org": LangSpanish} {
		if _, err := e.svc.SetProfile(bg, op, addr, ProfileChange{Lang: ptrTo(l)}); err != nil {
			t.Fatal(err)
		}
	}
	e.send("out@example.net", "team@lists.example.org", msg("out@example.net", "team@lists.example.org", "Hello", "May I post?"))
	held, err := e.svc.HeldItems(bg, op, "team")
	if err != nil || len(held) != 1 {
		t.Fatalf("held: %+v %v", held, err)
	}
	h := held[0]
	if h.Reason != "out@example.net is not a member of the list" || h.ReasonKey != "hold_go.nonmember" ||
		len(h.ReasonArgs) != 1 || h.ReasonArgs[0] != "out@example.net" {
		t.Fatalf("kept reason: %q %q %q", h.Reason, h.ReasonKey, h.ReasonArgs)
	}

	before := map[string]int{"mod@example.org": len(e.mailsTo("mod@example.org")), "mod2@example.org": len(e.mailsTo("mod2@example.org"))}
	e.clock.Advance(49 * time.Hour)
	if err := e.svc.Maintain(bg); err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]string{
		"mod@example.org":  "out@example.net לא חבר/ה ברשימה",
		"mod2@example.org": "out@example.net no es miembro de la lista",
	} {
		mails := e.mailsTo(addr)
		if len(mails) != before[addr]+1 {
			t.Fatalf("%s: %d mails after the reminder, had %d", addr, len(mails), before[addr])
		}
		if text := mailText(t, mails[len(mails)-1].body); !strings.Contains(text, want) || strings.Contains(text, "is not a member") {
			t.Errorf("%s's reminder lacks %q:\n%s", addr, want, text)
		}
	}

	e.send("bea@example.net", "team-join@lists.example.org", msg("bea@example.net", "team-join@lists.example.org", "join", ""))
	if _, err := e.svc.Confirm(bg, e.lastToken("bea@example.net", "team")); err != nil {
		t.Fatal(err)
	}
	held, _ = e.svc.HeldItems(bg, op, "team")
	var join store.Held
	for _, it := range held {
		if it.Kind == store.HeldJoin {
			join = it
		}
	}
	if join.Reason != "asks to join" || HeldReason(join).In(LangHebrew) != "מבקש/ת להצטרף" {
		t.Errorf("join request's reason: %q, in Hebrew %q", join.Reason, HeldReason(join).In(LangHebrew))
	}
}

// TestHeldReasonOfAnOlderRecord: a record written before the key was
// kept (or whose key the catalogue dropped) says its English reason.
func TestHeldReasonOfAnOlderRecord(t *testing.T) {
	for _, h := range []store.Held{
		{Reason: "every post to this list is reviewed by a moderator"},
		{Reason: "every post to this list is reviewed by a moderator", ReasonKey: "hold_go.no_such_key"},
	} {
		if got := HeldReason(h).In(LangHebrew); got != h.Reason {
			t.Errorf("%+v in Hebrew: %q", h, got)
		}
	}
	var h store.Held
	keepReason(&h, say("hold_go.new_member", 3))
	if h.ReasonKey != "hold_go.new_member" || HeldReason(h).In(LangSpanish) != "una persona moderadora revisa los primeros 3 mensajes de cada miembro nuevo" {
		t.Errorf("kept %+v: %q", h, HeldReason(h).In(LangSpanish))
	}
	keepReason(&h, say("hold_go.unverified_why", say("hold_go.loop")))
	if h.ReasonKey != "" || h.Reason != "could not verify the sender: the post already carries this list's List-Id (a mail loop)" {
		t.Errorf("a sentence inside a sentence: %+v", h)
	}
}

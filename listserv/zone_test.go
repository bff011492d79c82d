package listserv

import "testing"

// TestPersonZone: a person chooses the zone the web shows times in; a
// name that is not an IANA zone (or "Local", the server's) is refused
// and changes nothing; "" chooses none again. ListZone is the list's
// timezone setting.
func TestPersonZone(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("north", "discussion", map[string]string{"ann@example.org": "member"}, "timezone=Europe/Berlin")
	ann := Person("ann@example.org", DoorWeb)
	if z := e.svc.PersonZone("ann@example.org"); z != "" {
		t.Fatalf("before choosing: %q", z)
	}
	if _, err := e.svc.SetProfile(bg, ann, "ann@example.org", ProfileChange{Zone: ptrTo(" America/New_York ")}); err != nil {
		t.Fatal(err)
	}
	if z := e.svc.PersonZone("Ann@Example.org"); z != "America/New_York" {
		t.Errorf("after choosing: %q", z)
	}
	for _, bad := range []string{"Mars/Olympus", "Local", "America/New York", "../../etc/passwd"} {
		if _, err := e.svc.SetProfile(bg, ann, "ann@example.org", ProfileChange{Zone: ptrTo(bad)}); err == nil {
			t.Errorf("zone %q was taken", bad)
		}
	}
	if z := e.svc.PersonZone("ann@example.org"); z != "America/New_York" {
		t.Errorf("after refused changes: %q", z)
	}
	if _, err := e.svc.SetProfile(bg, ann, "ann@example.org", ProfileChange{Zone: ptrTo("")}); err != nil {
		t.Fatal(err)
	}
	if z := e.svc.PersonZone("ann@example.org"); z != "" {
		t.Errorf("after choosing none: %q", z)
	}
	if z := e.svc.ListZone("north"); z != "Europe/Berlin" {
		t.Errorf("ListZone(north) = %q", z)
	}
	if z := e.svc.ListZone("missing"); z != "" {
		t.Errorf("ListZone(missing) = %q", z)
	}
}

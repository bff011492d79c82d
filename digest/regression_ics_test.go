package digest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRegressionICSDump(t *testing.T) {
	start := time.Date(2027, 1, 7, 19, 0, 0, 0, time.UTC)
	raw, err := ICS(Invite{
		Method: MethodCancel, UID: SessionUID("circle", 42, "lists.example.org"), Sequence: 2,
		Stamp: start, Start: start, End: start.Add(time.Hour),
		Summary: "Torah, Talmud; and more\nline2", Description: "a,b;c\\d\n" + strings.Repeat("ä", 60),
		Link:      "https://meet.example.org/x?a=1,2;b",
		Organizer: "circle-owner@lists.example.org", OrganizerName: "Study Circle: Torah, Talmud; more",
		Cancelled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%q\n", raw)
	fmt.Println(string(raw))
}

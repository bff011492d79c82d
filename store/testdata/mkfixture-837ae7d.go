// mkfixture writes a small store with the code of this commit, for the
// store-compatibility test of later versions.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"time"

	"minyan/digest"
	"minyan/listserv"
	"minyan/listserv/testkit"
	"minyan/store"
)

func main() {
	dir := os.Args[1]
	st, err := store.Open(dir, time.Second)
	must(err)
	defer st.Close()
	clock := testkit.NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := listserv.New(st, listserv.Options{Domain: "lists.example.org", PublicURL: "https://lists.example.org",
		Defaults: listserv.ServerDefaults{MaxMessageBytes: 1 << 20, Timezone: "UTC"}, Clock: clock, Logger: lg})
	sch := digest.New(svc, st, digest.Options{Logger: lg})
	ctx := context.Background()
	op := listserv.Operator(listserv.DoorCLI)
	_, err = svc.CreateList(ctx, op, "disc", "discussion", "Discussion", "talk")
	must(err)
	_, err = svc.CreateList(ctx, op, "small", "community", "Small", "few seats")
	must(err)
	_, err = svc.SetList(ctx, op, "small", []string{"capacity=1"})
	must(err)
	add := func(list string, specs ...listserv.MemberSpec) {
		res, err := svc.AddMembers(ctx, op, list, specs, false)
		must(err)
		for _, r := range res {
			must(r.Err)
		}
	}
	add("disc", listserv.MemberSpec{Address: "own@example.org", Role: "owner", Name: "Olga Owner"},
		listserv.MemberSpec{Address: "mod@example.org", Role: "moderator"},
		listserv.MemberSpec{Address: "fac@example.org", Role: "facilitator"},
		listserv.MemberSpec{Address: "dig@example.org", Mode: "digest"},
		listserv.MemberSpec{Address: "quiet@example.org", Mode: "nomail"},
		listserv.MemberSpec{Address: "bad@example.org"})
	add("small", listserv.MemberSpec{Address: "own@example.org", Role: "owner"},
		listserv.MemberSpec{Address: "seat@example.org"}, listserv.MemberSpec{Address: "wait@example.org"})
	// A ban by a moderator's decision on a held post.
	raw := "From: bad@example.org\r\nTo: disc@lists.example.org\r\nSubject: hello\r\nMessage-ID: <1@example.net>\r\n\r\nhi\r\n"
	_ = raw
	// A held post from a non-member.
	held := "From: Stranger <stranger@example.net>\r\nTo: disc@lists.example.org\r\nSubject: may I?\r\nMessage-ID: <2@example.net>\r\nDate: Tue, 01 Dec 2026 11:00:00 +0000\r\n\r\nhello all\r\n"
	errs := svc.Receive(ctx, listserv.Envelope{From: "stranger@example.net", Rcpts: []string{"disc@lists.example.org"}, RemoteAddr: "127.0.0.1:4000", Helo: "mx.example.net"}, []byte(held))
	must(errs[0])
	// A post from a member, archived.
	post := "From: Olga <own@example.org>\r\nTo: disc@lists.example.org\r\nSubject: welcome\r\nMessage-ID: <3@example.org>\r\nDate: Tue, 01 Dec 2026 11:30:00 +0000\r\n\r\nwelcome all\r\n"
	errs = svc.Receive(ctx, listserv.Envelope{From: "own@example.org", Rcpts: []string{"disc@lists.example.org"}, RemoteAddr: "127.0.0.1:4000", Helo: "mx.example.org"}, []byte(post))
	must(errs[0])
	// A join request waiting for confirmation on the community list.
	join := "From: joiner@example.net\r\nTo: small-join@lists.example.org\r\nSubject: join\r\nMessage-ID: <4@example.net>\r\n\r\n\r\n"
	errs = svc.Receive(ctx, listserv.Envelope{From: "joiner@example.net", Rcpts: []string{"small-join@lists.example.org"}, RemoteAddr: "127.0.0.1:4000", Helo: "mx.example.net"}, []byte(join))
	must(errs[0])
	items, err := svc.HeldItems(ctx, op, "disc")
	must(err)
	fmt.Println("held:", len(items))
	// A banned address: a second held post, decided with ban.
	ban := "From: spam@example.net\r\nTo: disc@lists.example.org\r\nSubject: buy\r\nMessage-ID: <5@example.net>\r\nDate: Tue, 01 Dec 2026 11:40:00 +0000\r\n\r\nbuy\r\n"
	errs = svc.Receive(ctx, listserv.Envelope{From: "spam@example.net", Rcpts: []string{"disc@lists.example.org"}, RemoteAddr: "127.0.0.1:4000", Helo: "mx.example.net"}, []byte(ban))
	must(errs[0])
	items, err = svc.HeldItems(ctx, op, "disc")
	must(err)
	for _, h := range items {
		if h.From == "spam@example.net" {
			_, err := svc.Decide(ctx, op, "", h.ID, listserv.DecideBan, "")
			must(err)
		}
	}
	// A session with seats and a registration.
	added, err := sch.AddSessions(ctx, op, digest.AddRequest{List: "disc", Start: "2026-12-10 18:00", Duration: time.Hour, Seats: 5, Topic: "study"})
	must(err)
	_, err = sch.RSVPFor(ctx, op, "disc", added.Sessions[0].ID, "dig@example.org", "yes", nil)
	must(err)
	fmt.Println("ok")
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

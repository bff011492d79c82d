package listserv

import (
	"strings"
	"testing"

	"minyan/listserv/testkit"
)

// BenchmarkReceiveLargePost accepts one 10 MB post to a three-member
// list per iteration, on a store that starts empty, and reports the
// bytes allocated per post (B/op): every copy of the message between
// SMTP's buffer and the committed archive and queue shows here.
//
//	go test ./listserv -run '^$' -bench ReceiveLargePost -benchtime 5x -benchmem
func BenchmarkReceiveLargePost(b *testing.B) {
	svc, _ := newServiceWith(b, func(o *Options) {
		o.PublicURL, o.Resolver, o.Defaults.MaxMessageBytes = "https://lists.example.org", testkit.NewDNS(nil), 30<<20
	})
	if _, err := svc.CreateList(bg, op, "team", "discussion", "", ""); err != nil {
		b.Fatal(err)
	}
	var specs []MemberSpec
	for _, a := range []string{"ann@example.org", "bob@example.org", "cat@example.org"} {
		specs = append(specs, MemberSpec{Address: a})
	}
	if _, err := svc.AddMembers(bg, op, "team", specs, false); err != nil {
		b.Fatal(err)
	}
	body := strings.Repeat(strings.Repeat("x", 76)+"\r\n", 10<<20/78)
	env := Envelope{From: "ann@example.org", Rcpts: []string{"team@lists.example.org"}, RemoteAddr: "127.0.0.1:4000", Helo: "x"}
	raws := make([][]byte, b.N)
	for i := range raws {
		raws[i] = []byte(msg("ann@example.org", "team@lists.example.org", "big", body))
	}
	b.SetBytes(int64(len(raws[0])))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := svc.ReceiveSMTP(bg, env, raws[i]); err != nil {
			b.Fatal(err)
		}
	}
}

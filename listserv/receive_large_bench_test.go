package listserv

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"minyan/listserv/testkit"
	"minyan/store"
)

// BenchmarkReceiveLargePost accepts one 10 MB post to a three-member
// list per iteration, on a store that starts empty, and reports the
// bytes allocated per post (B/op): every copy of the message between
// SMTP's buffer and the committed archive and queue shows here.
//
//	go test ./listserv -run '^$' -bench ReceiveLargePost -benchtime 5x -benchmem
func BenchmarkReceiveLargePost(b *testing.B) {
	st, err := store.Open(b.TempDir(), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc := New(st, Options{Domain: "lists.example.org", PublicURL: "https://lists.example.org",
		Defaults: ServerDefaults{MaxMessageBytes: 30 << 20, Timezone: "UTC"},
		Clock:    testkit.NewClock(time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)), Resolver: testkit.NewDNS(nil), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
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

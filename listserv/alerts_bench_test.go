package listserv

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"minyan/listserv/testkit"
)

// BenchmarkFanOutCommit10k measures what a post to 10,000 members costs
// before SMTP says 250: parse, decide, render, archive and queue every
// copy in one commit. An alert adds a token, its hash and an alert
// record per member; the shared body is still rendered once (twice in
// all: the archived copy and the copy with the I-did-it part).
//
//	go test ./listserv -run XXX -bench FanOutCommit10k -benchtime 5x
func BenchmarkFanOutCommit10k(b *testing.B) {
	for _, tc := range []struct {
		name, subject, personalize string
	}{
		{"post", "Tenant meeting", "true"},
		{"alert", "Tenant meeting #alert", "true"},
		{"post-batched", "Tenant meeting", "false"},
		{"alert-batched", "Tenant meeting #alert", "false"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			svc, _ := newServiceWith(b, func(o *Options) {
				o.PublicURL, o.Resolver = "https://lists.example.org", testkit.NewDNS(nil)
			})
			ctx, op := context.Background(), Operator(DoorCLI)
			if _, err := svc.CreateList(ctx, op, "net", "announce", "", ""); err != nil {
				b.Fatal(err)
			}
			if _, err := svc.SetList(ctx, op, "net", []string{"personalize=" + tc.personalize, "dmarc_mitigation=never"}); err != nil {
				b.Fatal(err)
			}
			specs := make([]MemberSpec, 10000)
			specs[0] = MemberSpec{Address: "own@example.net", Role: "owner"}
			for i := 1; i < len(specs); i++ {
				specs[i] = MemberSpec{Address: fmt.Sprintf("m%05d@example.net", i)}
			}
			if _, err := svc.AddMembers(ctx, op, "net", specs, false); err != nil {
				b.Fatal(err)
			}
			text := strings.Repeat("A line of a post about the next training session, with enough words to be real.\r\n", 50)
			b.ResetTimer()
			for i := range b.N {
				raw := fmt.Sprintf("From: Own <own@example.net>\r\nTo: net@lists.example.org\r\nSubject: %s %d\r\nMessage-ID: <b%d@example.net>\r\nDate: Mon, 02 Nov 2026 10:00:00 -0500\r\n\r\n%s", tc.subject, i, i, text)
				if err := svc.Receive(ctx, Envelope{From: "own@example.net", Rcpts: []string{"net@lists.example.org"}}, []byte(raw))[0]; err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/post")
		})
	}
}

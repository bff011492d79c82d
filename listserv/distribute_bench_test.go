package listserv

import (
	"fmt"
	"testing"
)

// BenchmarkDistributePost measures accepting one ~4 KB HTML-only post
// (the shape that gets a footer part) on a personalized list of 10,000
// members: the checks, the rewrite, the archive copy, the copy sent out
// with its footer and the 10,000 queued recipients, all in one commit.
//
//	go test ./listserv -run '^$' -bench DistributePost -benchtime 20x
func BenchmarkDistributePost(b *testing.B) {
	svc, _ := newServiceWith(b, publicURL("https://lists.example.org"))
	if _, err := svc.CreateList(bg, op, "net", "discussion", "", ""); err != nil {
		b.Fatal(err)
	}
	specs := make([]MemberSpec, 10000)
	for i := range specs {
		specs[i] = MemberSpec{Address: fmt.Sprintf("m%05d@example.net", i)}
	}
	if _, err := svc.AddMembers(bg, op, "net", specs, false); err != nil {
		b.Fatal(err)
	}
	body := ""
	for len(body) < 4000 {
		body += "<p>The tenants' meeting moves to Thursday at the library.</p>\r\n"
	}
	b.ResetTimer()
	for i := range b.N {
		raw := fmt.Sprintf("From: m00001@example.net\r\nTo: net@lists.example.org\r\nSubject: Meeting %d\r\nMessage-ID: <b%d@example.net>\r\n"+
			"Date: Mon, 02 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n%s", i, i, body)
		errs := svc.Receive(bg, Envelope{From: "m00001@example.net", Rcpts: []string{"net@lists.example.org"}, RemoteAddr: "127.0.0.1:1", Helo: "mx.example.net"}, []byte(raw))
		if errs[0] != nil {
			b.Fatal(errs[0])
		}
	}
}

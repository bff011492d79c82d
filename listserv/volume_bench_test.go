package listserv

import (
	"context"
	"fmt"
	"testing"
	"time"

	"minyan/store"
)

// baseRecipients is the fan-out's recipient list as it was before muting
// and topics: every deliverable member in each mode, with the
// personalized headers. It is the baseline of BenchmarkPostRecipients.
func (s *Service) baseRecipients(tx *store.Tx, list store.List) ([]store.QueuedRcpt, error) {
	var out []store.QueuedRcpt
	err := tx.EachMember(list.Name, func(mb store.Membership) error {
		if mb.Mode != "each" || !Deliverable(mb) {
			return nil
		}
		out = append(out, s.MemberRecipient(list, mb))
		return nil
	})
	return out, err
}

// BenchmarkPostRecipients compares the personalized fan-out's recipient
// list for 10,000 members before muting and topics (base) and with them
// (volume: one member muted the thread, 1% follow a topic the post does
// not carry).
//
//	go test ./listserv -run XXX -bench PostRecipients -benchmem
func BenchmarkPostRecipients(b *testing.B) {
	svc, st := newServiceWith(b, publicURL("https://lists.example.org"))
	ctx, op := context.Background(), Operator(DoorCLI)
	if _, err := svc.CreateList(ctx, op, "net", "discussion", "", ""); err != nil {
		b.Fatal(err)
	}
	l, err := svc.SetList(ctx, op, "net", []string{"personalize=true"})
	if err != nil {
		b.Fatal(err)
	}
	specs := make([]MemberSpec, 10000)
	for i := range specs {
		specs[i] = MemberSpec{Address: fmt.Sprintf("m%05d@example.net", i)}
	}
	if _, err := svc.AddMembers(ctx, op, "net", specs, false); err != nil {
		b.Fatal(err)
	}
	var seq uint64
	if err := st.Update(func(tx *store.Tx) error {
		seq, err = tx.Archive("net", store.ArchiveMeta{MessageID: "p1@example.net", Subject: "Tenant meeting"}, []byte("Subject: Tenant meeting\r\n\r\nhi\r\n"))
		if err != nil {
			return err
		}
		if err := tx.Mute("net", "m00007@example.net", seq, time.Time{}); err != nil {
			return err
		}
		for i := 0; i < 100; i++ {
			mb, err := tx.Membership("net", fmt.Sprintf("m%05d@example.net", i*100))
			if err != nil {
				return err
			}
			mb.Topics = []string{"housing"}
			if err := tx.PutMembership(mb); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.Run("base", func(b *testing.B) {
		for b.Loop() {
			_ = st.View(func(tx *store.Tx) error {
				r, err := svc.baseRecipients(tx, l)
				if len(r) != 10000 {
					b.Fatalf("%d recipients", len(r))
				}
				return err
			})
		}
	})
	b.Run("volume", func(b *testing.B) {
		for b.Loop() {
			_ = st.View(func(tx *store.Tx) error {
				r, err := svc.postRecipients(tx, l, seq, "#training Tenant meeting")
				if len(r) != 10000-101 {
					b.Fatalf("%d recipients", len(r))
				}
				return err
			})
		}
	})
}

// The post fan-out writes the same per-recipient headers as
// MemberRecipient, plus the mute link.
func TestPostRecipientsHeaders(t *testing.T) {
	svc, st := newTestService(t)
	ctx, op := context.Background(), Operator(DoorCLI)
	if _, err := svc.CreateList(ctx, op, "net", "discussion", "", ""); err != nil {
		t.Fatal(err)
	}
	l, err := svc.SetList(ctx, op, "net", []string{"personalize=true"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddMembers(ctx, op, "net", []MemberSpec{{Address: "a@example.net"}}, false); err != nil {
		t.Fatal(err)
	}
	err = st.View(func(tx *store.Tx) error {
		mb, err := tx.Membership("net", "a@example.net")
		if err != nil {
			return err
		}
		got, err := svc.postRecipients(tx, l, 42, "x")
		if err != nil {
			return err
		}
		want := svc.MemberRecipient(l, mb)
		want.Header += "List-Mute-Thread: <http://127.0.0.1:8080/mute/" + svc.muteToken(mb.UnsubToken, 42) + "/42>\r\n"
		if len(got) != 1 || got[0] != want {
			t.Errorf("postRecipients = %+v\nwant %+v", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

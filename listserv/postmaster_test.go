package listserv

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minyan/store"
)

const postmasterMsg = "From: Remote Admin <admin@remote.example>\r\nTo: postmaster@lists.example.org\r\nSubject: your server sends spam?\r\nMessage-ID: <pm1@remote.example>\r\n\r\nPlease check.\r\n"

// TestPostmasterForwarded: postmaster@ and abuse@ (any case) are accepted
// and reach the site admins with the message attached.
func TestPostmasterForwarded(t *testing.T) {
	s, st := newTestService(t)
	s.o.Postmasters = []string{"root@admins.example"}
	for _, rcpt := range []string{"PostMaster@Lists.Example.org", "abuse@lists.example.org", "postmaster"} {
		if err := s.CheckRecipient(rcpt); err != nil {
			t.Fatalf("CheckRecipient(%s): %v", rcpt, err)
		}
		res := s.Receive(context.Background(), Envelope{From: "admin@remote.example", Rcpts: []string{rcpt}}, []byte(postmasterMsg))
		if res[0] != nil {
			t.Fatalf("Receive(%s): %v", rcpt, res[0])
		}
	}
	var n int
	err := st.View(func(tx *store.Tx) error {
		return tx.EachQueued(func(m store.QueuedMessage, r store.QueuedRcpt) error {
			if r.Address != "root@admins.example" {
				t.Errorf("queued to %s", r.Address)
			}
			_, body, err := st.QueuedMessage(m.ID)
			if err != nil {
				return err
			}
			if !strings.Contains(string(body), "Message-ID: <pm1@remote.example>") || !strings.Contains(string(body), "[postmaster] your server sends spam?") {
				t.Errorf("forward lacks the original:\n%s", body)
			}
			n++
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("%d forwards queued, want 3", n)
	}
}

// TestPostmasterKeptWithoutAdmins: with no admins the mail is kept in the
// Maildir, never dropped; with no Maildir either, the sender retries.
func TestPostmasterKeptWithoutAdmins(t *testing.T) {
	s, _ := newTestService(t)
	res := s.Receive(context.Background(), Envelope{From: "admin@remote.example", Rcpts: []string{"abuse@lists.example.org"}}, []byte(postmasterMsg))
	if r := AsReject(res[0]); res[0] == nil || r.Code != 451 {
		t.Fatalf("no admins, no maildir: %v, want 451", res[0])
	}
	s.o.PostmasterDir = filepath.Join(t.TempDir(), "postmaster")
	res = s.Receive(context.Background(), Envelope{From: "", Rcpts: []string{"postmaster@lists.example.org"}}, []byte("not even a header\r\n"))
	if res[0] != nil {
		t.Fatalf("maildir: %v", res[0])
	}
	ents, err := os.ReadDir(filepath.Join(s.o.PostmasterDir, "new"))
	if err != nil || len(ents) != 1 {
		t.Fatalf("maildir new/: %v %v", ents, err)
	}
	got, _ := os.ReadFile(filepath.Join(s.o.PostmasterDir, "new", ents[0].Name()))
	if string(got) != "not even a header\r\n" {
		t.Fatalf("kept %q", got)
	}
	if tmp, _ := os.ReadDir(filepath.Join(s.o.PostmasterDir, "tmp")); len(tmp) != 0 {
		t.Fatalf("tmp/ not empty: %v", tmp)
	}
}

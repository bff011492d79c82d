package imapd

import (
	"testing"

	"github.com/emersion/go-imap/v2"

	"minyan/store"
)

// TestBodyStructureOfMultipartWithoutParts: a multipart message with no
// body parts (which older versions archived) made go-imap panic while
// writing BODYSTRUCTURE, killing the command handler, so a client could
// not list the folder. Such a message is shown as a multipart holding
// one empty text part, and the messages around it are fetched as usual.
func TestBodyStructureOfMultipartWithoutParts(t *testing.T) {
	ts := startTest(t, nil)
	ts.list(t, "team", "discussion", "alice@example.org")
	pw := ts.password(t, "alice@example.org")
	for i, raw := range []string{
		"Subject: before\r\nMessage-ID: <a@x>\r\n\r\nhello\r\n",
		"Subject: empty\r\nMessage-ID: <b@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b--\r\n",
		"Subject: nested\r\nMessage-ID: <c@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n--i--\r\n--o--\r\n",
		"Subject: no boundary\r\nMessage-ID: <d@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\ntext\r\n",
	} {
		err := ts.st.Update(func(tx *store.Tx) error {
			_, err := tx.Archive("team", store.ArchiveMeta{MessageID: string(rune('a'+i)) + "@x", Subject: "s"}, []byte(raw))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	c := ts.login(t, "alice@example.org", pw)
	if _, err := c.Select("team", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []bool{true, false} {
		msgs, err := c.Fetch(imap.SeqSetNum(1, 2, 3, 4), &imap.FetchOptions{UID: true, BodyStructure: &imap.FetchItemBodyStructure{Extended: ext}}).Collect()
		if err != nil {
			t.Fatalf("FETCH BODYSTRUCTURE (extended %v): %v", ext, err)
		}
		if len(msgs) != 4 {
			t.Fatalf("%d messages", len(msgs))
		}
		for _, m := range msgs[1:] {
			mp, ok := m.BodyStructure.(*imap.BodyStructureMultiPart)
			if !ok || len(mp.Children) == 0 {
				t.Errorf("message %d: %#v", m.UID, m.BodyStructure)
			}
		}
	}
	// The connection still works.
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
}

package listserv

import (
	"bytes"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"minyan/store"
)

var (
	tokenInMailRE = regexp.MustCompile(`[a-z2-7]{32}`)
	messageIDRE   = regexp.MustCompile(`(?i)(?:message-id|in-reply-to|references): <([a-z2-7]{32})@`)
)

// TestNoTokenInClearInStore: after the flows that mail tokens (a join
// confirmation, a forged command's confirmation, a held post's
// moderation and withdrawal tokens, every member's unsubscribe and bounce
// tokens on a personalized list), no token any of these mails carries is
// found in the store file outside the outgoing queue (which holds the
// mails themselves until the relay takes them).
func TestNoTokenInClearInStore(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	e := newDoorEnv(t, nil)
	e.st.Close()
	e.svc = New(st, e.svc.o)
	e.st = st
	e.list("team", "discussion", map[string]string{"ann@example.org": "member", "own@example.org": "owner"}, "personalize=true", "posting=moderated")
	e.send("new@example.org", "team-request@lists.example.org", msg("new@example.org", "team-request@lists.example.org", "join", "subscribe"))
	e.send("ann@example.org", "team-request@lists.example.org", msg("ann@example.org", "team-request@lists.example.org", "cmd", "nomail on"))
	e.send("ann@example.org", "team@lists.example.org", msg("ann@example.org", "team@lists.example.org", "held", "hello"))
	held, err := e.svc.HeldItems(bg, op, "team")
	if err != nil || len(held) != 1 {
		t.Fatalf("held: %v %v", held, err)
	}
	if _, err := e.svc.Decide(bg, op, "team", held[0].ID, DecideApprove, ""); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]bool{}
	for _, m := range e.queued() {
		for _, tok := range tokenInMailRE.FindAllString(m.body, -1) {
			tokens[tok] = true
		}
	}
	err = st.View(func(tx *store.Tx) error {
		return tx.EachQueued(func(_ store.QueuedMessage, r store.QueuedRcpt) error {
			for _, tok := range tokenInMailRE.FindAllString(r.EnvelopeFrom+r.Header, -1) {
				tokens[tok] = true
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	// Posts' own Message-IDs (msg makes them of the same shape) are not
	// tokens.
	for _, m := range e.queued() {
		for _, id := range messageIDRE.FindAllStringSubmatch(m.body, -1) {
			delete(tokens, id[1])
		}
	}
	if len(tokens) < 5 {
		t.Fatalf("only %d tokens in the mail: %v", len(tokens), tokens)
	}
	st.Close()
	db, err := bolt.Open(filepath.Join(dir, "minyan.db"), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	queue := map[string]bool{"queue_msg": true, "queue_body": true, "queue_rcpt": true, "queue_due": true, "queue_failed": true}
	var walk func(bucket string, b *bolt.Bucket)
	walk = func(bucket string, b *bolt.Bucket) {
		b.ForEach(func(k, v []byte) error {
			if v == nil {
				if nb := b.Bucket(k); nb != nil {
					walk(bucket, nb)
				}
			}
			for tok := range tokens {
				if bytes.Contains(k, []byte(tok)) || bytes.Contains(v, []byte(tok)) {
					t.Errorf("bucket %s holds the token %s in clear", bucket, tok)
				}
			}
			return nil
		})
	}
	db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if !queue[string(name)] {
				walk(string(name), b)
			}
			return nil
		})
	})
}

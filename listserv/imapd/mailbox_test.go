package imapd

import (
	"reflect"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// Archives have no gaps today, but the map must stay right if an admin
// tool ever deletes posts: UIDs 1,2,3,7,8,10.
func TestMailboxSpans(t *testing.T) {
	b := &mailbox{name: "x", loaded: true, uidValidity: 9}
	for _, uid := range []uint32{1, 2, 3, 7, 8, 10} {
		b.addLocked(uid)
	}
	if b.count != 6 || len(b.runs) != 3 || b.lastUIDLocked() != 10 {
		t.Fatalf("runs %+v count %d", b.runs, b.count)
	}
	for _, tc := range []struct {
		set   imap.NumSet
		known uint32
		want  []span
	}{
		{imap.SeqSet{{Start: 1, Stop: 0}}, 6, []span{{1, 1, 3}, {4, 7, 2}, {6, 10, 1}}},
		{imap.SeqSet{{Start: 3, Stop: 4}}, 6, []span{{3, 3, 1}, {4, 7, 1}}},
		{imap.SeqSet{{Start: 0, Stop: 0}}, 5, []span{{5, 8, 1}}}, // "*" is the last the client knows
		{imap.SeqSet{{Start: 9, Stop: 12}}, 6, nil},
		{imap.UIDSet{{Start: 2, Stop: 8}}, 6, []span{{2, 2, 2}, {4, 7, 2}}},
		{imap.UIDSet{{Start: 4, Stop: 6}}, 6, nil},
		{imap.UIDSet{{Start: 20, Stop: 0}}, 6, []span{{6, 10, 1}}},
		{imap.UIDSet{{Start: 9, Stop: 0}}, 4, []span{{4, 7, 1}}}, // the client knows up to UID 7
		{imap.UIDSet{{Start: 1, Stop: 2}, {Start: 2, Stop: 3}, {Start: 8, Stop: 8}, {Start: 7, Stop: 7}}, 6, []span{{1, 1, 3}, {4, 7, 2}}},
	} {
		got, err := b.spans(9, tc.known, tc.set)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v (known %d): %+v %v, want %+v", tc.set, tc.known, got, err, tc.want)
		}
	}
	if _, err := b.spans(8, 6, imap.SeqSetNum(1)); err != errGone {
		t.Errorf("old UIDVALIDITY: %v", err)
	}
	if uid := b.uidOfLocked(5); uid != 8 {
		t.Errorf("uid of 5: %d", uid)
	}
}

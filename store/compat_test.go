package store

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestOpensStoreOf837ae7d opens a store written by 837ae7d, before the
// records' roles, modes, statuses, kinds and policies were typed
// (testdata/store-837ae7d.db.gz, made by testdata/mkfixture-837ae7d.go
// built at that commit), and reads every typed field back as its
// constant: the JSON values did not change, so no migration is needed.
func TestOpensStoreOf837ae7d(t *testing.T) {
	dir := t.TempDir()
	in, err := os.Open(filepath.Join("testdata", "store-837ae7d.db.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.OpenFile(filepath.Join(dir, "minyan.db"), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := Open(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	type want struct {
		role   ListRole
		mode   Mode
		status Status
	}
	members := map[string]map[string]want{
		"disc": {
			"own@example.org":   {ListOwner, ModeEach, StatusOK},
			"mod@example.org":   {ListModerator, ModeEach, StatusOK},
			"fac@example.org":   {ListFacilitator, ModeEach, StatusOK},
			"dig@example.org":   {ListMember, ModeDigest, StatusOK},
			"quiet@example.org": {ListMember, ModeNomail, StatusOK},
			"bad@example.org":   {ListMember, ModeEach, StatusOK},
			"spam@example.net":  {ListMember, ModeNomail, StatusBanned},
		},
		"small": {
			"own@example.org":    {ListOwner, ModeEach, StatusOK},
			"seat@example.org":   {ListMember, ModeEach, StatusOK},
			"wait@example.org":   {ListMember, ModeEach, StatusWaitlist},
			"joiner@example.net": {ListMember, ModeEach, StatusPending},
		},
	}
	err = st.View(func(tx *Tx) error {
		for name, kind := range map[string]ListKind{"disc": KindDiscussion, "small": KindCommunity} {
			l, err := tx.List(name)
			if err != nil {
				return err
			}
			if l.Kind != kind {
				t.Errorf("%s: kind %q, want %q", name, l.Kind, kind)
			}
			wantSub := SubscribeConfirm
			if kind == KindCommunity {
				wantSub = SubscribeApprove
			}
			if l.Settings.Subscribe != wantSub || l.Settings.Posting != PostingMembers || l.Settings.Archive != ArchiveMembers {
				t.Errorf("%s: subscribe %q, posting %q, archive %q", name, l.Settings.Subscribe, l.Settings.Posting, l.Settings.Archive)
			}
			mbs, err := tx.Members(name)
			if err != nil {
				return err
			}
			if len(mbs) != len(members[name]) {
				t.Errorf("%s: %d members, want %d", name, len(mbs), len(members[name]))
			}
			for _, mb := range mbs {
				w, ok := members[name][mb.Address]
				if !ok {
					t.Errorf("%s: unexpected member %s", name, mb.Address)
					continue
				}
				if mb.Role != w.role || mb.Mode != w.mode || mb.Status != w.status {
					t.Errorf("%s %s: %q/%q/%q, want %q/%q/%q", name, mb.Address, mb.Role, mb.Mode, mb.Status, w.role, w.mode, w.status)
				}
			}
		}
		held := map[string]HeldStatus{}
		if err := tx.EachHeld(false, func(h Held) error {
			if h.Kind != HeldPost {
				t.Errorf("held #%d: kind %q", h.ID, h.Kind)
			}
			held[h.From] = h.Status
			return nil
		}); err != nil {
			return err
		}
		if held["stranger@example.net"] != HeldPending || held["spam@example.net"] != HeldBanned {
			t.Errorf("held items: %v", held)
		}
		n := 0
		if err := tx.EachSession("disc", func(s Session) error {
			n++
			rs, err := tx.RSVPs("disc", s.ID)
			if err != nil {
				return err
			}
			if len(rs) != 1 || rs[0].Address != "dig@example.org" || rs[0].Answer != "yes" {
				t.Errorf("session %d RSVPs: %+v", s.ID, rs)
			}
			return nil
		}); err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("%d sessions, want 1", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

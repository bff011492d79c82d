package store

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// List returns the named list or ErrNotFound.
func (t *Tx) List(name string) (List, error) {
	var l List
	snap, err := t.listSnapshot()
	if err != nil {
		return l, fmt.Errorf("list %s: %w", name, err)
	}
	if snap != nil {
		l, ok := snap.byName[name]
		if !ok {
			return List{}, fmt.Errorf("list %s: %w", name, ErrNotFound)
		}
		return cloneList(l), nil
	}
	if err := getJSON(t.tx.Bucket(bLists), []byte(name), &l); err != nil {
		return l, fmt.Errorf("list %s: %w", name, err)
	}
	return l, nil
}

// CreateList stores a new list and its empty archive. Its UIDValidity is
// raised above every one handed out before, so a list deleted and created
// again under the same name never shows IMAP clients an old UIDVALIDITY
// with new messages.
func (t *Tx) CreateList(l List) error {
	b := t.tx.Bucket(bLists)
	if b.Get([]byte(l.Name)) != nil {
		return fmt.Errorf("list %s: %w", l.Name, ErrExists)
	}
	meta := t.tx.Bucket(bMeta)
	if last := meta.Get(kLastUIDValidity); len(last) == 8 && uint64(l.UIDValidity) <= binary.BigEndian.Uint64(last) {
		l.UIDValidity = uint32(binary.BigEndian.Uint64(last) + 1)
	}
	if l.UIDValidity == 0 {
		l.UIDValidity = 1
	}
	if err := meta.Put(kLastUIDValidity, u64(uint64(l.UIDValidity))); err != nil {
		return err
	}
	if err := t.bumpListsVersion(); err != nil {
		return err
	}
	ab, err := t.tx.Bucket(bArchive).CreateBucketIfNotExists([]byte(l.Name))
	if err != nil {
		return fmt.Errorf("archive for %s: %w", l.Name, err)
	}
	for _, sub := range [][]byte{subRaw, subMeta, subMsgID} {
		if _, err := ab.CreateBucketIfNotExists(sub); err != nil {
			return fmt.Errorf("archive for %s: %w", l.Name, err)
		}
	}
	return putJSON(b, []byte(l.Name), l)
}

// PutList overwrites an existing list's record (settings changes).
func (t *Tx) PutList(l List) error {
	if t.tx.Bucket(bLists).Get([]byte(l.Name)) == nil {
		return fmt.Errorf("list %s: %w", l.Name, ErrNotFound)
	}
	if err := t.bumpListsVersion(); err != nil {
		return err
	}
	return putJSON(t.tx.Bucket(bLists), []byte(l.Name), l)
}

// DeleteList removes a list with its memberships, archive, tokens and held
// items. Queued deliveries already accepted still go out.
func (t *Tx) DeleteList(name string) error {
	if t.tx.Bucket(bLists).Get([]byte(name)) == nil {
		return fmt.Errorf("list %s: %w", name, ErrNotFound)
	}
	if err := t.bumpListsVersion(); err != nil {
		return err
	}
	members, err := t.Members(name)
	if err != nil {
		return err
	}
	for _, m := range members {
		if err := t.DeleteMembership(name, m.Address); err != nil {
			return err
		}
	}
	if err := t.deleteListVolume(name); err != nil {
		return err
	}
	if err := t.deleteListOrgs(name); err != nil {
		return err
	}
	if err := t.deleteListAlerts(name); err != nil {
		return fmt.Errorf("delete alerts of %s: %w", name, err)
	}
	if err := t.DeleteListSchedule(name); err != nil {
		return fmt.Errorf("delete schedule of %s: %w", name, err)
	}
	if err := t.tx.Bucket(bArchive).DeleteBucket([]byte(name)); err != nil {
		return fmt.Errorf("delete archive %s: %w", name, err)
	}
	hb := t.tx.Bucket(bHeld)
	if _, err := deleteWhere(hb, func(k, _ []byte) (bool, error) {
		var h Held
		return getJSON(hb, k, &h) == nil && h.List == name, nil
	}); err != nil {
		return err
	}
	tb := t.tx.Bucket(bTokens)
	if _, err := deleteWhere(tb, func(k, _ []byte) (bool, error) {
		var tok Token
		return getJSON(tb, k, &tok) == nil && tok.List == name, nil
	}); err != nil {
		return err
	}
	return t.tx.Bucket(bLists).Delete([]byte(name))
}

// Lists returns every list in name order.
func (t *Tx) Lists() ([]List, error) {
	var out []List
	snap, err := t.listSnapshot()
	if err != nil {
		return nil, err
	}
	if snap != nil {
		for _, n := range snap.names {
			out = append(out, cloneList(snap.byName[n]))
		}
		return out, nil
	}
	b := t.tx.Bucket(bLists)
	err = b.ForEach(func(k, _ []byte) error {
		var l List
		if err := getJSON(b, k, &l); err != nil {
			return err
		}
		out = append(out, l)
		return nil
	})
	return out, err
}

// Person returns the person with that (lowercase) address, or ErrNotFound.
func (t *Tx) Person(addr string) (Person, error) {
	var p Person
	err := getJSON(t.tx.Bucket(bPeople), []byte(strings.ToLower(addr)), &p)
	if err != nil {
		return p, fmt.Errorf("person %s: %w", addr, err)
	}
	return p, nil
}

// PutPerson creates or replaces a person record.
func (t *Tx) PutPerson(p Person) error {
	p.Address = strings.ToLower(p.Address)
	if err := t.profileNameChanging(p); err != nil { // profiles.go
		return err
	}
	return putJSON(t.tx.Bucket(bPeople), []byte(p.Address), p)
}

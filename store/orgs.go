package store

import (
	"bytes"
	"fmt"
	"time"
)

// bOrgs holds the partner organizations of coalition lists, keyed by
// list and the organization's short name so a list's organizations are
// one cursor range.
var bOrgs = []byte("orgs") // list \x00 slug -> Org

// Org is a partner organization on a coalition list. Its delegates are
// memberships carrying its Slug (Membership.Org); the record itself keeps
// who speaks for it (Contacts), how many delegates it may name (Seats)
// and the partner worksheet's facts owners keep about it.
type Org struct {
	List string `json:"list"`
	// Slug is the short name people type (ORG in `minyan org add`) and
	// the one shown in "Name (ORG) via NAME".
	Slug string `json:"slug"`
	// Name is the organization's full name ("" shows Slug).
	Name string `json:"name,omitempty"`
	// Contacts are the addresses that manage the organization's
	// delegates; they are not members of the list by being contacts.
	Contacts []string `json:"contacts"`
	// Seats caps the delegates (pending ones included); 0 means no cap.
	Seats   int         `json:"seats,omitempty"`
	Partner PartnerType `json:"partner,omitempty"`
	// Note is for the list's owners only (the partner worksheet's
	// "plans for making the ask").
	Note    string    `json:"note,omitempty"`
	Created time.Time `json:"created"`
}

func orgKey(list, slug string) []byte { return []byte(list + "\x00" + slug) }

// PutOrg creates or replaces an organization.
func (t *Tx) PutOrg(o Org) error {
	if o.List == "" || o.Slug == "" {
		return fmt.Errorf("organization: list and name are required")
	}
	return putJSON(t.tx.Bucket(bOrgs), orgKey(o.List, o.Slug), o)
}

// Org reads one organization of a list (ErrNotFound when there is none).
func (t *Tx) Org(list, slug string) (Org, error) {
	var o Org
	b := t.tx.Bucket(bOrgs)
	k := orgKey(list, slug)
	if b.Get(k) == nil {
		return o, fmt.Errorf("organization %s on %s: %w", slug, list, ErrNotFound)
	}
	return o, getJSON(b, k, &o)
}

// Orgs returns a list's organizations in order of their short names.
func (t *Tx) Orgs(list string) ([]Org, error) {
	var out []Org
	b := t.tx.Bucket(bOrgs)
	prefix := []byte(list + "\x00")
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		var o Org
		if err := getJSON(b, k, &o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// DeleteOrg removes an organization record (its delegates' memberships
// are the caller's to remove first).
func (t *Tx) DeleteOrg(list, slug string) error {
	b := t.tx.Bucket(bOrgs)
	k := orgKey(list, slug)
	if b.Get(k) == nil {
		return fmt.Errorf("organization %s on %s: %w", slug, list, ErrNotFound)
	}
	return b.Delete(k)
}

// deleteListOrgs drops every organization of a deleted list.
func (t *Tx) deleteListOrgs(list string) error {
	b := t.tx.Bucket(bOrgs)
	prefix := []byte(list + "\x00")
	if err := deletePrefix(b, prefix); err != nil {
		return fmt.Errorf("delete organizations of %s: %w", list, err)
	}
	return nil
}

// OrgsOfContact returns the organizations, on every list, that addr is
// a contact of. It reads the whole (small) bucket: organizations number
// in the tens per list.
func (t *Tx) OrgsOfContact(addr string) ([]Org, error) {
	var out []Org
	b := t.tx.Bucket(bOrgs)
	err := b.ForEach(func(k, _ []byte) error {
		var o Org
		if err := getJSON(b, k, &o); err != nil {
			return err
		}
		for _, c := range o.Contacts {
			if c == addr {
				out = append(out, o)
				break
			}
		}
		return nil
	})
	return out, err
}

package listserv

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"minyan/store"
)

// CreateList makes a list of a kind with that kind's preset settings.
// Only site admins (and the operator) may.
func (s *Service) CreateList(ctx context.Context, a Actor, name, kind, title, description string) (store.List, error) {
	name = strings.TrimSpace(name)
	if err := ValidListName(name); err != nil {
		return store.List{}, fmt.Errorf("list name %q: %w", name, err)
	}
	if kind == "" {
		kind = string(KindDiscussion)
	}
	set, err := Preset(kind, name, s.o.Defaults)
	if err != nil {
		return store.List{}, err
	}
	if title != "" {
		set.Title = title
	}
	set.Description = description
	now := s.clock.Now()
	l := store.List{Name: name, Kind: Kind(kind), Created: now, UIDValidity: uint32(now.Unix()), Settings: set}
	if l.UIDValidity == 0 {
		l.UIDValidity = 1
	}
	err = s.st.Update(func(tx *store.Tx) error {
		if err := authorizeSite(tx, a); err != nil {
			return err
		}
		if err := tx.CreateList(l); err != nil {
			return err
		}
		return s.AuditChange(tx, a, name, "created the list (kind "+kind+")")
	})
	if errors.Is(err, store.ErrExists) {
		return l, fmt.Errorf("a list named %s already exists", name)
	}
	return l, err
}

// SetList applies KEY=VALUE settings: all of them or, if any is wrong,
// none. It needs PermSettings.
func (s *Service) SetList(ctx context.Context, a Actor, name string, pairs []string) (store.List, error) {
	var l store.List
	err := s.st.Update(func(tx *store.Tx) error {
		var err error
		if l, err = s.authorize(tx, a, name, PermSettings); err != nil {
			return err
		}
		for _, p := range pairs {
			k, v, ok := strings.Cut(p, "=")
			if !ok {
				return fmt.Errorf("%q: write settings as KEY=VALUE, e.g. posting=moderated", p)
			}
			if err := ApplySetting(&l.Settings, k, v, s.o.Defaults); err != nil {
				return err
			}
		}
		if err := tx.PutList(l); err != nil {
			return err
		}
		return s.AuditChange(tx, a, name, "changed settings: "+strings.Join(pairs, " "))
	})
	return l, err
}

// GetList returns a list.
func (s *Service) GetList(name string) (store.List, error) {
	var l store.List
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		l, err = tx.List(name)
		return err
	})
	return l, notFoundText(err, "no list named "+name)
}

// Lists returns all lists.
func (s *Service) Lists() ([]store.List, error) {
	var out []store.List
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		out, err = tx.Lists()
		return err
	})
	return out, err
}

// DeleteList removes a list, its roster and its archive. Only site admins
// (and the operator) may; the removal is recorded in the site's log (the
// list's own entries stay, for the record).
func (s *Service) DeleteList(ctx context.Context, a Actor, name string) error {
	return s.st.Update(func(tx *store.Tx) error {
		if _, err := s.authorize(tx, a, name, PermAdmin); err != nil {
			return err
		}
		if err := tx.DeleteList(name); err != nil {
			return notFoundText(err, "no list named "+name)
		}
		return s.AuditChange(tx, a, "", "removed the list "+name)
	})
}

// notFoundText replaces a store "not found" with a sentence for people.
func notFoundText(err error, text string) error {
	if errors.Is(err, store.ErrNotFound) {
		return errors.New(text)
	}
	return err
}

package listserv

import (
	"errors"
	"fmt"
	"strings"

	"minyan/store"
)

// CreateList makes a list of a kind with that kind's preset settings.
func (s *Service) CreateList(name, kind, title, description string) (store.List, error) {
	name = strings.TrimSpace(name)
	if err := ValidListName(name); err != nil {
		return store.List{}, fmt.Errorf("list name %q: %w", name, err)
	}
	if kind == "" {
		kind = "discussion"
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
	l := store.List{Name: name, Kind: kind, Created: now, UIDValidity: uint32(now.Unix()), Settings: set}
	if l.UIDValidity == 0 {
		l.UIDValidity = 1
	}
	err = s.st.Update(func(tx *store.Tx) error { return tx.CreateList(l) })
	if errors.Is(err, store.ErrExists) {
		return l, fmt.Errorf("a list named %s already exists", name)
	}
	return l, err
}

// SetList applies KEY=VALUE settings: all of them or, if any is wrong,
// none.
func (s *Service) SetList(name string, pairs []string) (store.List, error) {
	var l store.List
	err := s.st.Update(func(tx *store.Tx) error {
		var err error
		if l, err = tx.List(name); err != nil {
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
		return tx.PutList(l)
	})
	return l, notFoundText(err, "no list named "+name)
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

// DeleteList removes a list, its roster and its archive.
func (s *Service) DeleteList(name string) error {
	err := s.st.Update(func(tx *store.Tx) error { return tx.DeleteList(name) })
	return notFoundText(err, "no list named "+name)
}

// notFoundText replaces a store "not found" with a sentence for people.
func notFoundText(err error, text string) error {
	if errors.Is(err, store.ErrNotFound) {
		return errors.New(text)
	}
	return err
}

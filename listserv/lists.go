package listserv

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

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
		return s.createList(tx, a, l)
	})
	return l, err
}

// createList stores a new list and audits it: the one writer of new
// list records (CreateList, NextCohort).
func (s *Service) createList(tx *store.Tx, a Actor, l store.List) error {
	if err := tx.CreateList(l); err != nil {
		if errors.Is(err, store.ErrExists) {
			return RefuseSaying(fmt.Sprintf("a list named %s already exists", l.Name), "list_err.exists", l.Name)
		}
		return err
	}
	return s.AuditChange(tx, a, l.Name, "created the list (kind "+string(l.Kind)+")")
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

// putCohort records a community's cohort state (its end, the next
// cohort): the one writer of store.List.Cohort.
func (s *Service) putCohort(tx *store.Tx, l store.List, c store.CohortState) (store.List, error) {
	l.Cohort = &c
	return l, tx.PutList(l)
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

// ListSummary is one list on the site admins' overview.
type ListSummary struct {
	Name, Title string
	Kind        Kind
	Members     int
	Held        int
	LastPost    time.Time
	// Bouncing and Disabled count members whose mail bounces (counted,
	// or paused); Failed counts recipients the outbound queue gave up
	// on; Queued counts deliveries still waiting.
	Bouncing, Disabled, Failed, Queued int
}

// SiteOverview returns every list with its size, held items, last post
// and delivery problems. Only site admins (and the operator) may.
func (s *Service) SiteOverview(ctx context.Context, a Actor) ([]ListSummary, error) {
	var out []ListSummary
	err := s.st.View(func(tx *store.Tx) error {
		if err := authorizeSite(tx, a); err != nil {
			return err
		}
		lists, err := tx.Lists()
		if err != nil {
			return err
		}
		at := map[string]int{}
		for _, l := range lists {
			sum := ListSummary{Name: l.Name, Kind: l.Kind, Title: l.Settings.Title}
			t, err := tallyMembers(tx, l.Name)
			if err != nil {
				return err
			}
			sum.Members, sum.Bouncing, sum.Disabled = t.Members, t.Bouncing, t.Disabled
			if _, next, err := tx.ArchiveStats(l.Name); err == nil && next > 1 {
				if m, err := tx.ArchiveMeta(l.Name, next-1); err == nil {
					sum.LastPost = m.Archived
				}
			}
			at[l.Name] = len(out)
			out = append(out, sum)
		}
		if err := tx.EachHeld(false, func(h store.Held) error {
			if i, ok := at[h.List]; ok && h.Status == store.HeldPending {
				out[i].Held++
			}
			return nil
		}); err != nil {
			return err
		}
		if err := tx.EachFailed(func(m store.QueuedMessage, _ store.QueuedRcpt) error {
			if i, ok := at[m.List]; ok {
				out[i].Failed++
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.EachQueued(func(m store.QueuedMessage, _ store.QueuedRcpt) error {
			if i, ok := at[m.List]; ok {
				out[i].Queued++
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// errNoSuchTemplate answers a mail text name that is not one of ours.
var errNoSuchTemplate = errors.New("there is no mail text by that name")

package listserv

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"minyan/store"
)

// The people directory: listed profiles, for people of the network. Only
// someone signed in and on at least one list that is not a caucus may
// look, so a caucus-only address learns nothing from it. Nothing here
// ever names a caucus: not a profile's shared lists, not a search, not
// an error.

// ErrDirectoryClosed answers a signed-in person who is on no list that
// is not a caucus. The sentence names no list.
var ErrDirectoryClosed = errors.New("the people directory is for members of the network's lists; once you are on one of them you can use it")

// SharedList is a list two people are both on.
type SharedList struct {
	Name  string
	Title string
}

// PersonView is one listed profile as another person of the network sees
// it: the card and the lists the two share (never a caucus).
type PersonView struct {
	PersonCard
	Shared []SharedList
	// Self tells that the viewer is looking at their own profile.
	Self bool
}

// PeopleResult is one page of the directory.
type PeopleResult struct {
	People []PersonCard
	Total  int
	Page   int
	Pages  int
}

// openLists returns the lists addr is an active member of that are not
// caucuses, with their titles.
func openLists(tx *store.Tx, addr string) (map[string]string, error) {
	names, err := tx.ListsOf(addr)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, n := range names {
		l, err := tx.List(n)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		if l.Kind == KindCaucus {
			continue
		}
		mb, err := tx.Membership(n, addr)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		if activeMember(&mb) {
			out[n] = l.Settings.Title
		}
	}
	return out, nil
}

// mayUseDirectory: the operator, or a person on at least one list that
// is not a caucus.
func mayUseDirectory(tx *store.Tx, a Actor) error {
	if a.Operator {
		return nil
	}
	if a.Address == "" {
		return ErrForbidden
	}
	open, err := openLists(tx, a.Address)
	if err != nil {
		return err
	}
	if len(open) == 0 {
		return ErrDirectoryClosed
	}
	return nil
}

// MayUseDirectory tells a page whether to offer the directory at all.
func (s *Service) MayUseDirectory(a Actor) bool {
	err := s.st.View(func(tx *store.Tx) error { return mayUseDirectory(tx, a) })
	return err == nil
}

// WarmPeopleIndex builds the directory's index now (the daemon calls it
// at start), so the first search does not wait for it: at 100,000
// profiles the build takes seconds.
func (s *Service) WarmPeopleIndex() error {
	return s.st.View(func(tx *store.Tx) error {
		if s.people.current(tx.ProfilesVersion()) {
			return nil
		}
		return s.people.rebuild(tx)
	})
}

// People searches the directory: listed profiles only, by words (name,
// region, roles, about, offers; each word may be the start of one),
// region and role, sorted by name.
func (s *Service) People(ctx context.Context, a Actor, q PeopleQuery) (PeopleResult, error) {
	var res PeopleResult
	err := s.st.View(func(tx *store.Tx) error {
		if err := mayUseDirectory(tx, a); err != nil {
			return err
		}
		if !s.people.current(tx.ProfilesVersion()) {
			if err := s.people.rebuild(tx); err != nil {
				return err
			}
		}
		docs, total := s.people.search(q)
		res.Total, res.Page = total, max(q.Page, 1)
		res.Pages = (total + PeoplePageSize - 1) / PeoplePageSize
		res.People = []PersonCard{}
		// The index narrows; the store decides: every card shown is
		// read again, so a profile unlisted a moment ago never shows.
		for _, d := range docs {
			p, err := tx.Profile(d.addr)
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			if !p.Listed {
				continue
			}
			name := ""
			if pr, err := tx.Person(p.Address); err == nil {
				name = pr.Name
			}
			res.People = append(res.People, cardOf(p, name))
		}
		return nil
	})
	if err != nil {
		return PeopleResult{}, fmt.Errorf("people directory: %w", err)
	}
	return res, nil
}

// PersonProfile shows one listed profile by its directory id. An
// unlisted or unknown id is ErrNotFound, the same answer for both.
func (s *Service) PersonProfile(ctx context.Context, a Actor, id string) (PersonView, error) {
	var out PersonView
	err := s.st.View(func(tx *store.Tx) error {
		if err := mayUseDirectory(tx, a); err != nil {
			return err
		}
		p, name, err := listedProfile(tx, id)
		if err != nil {
			return err
		}
		out.PersonCard = cardOf(p, name)
		out.Self = p.Address == a.Address
		if a.Address == "" {
			return nil
		}
		mine, err := openLists(tx, a.Address)
		if err != nil {
			return err
		}
		theirs, err := openLists(tx, p.Address)
		if err != nil {
			return err
		}
		for n, title := range theirs {
			if _, ok := mine[n]; ok {
				out.Shared = append(out.Shared, SharedList{Name: n, Title: title})
			}
		}
		sort.Slice(out.Shared, func(i, j int) bool { return out.Shared[i].Name < out.Shared[j].Name })
		return nil
	})
	if err != nil {
		return PersonView{}, fmt.Errorf("person %s: %w", id, err)
	}
	return out, nil
}

// listedProfile finds a listed profile by id; anything else is
// ErrNotFound.
func listedProfile(tx *store.Tx, id string) (store.Profile, string, error) {
	if id == "" || len(id) > 64 {
		return store.Profile{}, "", ErrNotFound
	}
	p, err := tx.ProfileByID(id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !p.Listed) {
		return store.Profile{}, "", ErrNotFound
	} else if err != nil {
		return store.Profile{}, "", err
	}
	name := ""
	if pr, err := tx.Person(p.Address); err == nil {
		name = pr.Name
	}
	return p, name, nil
}

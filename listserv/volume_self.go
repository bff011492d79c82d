package listserv

import (
	"context"
	"fmt"
	"strings"

	"minyan/store"
)

// MyVolume is how much mail a person gets from one list, beyond the
// delivery mode: for /me.
type MyVolume struct {
	// Frequency is daily or weekly.
	Frequency store.DigestFrequency
	// Topics are the topics followed, comma-separated ("" = all).
	Topics string
	// ListTopics are the tags the list allows, comma-separated ("" =
	// any).
	ListTopics string
}

// SelfVolume returns, per list name, the digest frequency and topics of
// the actor's own memberships.
func (s *Service) SelfVolume(ctx context.Context, a Actor) (map[string]MyVolume, error) {
	if a.Address == "" {
		return nil, ErrForbidden
	}
	out := map[string]MyVolume{}
	err := s.st.View(func(tx *store.Tx) error {
		names, err := tx.ListsOf(a.Address)
		if err != nil {
			return err
		}
		for _, n := range names {
			l, err := tx.List(n)
			if err != nil {
				continue
			}
			mb, err := tx.Membership(n, a.Address)
			if err != nil {
				continue
			}
			out[n] = MyVolume{Frequency: mb.Frequency(), Topics: strings.Join(mb.Topics, ", "), ListTopics: strings.ReplaceAll(l.Settings.Topics, ",", ", ")}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("digest settings of %s: %w", a, err)
	}
	return out, nil
}

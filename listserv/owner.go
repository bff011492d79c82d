package listserv

import (
	"context"

	"minyan/store"
)

// receiveOwner forwards mail for NAME-owner@ to the list's owners and
// moderators, attached, never to the list: NAME-owner@ reaches the people
// who run the list and no one else.
func (s *Service) receiveOwner(ctx context.Context, env Envelope, la ListAddress, raw []byte) error {
	m, err := parse(raw)
	if err != nil {
		return err
	}
	if robotReason(m) != "" && env.From == "" {
		s.log.Info("owner mail from a robot with null sender dropped", "list", la.List)
		return nil
	}
	err = s.st.Batch(func(tx *store.Tx) error {
		list, err := tx.List(la.List)
		if err != nil {
			return err
		}
		to, err := moderatorAddresses(tx, list.Name, ListModerator)
		if err != nil || len(to) == 0 {
			return err
		}
		return s.queueNoticeIn(tx, list.Name, to, "owner-forward", map[string]any{
			"List": list.Name, "Subject": m.Subject, "ListAddress": s.addr(list.Name, RolePost, ""),
			"From": m.From.String(),
		}, notice{List: list.Name, From: s.addr(list.Name, RoleOwner, ""), ReplyTo: m.From.Address, Attached: raw})
	})
	if err != nil {
		return tempFail(err)
	}
	s.log.Info("owner mail forwarded", "list", la.List, "from", m.From.Address)
	return nil
}

// moderatorAddresses lists the members whose role is at least minRole.
func moderatorAddresses(tx *store.Tx, list string, minRole ListRole) ([]string, error) {
	var out []string
	err := tx.EachMember(list, func(m store.Membership) error {
		if RoleRank(m.Role) >= RoleRank(minRole) && m.Status != StatusBanned {
			out = append(out, m.Address)
		}
		return nil
	})
	return out, err
}

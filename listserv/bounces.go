package listserv

import (
	"context"

	"minyan/store"
)

// receiveBounce accepts mail at NAME-bounces@. Bounce scoring is done by
// the bounce processor; until then every bounce is logged with the member
// its VERP token names, so nothing vanishes unseen.
func (s *Service) receiveBounce(ctx context.Context, env Envelope, la ListAddress, raw []byte) error {
	var who string
	if la.Token != "" {
		_ = s.st.View(func(tx *store.Tx) error {
			if t, err := tx.Token(la.Token); err == nil && t.Kind == "bounce" && t.List == la.List {
				who = t.Address
			}
			return nil
		})
	}
	s.log.Warn("bounce received", "list", la.List, "member", who, "bytes", len(raw), "envelope_from", env.From)
	return nil
}

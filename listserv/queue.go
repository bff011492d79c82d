package listserv

import (
	"strconv"
	"time"

	"minyan/store"
)

// QueueEntry is one recipient's delivery state, for `minyan queue ls`.
type QueueEntry struct {
	ID        string // MSG.INDEX
	List      string
	Kind      string
	Address   string
	State     string // queued | failed
	Attempts  int
	Next      time.Time
	LastError string
}

// QueueEntries lists waiting deliveries, then given-up ones (up to limit
// each; 0 = no limit).
func (s *Service) QueueEntries(limit int) ([]QueueEntry, error) {
	var out []QueueEntry
	conv := func(state string) func(m store.QueuedMessage, r store.QueuedRcpt) error {
		n := 0
		return func(m store.QueuedMessage, r store.QueuedRcpt) error {
			if limit > 0 && n >= limit {
				return nil
			}
			n++
			e := QueueEntry{ID: formatKey(r.Key()), List: m.List, Kind: m.Kind, Address: r.Address, State: state,
				Attempts: r.Attempts, Next: r.NextAttempt, LastError: r.LastError}
			if state == "failed" {
				e.Next = r.Failed
			}
			out = append(out, e)
			return nil
		}
	}
	err := s.st.View(func(tx *store.Tx) error {
		if err := tx.EachQueued(conv("queued")); err != nil {
			return err
		}
		return tx.EachFailed(conv("failed"))
	})
	return out, err
}

func formatKey(k store.RcptKey) string {
	return strconv.FormatUint(k.Msg, 10) + "." + strconv.FormatUint(uint64(k.Index), 10)
}

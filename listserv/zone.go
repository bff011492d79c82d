package listserv

import (
	"strings"
	"time"

	"minyan/store"
)

// ParseZone reads a time zone a person chose: an IANA name
// ("America/New_York"), or "" for none (ok, with a nil location). "Local"
// is refused: it means the server's zone, which no one chose.
func ParseZone(name string) (*time.Location, bool) {
	if name == "" {
		return nil, true
	}
	if name == "Local" || strings.ContainsAny(name, " \\") || len(name) > 64 {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	return loc, err == nil
}

// PersonZone is the time zone a person chose to read times in on the
// web (their profile's zone), "" when they chose none.
func (s *Service) PersonZone(addr string) string {
	var z string
	_ = s.st.View(func(tx *store.Tx) error {
		if p, err := tx.Profile(NormalizeAddress(addr)); err == nil {
			z = p.Zone
		}
		return nil
	})
	return z
}

// ListZone is a list's timezone setting, "" for a list that does not
// exist. The web shows times in it to people who chose no zone of
// their own; it says nothing a page about the list does not.
func (s *Service) ListZone(name string) string {
	var z string
	_ = s.st.View(func(tx *store.Tx) error {
		if l, err := tx.List(name); err == nil {
			z = l.Settings.Timezone
		}
		return nil
	})
	return z
}

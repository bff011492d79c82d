package listserv

import (
	"context"
	"fmt"

	"minyan/store"
)

// setDigestFormat records a member's digest format (the email command
// "digest plain" or "digest html") and says what changes.
func (s *Service) setDigestFormat(tx *store.Tx, mb store.Membership, f store.DigestFormat) (string, error) {
	if err := s.setDigestPrefs(tx, mb, f, mb.DigestFrequency, mb.Topics); err != nil {
		return "", err
	}
	lang := languageFor(tx, mb.Address, mb.List) // the member reads the answer
	answer := say("volume_go.plain").In(lang)
	if f == store.DigestHTML {
		answer = say("volume_go.html").In(lang)
	}
	if mb.Mode != ModeDigest {
		answer += " " + say("volume_go.each_now").In(lang)
	}
	return answer, nil
}

// SetDigestFormat sets how a member's digests come (`minyan member set
// --digest-format`, the web). A person may change their own; changing
// someone else's needs the roster right.
func (s *Service) SetDigestFormat(ctx context.Context, a Actor, list, addr string, f store.DigestFormat) error {
	if _, ok := store.ParseDigestFormat(string(f)); !ok {
		return fmt.Errorf("digest format %q: must be plain or html", f)
	}
	addr = NormalizeAddress(addr)
	err := s.st.Update(func(tx *store.Tx) error {
		perm := PermRoster
		if a.Address != "" && a.Address == addr {
			perm = PermRead
		}
		if _, err := s.authorize(tx, a, list, perm); err != nil {
			return err
		}
		mb, err := tx.Membership(list, addr)
		if err != nil {
			return notFoundText(err, fmt.Sprintf("%s is not a member of %s", addr, list))
		}
		if err := mayChangeHolder(tx, a, mb); err != nil {
			return err
		}
		if err := s.setDigestPrefs(tx, mb, f, mb.DigestFrequency, mb.Topics); err != nil {
			return err
		}
		return s.AuditChange(tx, a, list, "digest format of "+addr+" set to "+string(f))
	})
	return err
}

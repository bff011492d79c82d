package listserv

import (
	"fmt"

	"minyan/store"
)

// setDigestFormat records a member's digest format (the email command
// "digest plain" or "digest html") and says what changes.
func setDigestFormat(tx *store.Tx, mb store.Membership, f store.DigestFormat) (string, error) {
	mb.DigestFormat = f
	if err := tx.PutMembership(mb); err != nil {
		return "", err
	}
	answer := "Your digests will come as plain text only: the table of contents, then each message, one after the other."
	if f == store.DigestHTML {
		answer = "Your digests will come formatted, with a plain-text version inside for mail programs that prefer it."
	}
	if mb.Mode != "digest" {
		answer += " You get every message as it is sent now; send \"digest on\" to get the digest instead."
	}
	return answer, nil
}

// SetDigestFormat sets how a member's digests come (`minyan member set
// --digest-format`).
func (s *Service) SetDigestFormat(list, addr string, f store.DigestFormat) error {
	if _, ok := store.ParseDigestFormat(string(f)); !ok {
		return fmt.Errorf("digest format %q: must be plain or html", f)
	}
	err := s.st.Update(func(tx *store.Tx) error {
		mb, err := tx.Membership(list, NormalizeAddress(addr))
		if err != nil {
			return err
		}
		mb.DigestFormat = f
		return tx.PutMembership(mb)
	})
	return notFoundText(err, fmt.Sprintf("%s is not a member of %s", addr, list))
}

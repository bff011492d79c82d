package listserv

import (
	"context"
	"errors"
	"fmt"
	"net/mail"

	"minyan/store"
)

// Writing to someone found in the directory: minyan relays the message
// by mail. The mail comes From the site's own address (so it passes the
// recipient's DMARC checks, which the sender's domain would fail when
// sent from here) with the sender's address in Reply-To and in the text:
// the recipient answers them directly, and minyan is out of the
// conversation from then on. Daily limits keep the directory from being
// a way to mass-mail the network.

// Daily limits of directory messages, per sender.
const (
	RelayPerPersonPerDay = 2
	RelayPerDay          = 10
	maxRelayBody         = 5000
)

// RelayLimitError answers a message over a daily limit.
type RelayLimitError struct {
	// ToOne is true when the limit per recipient was reached, false for
	// the limit in all.
	ToOne bool
}

func (e *RelayLimitError) Error() string {
	if e.ToOne {
		return fmt.Sprintf("you have written to this person %d times today, the most the directory relays in a day; your message was not sent. You can write again tomorrow, or answer them from your mail if they wrote back", RelayPerPersonPerDay)
	}
	return fmt.Sprintf("you have sent %d messages through the directory today, the most it relays in a day; your message was not sent. You can write again tomorrow", RelayPerDay)
}

// ErrRelayLimit is what every RelayLimitError is (errors.Is).
var ErrRelayLimit = errors.New("daily limit of directory messages reached")

// Is makes errors.Is(err, ErrRelayLimit) true.
func (e *RelayLimitError) Is(target error) bool { return target == ErrRelayLimit }

// ParseRelayBody checks the text of a directory message.
func ParseRelayBody(body string) (string, error) {
	b, err := cleanText("message", body, maxRelayBody, true)
	if err != nil {
		return "", err
	}
	if b == "" {
		return "", profileErr("profile_err.empty_message")
	}
	return b, nil
}

// MessagePerson relays body from the actor to the listed person with
// directory id id. It returns the recipient's card for the answer page.
func (s *Service) MessagePerson(ctx context.Context, a Actor, id, body string) (PersonCard, error) {
	body, err := ParseRelayBody(body)
	if err != nil {
		return PersonCard{}, err
	}
	now := s.clock.Now()
	day := now.UTC().Format("2006-01-02")
	var card PersonCard
	err = s.st.Update(func(tx *store.Tx) error {
		if a.Address == "" {
			return ErrForbidden
		}
		if err := mayUseDirectory(tx, a); err != nil {
			return err
		}
		p, name, err := listedProfile(tx, id)
		if err != nil {
			return err
		}
		if p.Address == a.Address {
			return profileErr("profile_err.own_profile")
		}
		card = cardOf(p, name)
		toOne, total := tx.RelayCounts(day, a.Address, p.Address)
		if toOne >= RelayPerPersonPerDay {
			return &RelayLimitError{ToOne: true}
		}
		if total >= RelayPerDay {
			return &RelayLimitError{}
		}
		if err := tx.CountRelay(day, a.Address, p.Address); err != nil {
			return err
		}
		sender := ""
		if pr, err := tx.Person(a.Address); err == nil {
			sender = pr.Name
		}
		subj, text, err := s.renderTx(tx, p.Address, "", "people-message", map[string]any{
			"Domain": s.o.Domain, "SenderName": sender, "SenderAddress": a.Address,
			"RecipientName": name, "Body": body, "ProfileURL": s.o.PublicURL + "/me/profile",
		})
		if err != nil {
			return err
		}
		display := sender
		if display == "" {
			display = a.Address
		}
		from := (&mail.Address{Name: display + " via " + s.o.Domain, Address: "minyan@" + s.o.Domain}).String()
		to := (&mail.Address{Name: name, Address: p.Address}).String()
		return s.queueNotice(tx, notice{To: []string{to}, From: from, ReplyTo: a.Address, Subject: subj, Body: text})
	})
	if err != nil {
		return PersonCard{}, fmt.Errorf("message to %s: %w", id, err)
	}
	s.log.Info("directory message relayed", "from", a.Address, "to_id", id)
	return card, nil
}

package listserv

import (
	"context"
	"errors"
	"strings"

	"minyan/listserv/rewrite"
	"minyan/store"
)

// looksAutomatic tells out-of-office answers and other robots apart from
// people: they must never approve a post or confirm a subscription.
func looksAutomatic(m *rewrite.Message, envFrom string) bool {
	if robotReason(m) != "" || envFrom == "" {
		return true
	}
	subj := strings.ToLower(m.Subject)
	for _, w := range []string{"out of office", "out of the office", "automatic reply", "auto-reply", "autoreply", "auto reply",
		"abwesenheit", "automatische antwort", "absence", "absent du bureau", "réponse automatique", "respuesta automática",
		"fuera de la oficina", "resposta automática", "fora do escritório", "risposta automatica", "vacation reply", "on vacation"} {
		if strings.Contains(subj, w) {
			return true
		}
	}
	if strings.EqualFold(m.Header.Get("Precedence"), "auto_reply") {
		return true
	}
	return m.Header.Get("X-Autoreply") != "" || m.Header.Get("X-Autorespond") != ""
}

// receiveConfirm handles replies to NAME-confirm+TOKEN: moderation
// decisions, withdrawals, join/leave confirmations, and token kinds other
// packages registered (RSVP). Mail is always accepted; what went wrong is
// said in a reply, never with an SMTP error a person would not see.
func (s *Service) receiveConfirm(ctx context.Context, env Envelope, la ListAddress, raw []byte) error {
	m, err := parse(raw)
	if err != nil {
		return err
	}
	if looksAutomatic(m, env.From) {
		s.log.Info("automatic reply to a confirmation address ignored", "list", la.List, "from", m.From.Address)
		return nil
	}
	r := &Reply{
		List: la.List, From: NormalizeAddress(m.From.Address), EnvelopeFrom: env.From,
		Subject: stripReplyPrefixes(m.Subject), Lines: AnswerLines(ReplyText(raw)), Raw: raw,
		Sender: s.checkSender(ctx, env, m),
	}
	answer, err := s.dispatchReply(ctx, la, r)
	if err != nil {
		return tempFail(err)
	}
	if answer.text.IsZero() {
		return nil
	}
	if answer.done {
		return s.answerDone(la.List, r.From, m, answer.text)
	}
	return s.answer(la.List, r.From, m, answer.text)
}

// replyAnswer is what a reply to a token address is answered: a problem
// (nothing changed), or with done the sentence of what a confirmation
// did. An empty text answers nothing.
type replyAnswer struct {
	text Said
	done bool
}

func (s *Service) dispatchReply(ctx context.Context, la ListAddress, r *Reply) (replyAnswer, error) {
	a, done, err := s.dispatchReplyText(ctx, la, r)
	return replyAnswer{text: a, done: done}, err
}

// dispatchReplyText decides what a reply to a token address does and
// what to answer; the answer is written in the sender's language when
// it is mailed (answer, answerDone).
func (s *Service) dispatchReplyText(ctx context.Context, la ListAddress, r *Reply) (Said, bool, error) {
	var tok store.Token
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		tok, err = tx.Token(la.Token)
		return err
	})
	if errors.Is(err, store.ErrNotFound) || (err == nil && tok.List != la.List) {
		return say("reply_go.unknown_finished"), false, nil
	}
	if err != nil {
		return Said{}, false, err
	}
	r.Token = tok
	now := s.clock.Now()
	expired := !tok.Expires.IsZero() && now.After(tok.Expires)
	switch tok.Kind {
	case TokenModerate:
		if expired {
			return say("reply_go.held_expired"), false, nil
		}
		a, err := s.decideByReply(ctx, r)
		return a, false, err
	case TokenWithdraw:
		if expired {
			return say("reply_go.withdraw_expired"), false, nil
		}
		a, err := s.withdrawByReply(ctx, r)
		return a, false, err
	case TokenConfirmJoin, TokenConfirmLeave, TokenConfirmCommand:
		if r.Sender.Forged() {
			return say("reply_go.forged"), false, nil
		}
		if r.From != tok.Address && NormalizeAddress(r.EnvelopeFrom) != tok.Address {
			return say("reply_go.only_owner", tok.Address), false, nil
		}
		answer, err := s.confirm(ctx, tok.Token, DoorMail)
		if errors.Is(err, ErrBadToken) {
			return say("reply_go.confirm_expired"), false, nil
		}
		return verbatim(answer), err == nil, err
	}
	if h := s.handlers.get(tok.Kind); h != nil {
		if expired {
			return say("reply_go.expired"), false, nil
		}
		a, err := h(ctx, r)
		return verbatim(a), false, err
	}
	return say("reply_go.unknown"), false, nil
}

// answerDone mails the person who confirmed a request by reply what
// the confirmation did (reply-done), so a kept promise never reads as a
// failure.
func (s *Service) answerDone(list, to string, m *rewrite.Message, done Said) error {
	// The answer is in the language of the person it goes to.
	return s.st.Update(func(tx *store.Tx) error {
		subj, body, err := s.renderTx(tx, to, list, "reply-done", map[string]any{
			"Subject": m.Subject, "ListAddress": s.addr(list, RolePost, ""), "Done": done.In(languageFor(tx, NormalizeAddress(to), list)),
		})
		if err != nil {
			return err
		}
		return s.queueNotice(tx, notice{List: list, To: []string{to}, From: s.addr(list, RoleRequest, ""),
			Subject: subj, Body: body, InReplyTo: m.MessageID})
	})
}

// answer mails a short reply to a person who wrote to a list's
// request or confirm address.
func (s *Service) answer(list, to string, m *rewrite.Message, text Said) error {
	// The answer is in the language of the person it goes to.
	return s.st.Update(func(tx *store.Tx) error {
		subj, body, err := s.renderTx(tx, to, list, "reply-problem", map[string]any{
			"Subject": m.Subject, "ListAddress": s.addr(list, RolePost, ""), "Problem": text.In(languageFor(tx, NormalizeAddress(to), list)), "Help": "",
		})
		if err != nil {
			return err
		}
		return s.queueNotice(tx, notice{List: list, To: []string{to}, From: s.addr(list, RoleRequest, ""),
			Subject: subj, Body: body, InReplyTo: m.MessageID})
	})
}

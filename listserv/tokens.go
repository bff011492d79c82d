package listserv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"minyan/store"
)

// Reply is a message that answers one of minyan's own mails, sent to
// NAME-confirm+TOKEN@domain.
type Reply struct {
	List         string
	Token        store.Token
	From         string // From address, lowercase
	EnvelopeFrom string
	Subject      string // decoded, with Re:/Fwd: and list tags removed
	// Lines are what the person wrote: quotes, attributions, signatures
	// and phone footers removed (see AnswerLines).
	Lines []string
	Raw   []byte
	// Sender is the sender check's verdict on the reply's From address.
	Sender SenderVerdict
}

// FirstLine is the first line the person wrote, or "".
func (r *Reply) FirstLine() string {
	if len(r.Lines) > 0 {
		return r.Lines[0]
	}
	return ""
}

// TokenHandler acts on a reply to NAME-confirm+TOKEN whose token kind
// another package owns (e.g. "rsvp", owned by digest). It runs outside any
// transaction and returns the text to mail back to the person ("" sends
// nothing).
type TokenHandler func(ctx context.Context, r *Reply) (answer string, err error)

// tokenHandlers is the registry of token kinds other packages handle.
type tokenHandlers struct {
	mu sync.RWMutex
	m  map[string]TokenHandler
}

func (h *tokenHandlers) get(kind string) TokenHandler {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.m[kind]
}

// HandleTokenKind registers the handler for replies carrying tokens of a
// kind; call it while wiring, before mail flows.
func (s *Service) HandleTokenKind(kind string, fn TokenHandler) {
	s.handlers.mu.Lock()
	defer s.handlers.mu.Unlock()
	if s.handlers.m == nil {
		s.handlers.m = map[string]TokenHandler{}
	}
	s.handlers.m[kind] = fn
}

// IssueToken stores a new random token (at least 128 bits) inside the
// caller's transaction and returns it. ttl 0 means it does not expire.
func (s *Service) IssueToken(tx *store.Tx, kind, list, addr string, ref uint64, data string, ttl time.Duration) (string, error) {
	now := s.clock.Now()
	t := store.Token{Token: store.NewToken(), Kind: kind, List: list, Address: NormalizeAddress(addr), Ref: ref, Data: data, Created: now}
	if ttl > 0 {
		t.Expires = now.Add(ttl)
	}
	return t.Token, tx.PutToken(t)
}

// IssueHashedToken is IssueToken for a token that only its holder's
// mail carries (a harvest address): the store keeps its hash
// (TokenHash), so a copy of the store does not hold a usable address.
// Look it up with tx.Token(TokenHash(tok)), never with the token as
// given.
func (s *Service) IssueHashedToken(tx *store.Tx, kind, list, addr string, ref uint64, data string, ttl time.Duration) (string, error) {
	now := s.clock.Now()
	tok := store.NewToken()
	t := store.Token{Token: TokenHash(tok), Kind: kind, List: list, Address: NormalizeAddress(addr), Ref: ref, Data: data, Created: now}
	if ttl > 0 {
		t.Expires = now.Add(ttl)
	}
	return tok, tx.PutToken(t)
}

// TokenHash is the key a hashed token is stored under: "h" and 128 bits
// of its SHA-256, in hex (never the shape of a plain token, which is
// base32).
func TokenHash(tok string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(tok)))
	return "h" + hex.EncodeToString(sum[:16])
}

// useToken marks a token used by whom (the first use wins; a token used
// before keeps its first use). With IssueToken it is the one writer of
// token records in the domain; memberships drop their own tokens with
// them (membership.go).
func (s *Service) useToken(tx *store.Tx, t store.Token, by string) error {
	if !t.Used.IsZero() {
		return nil
	}
	t.Used, t.UsedBy = s.clock.Now(), by
	return tx.PutToken(t)
}

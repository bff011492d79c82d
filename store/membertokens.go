package store

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// A member's unsubscribe and VERP (bounce) tokens go out in every copy
// of every post, so they must be had in clear at each send, and the
// store cannot keep only their hashes as it does for the other tokens
// (tokenhash.go). They are derived instead: the membership keeps a random
// nonce, and the tokens are HMAC-SHA256 of the list, the address and the
// nonce under a key kept beside the store file, in member-tokens.key,
// not in minyan.db. The tokens index keeps their keyed hashes as for
// every token. A copy of minyan.db (a backup) thus holds nothing that
// unsubscribes anyone or reads as anyone's bounce address.
//
// Without the key file (a backup restored elsewhere), a new key is made
// at open and every membership's tokens are derived and indexed anew;
// links in mail sent before still work, since their hashes stay indexed.
// Keep member-tokens.key with the backups (docs/operations.md) to keep
// the links of mail sent after the backup working too.

const memberKeyFile = "member-tokens.key"

var kMemberKeyCheck = []byte("member_key_check") // HMAC(token key, member key): which member key indexed the tokens

// loadMemberKey reads dir/member-tokens.key, making it (mode 0600) on
// first use.
func loadMemberKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, memberKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		key, derr := hex.DecodeString(strings.TrimSpace(string(b)))
		if derr != nil || len(key) != 32 {
			return nil, fmt.Errorf("%s is not a key written by minyan (64 hex digits)", path)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	key := make([]byte, 32)
	rand.Read(key) // never fails (crypto/rand contract since Go 1.24)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	_, err = f.WriteString(hex.EncodeToString(key) + "\n")
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return key, nil
}

// memberToken derives one of a membership's tokens (kind "unsub" or
// "bounce"): 160 bits as 32 lowercase base32 characters, like NewToken.
// Distribution derives two tokens per member of a list for every post,
// so the HMAC states are pooled (memberMACs) and the encoding writes
// lowercase directly.
func (s *Store) memberToken(kind, list, addr, nonce string) string {
	m, _ := s.memberMACs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, s.memberKey)
	}
	m.Reset()
	var sum [sha256.Size]byte
	for _, p := range []string{kind, list, addr, nonce} {
		io.WriteString(m, p)
		m.Write([]byte{0})
	}
	m.Sum(sum[:0])
	s.memberMACs.Put(m)
	var out [32]byte
	lowerTokenEncoding.Encode(out[:], sum[:20])
	return string(out[:])
}

// lowerTokenEncoding is tokenEncoding's alphabet in lowercase.
var lowerTokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// fillMemberTokens puts a decoded membership's derived tokens in place
// (a record from before this scheme carries them in clear instead).
func (t *Tx) fillMemberTokens(m *Membership) {
	if m.TokenNonce != "" {
		addr := strings.ToLower(m.Address)
		m.UnsubToken = t.st.memberToken("unsub", m.List, addr, m.TokenNonce)
		m.BounceToken = t.st.memberToken("bounce", m.List, addr, m.TokenNonce)
	}
}

// prepareMemberTokens gives every membership a nonce (a record from
// before this scheme keeps its clear tokens' hashes in the index, so the
// links already sent still work) and, when the member key is new or
// another, indexes every membership's derived tokens.
func (s *Store) prepareMemberTokens(tx *bolt.Tx) error {
	meta := tx.Bucket(bMeta)
	check := s.TokenMAC("member-key", string(s.memberKey))
	if hmac.Equal(meta.Get(kMemberKeyCheck), check) {
		return nil
	}
	t := &Tx{tx, s}
	b := tx.Bucket(bMembers)
	var keys [][]byte
	if err := b.ForEach(func(k, _ []byte) error { keys = append(keys, append([]byte(nil), k...)); return nil }); err != nil {
		return err
	}
	for _, k := range keys {
		var m Membership
		if err := getJSON(b, k, &m); err != nil {
			return err
		}
		if m.TokenNonce == "" {
			// From before: its clear tokens are indexed (hashed at open
			// by migrateTokenHashes); a new nonce takes over.
			if err := t.PutMembership(m); err != nil {
				return err
			}
			continue
		}
		t.fillMemberTokens(&m)
		if err := t.indexMemberTokens(m); err != nil {
			return err
		}
	}
	return meta.Put(kMemberKeyCheck, check)
}

// indexMemberTokens puts m's derived tokens in the tokens index.
func (t *Tx) indexMemberTokens(m Membership) error {
	for kind, tok := range map[string]string{"unsub": m.UnsubToken, "bounce": m.BounceToken} {
		if err := t.PutToken(Token{Token: tok, Kind: kind, List: m.List, Address: m.Address}); err != nil {
			return err
		}
	}
	return nil
}

// newTokenNonce is a membership's random nonce.
func newTokenNonce() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

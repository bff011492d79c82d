package listserv

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"strings"
)

// An alert token names one recipient of one alert and proves the holder
// got that copy: four bytes of the alert's ID and four of the
// recipient's index in its fan-out (so the record is found without an
// index keyed by random values), then 16 random bytes (128 bits). Only
// its hash is stored. In lowercase base32 it is 39 characters, safe in a
// URL path and in the local part NAME-act+TOKEN, which mail software may
// lowercase.
const (
	alertTokenBytes  = 4 + 4 + 16
	alertTokenLength = (alertTokenBytes*8 + 4) / 5 // 39
)

var alertEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newAlertToken makes recipient idx's token for alert id.
func newAlertToken(id uint64, idx uint32) string {
	var b [alertTokenBytes]byte
	binary.BigEndian.PutUint32(b[0:], uint32(id))
	binary.BigEndian.PutUint32(b[4:], idx)
	rand.Read(b[8:]) // never fails (crypto/rand contract since Go 1.24)
	return strings.ToLower(alertEncoding.EncodeToString(b[:]))
}

// newAlertMark makes the placeholder an alert's shared body carries
// where each copy's token goes: as long as a token and of the same
// alphabet, and random, so it cannot occur in the post by chance.
func newAlertMark() string {
	var b [alertTokenBytes]byte
	rand.Read(b[:])
	return strings.ToLower(alertEncoding.EncodeToString(b[:]))
}

// parseAlertToken reads the alert ID and recipient index out of a token
// as it arrives in a URL or an address (any case, surrounding space
// ignored). ok is false for anything that is not shaped like a token; a
// well-shaped token still has to match a stored hash.
func parseAlertToken(tok string) (id uint64, idx uint32, ok bool) {
	tok = strings.TrimSpace(tok)
	if len(tok) != alertTokenLength {
		return 0, 0, false
	}
	b, err := alertEncoding.DecodeString(strings.ToUpper(tok))
	if err != nil || len(b) != alertTokenBytes {
		return 0, 0, false
	}
	id = uint64(binary.BigEndian.Uint32(b[0:]))
	idx = binary.BigEndian.Uint32(b[4:])
	return id, idx, id != 0
}

// hashAlertToken is what the store keeps of a token. A plain SHA-256 is
// enough for 128 random bits (nobody can guess a preimage); it is the
// one place to change should the store gain a keyed hash for every kind
// of token.
func hashAlertToken(tok string) []byte {
	h := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(tok))))
	return h[:]
}

// alertTokenMatches compares a token against stored hashes in constant
// time per hash.
func alertTokenMatches(tok string, hashes [][]byte) bool {
	h := hashAlertToken(tok)
	ok := 0
	for _, s := range hashes {
		ok |= subtle.ConstantTimeCompare(h, s)
	}
	return ok == 1
}

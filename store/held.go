package store

import (
	"encoding/binary"
	"fmt"
)

// Hold stores a held item and returns its ID.
func (t *Tx) Hold(h Held) (uint64, error) {
	b := t.tx.Bucket(bHeld)
	id, err := b.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("hold: %w", err)
	}
	h.ID = id
	if h.Status == "" {
		h.Status = "pending"
	}
	h.Token, h.WithdrawToken = t.TokenRef(h.Token), t.TokenRef(h.WithdrawToken)
	return id, putJSON(b, u64(id), h)
}

// Held returns one held item.
func (t *Tx) Held(id uint64) (Held, error) {
	var h Held
	if err := getJSON(t.tx.Bucket(bHeld), u64(id), &h); err != nil {
		return h, fmt.Errorf("held #%d: %w", id, err)
	}
	return h, nil
}

// PutHeld updates a held item (its decision).
// Its tokens are kept as references to their keyed hashes (TokenRef).
func (t *Tx) PutHeld(h Held) error {
	h.Token, h.WithdrawToken = t.TokenRef(h.Token), t.TokenRef(h.WithdrawToken)
	return putJSON(t.tx.Bucket(bHeld), u64(h.ID), h)
}

// EachHeld calls fn for every held item, oldest first. Items are decoded
// without their raw bytes unless withRaw.
func (t *Tx) EachHeld(withRaw bool, fn func(Held) error) error {
	c := t.tx.Bucket(bHeld).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var h Held
		if err := jsonUnmarshal(v, &h); err != nil {
			return fmt.Errorf("held #%d: %w", binary.BigEndian.Uint64(k), err)
		}
		if !withRaw {
			h.Raw = nil
		}
		if err := fn(h); err != nil {
			return err
		}
	}
	return nil
}

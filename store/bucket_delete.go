package store

import (
	"bytes"

	bolt "go.etcd.io/bbolt"
)

// The deletions of many records of one bucket. Keys are gathered first
// and deleted after: bbolt does not allow changing a bucket while a
// cursor or ForEach walks it.

// deletePrefix deletes every record of b whose key starts with prefix
// (a list's records, an alert's recipients).
func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	var dead [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		dead = append(dead, append([]byte(nil), k...))
	}
	return deleteKeys(b, dead)
}

// deleteWhere deletes the records of b that dead picks and says how
// many it deleted. An error from dead stops the walk and deletes
// nothing.
func deleteWhere(b *bolt.Bucket, dead func(k, v []byte) (bool, error)) (int, error) {
	var keys [][]byte
	if err := b.ForEach(func(k, v []byte) error {
		d, err := dead(k, v)
		if d {
			keys = append(keys, append([]byte(nil), k...))
		}
		return err
	}); err != nil {
		return 0, err
	}
	return len(keys), deleteKeys(b, keys)
}

func deleteKeys(b *bolt.Bucket, keys [][]byte) error {
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

package boltcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// goodFile writes a bbolt file with nested buckets, inline and not, and
// values large enough to overflow a page.
func goodFile(t testing.TB) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("a"))
		if err != nil {
			return err
		}
		for i := range 300 {
			if err := b.Put([]byte(fmt.Sprintf("k%04d", i)), make([]byte, 100+i*7)); err != nil {
				return err
			}
		}
		sub, err := b.CreateBucketIfNotExists([]byte("inline"))
		if err != nil {
			return err
		}
		return sub.Put([]byte("x"), []byte("y"))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestBytesFindsDamage: a sound file passes; one with a page overwritten
// is reported (not every overwrite is: a value's bytes are not checked,
// only what bbolt's open walks).
func TestBytesFindsDamage(t *testing.T) {
	raw := goodFile(t)
	if err := Bytes(raw); err != nil {
		t.Fatalf("sound file: %v", err)
	}
	found := 0
	for pg := 0; pg < len(raw)/4096; pg++ {
		bad := append([]byte(nil), raw...)
		for i := pg * 4096; i < (pg+1)*4096; i++ {
			bad[i] = 0xee
		}
		if Bytes(bad) != nil {
			found++
		}
	}
	if found < 3 {
		t.Errorf("only %d of %d overwritten pages reported", found, len(raw)/4096)
	}
	if Bytes(raw[:100]) == nil {
		t.Errorf("a truncated file passes")
	}
}

// FuzzBytes: no input makes the check panic or read out of bounds.
func FuzzBytes(f *testing.F) {
	f.Add(goodFile(f))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = Bytes(b)
	})
}

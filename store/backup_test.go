package store

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkBackup256MiB copies a store of about 256 MiB (archive-like
// 64 KiB values) to a file, as `minyan backup` does without the socket.
func BenchmarkBackup256MiB(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(dir, time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	val := make([]byte, 64<<10)
	for batch := range 64 {
		err := s.db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("bench"))
			if err != nil {
				return err
			}
			for i := range 64 {
				rand.Read(val)
				if err := bk.Put(u64(uint64(batch*64+i)), val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(s.Size())
	for b.Loop() {
		f, err := os.Create(filepath.Join(dir, "copy.db"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.WriteTo(f); err != nil {
			b.Fatal(err)
		}
		f.Sync()
		f.Close()
	}
}

func TestWriteToIsAConsistentStore(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Update(func(tx *Tx) error { return tx.PutPerson(Person{Address: "a@example.org"}) }); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	f, err := os.Create(filepath.Join(out, "minyan.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	c, err := Open(out, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.View(func(tx *Tx) error { _, err := tx.Person("a@example.org"); return err }); err != nil {
		t.Fatalf("the copy lacks the person: %v", err)
	}
}

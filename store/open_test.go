package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// filledStore makes a store whose file spans many pages, closes it and
// returns the file's path and size.
// size is what the last commit uses (bbolt grows the file in larger steps,
// so the file itself may be longer).
func filledStore(t *testing.T) (dir, path string, size int64) {
	t.Helper()
	dir = t.TempDir()
	s, err := Open(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	val := bytes.Repeat([]byte("x"), 900)
	if err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bMeta)
		for i := range 2000 {
			if err := b.Put(fmt.Appendf(nil, "filler-%05d", i), val); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, filepath.Join(dir, "minyan.db"), size
}

func TestHealthyStoreReopens(t *testing.T) {
	dir, _, _ := filledStore(t)
	s, err := Open(dir, time.Second)
	if err != nil {
		t.Fatalf("reopen a whole store: %v", err)
	}
	s.Close()
}

// A file cut short below its high-water mark made bbolt read past the end
// of its mapping (SIGBUS, the whole process died). It must be refused
// with the file's name and what to do.
func TestTruncatedStoreIsRefused(t *testing.T) {
	for _, keep := range []int64{16 << 10, 64 << 10, -4096} {
		t.Run(fmt.Sprint(keep), func(t *testing.T) {
			dir, path, size := filledStore(t)
			if size < 256<<10 {
				t.Fatalf("store is only %d bytes; the test needs a bigger one", size)
			}
			n := keep
			if n < 0 {
				n = size + keep
			}
			if err := os.Truncate(path, n); err != nil {
				t.Fatal(err)
			}
			_, err := Open(dir, time.Second)
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("open a store cut to %d of %d bytes: %v, want ErrDamaged", n, size, err)
			}
			for _, want := range []string{path, "cut short", "backup"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

// An empty minyan.db was silently replaced by a new, empty store.
func TestEmptyStoreFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "minyan.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, time.Second)
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("open an empty file: %v, want ErrDamaged", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "backup") {
		t.Errorf("error %q names neither the file nor the remedy", err)
	}
	if fi, _ := os.Stat(path); fi == nil || fi.Size() != 0 {
		t.Errorf("the empty file was changed (%v)", fi)
	}
}

func TestGarbageStoreFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "minyan.db"), bytes.Repeat([]byte("not a store "), 2000), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, time.Second); !errors.Is(err, ErrDamaged) {
		t.Fatalf("open garbage: %v, want ErrDamaged", err)
	}
}

// A missing file is a new installation: Open creates it.
func TestMissingStoreFileIsCreated(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "new"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

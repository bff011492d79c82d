package store

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// bbolt keeps no checksums of its pages: a damaged page is found only
// when something reads it, and bbolt then panics, sometimes on a
// goroutine of its own where no caller can recover. Opening a store file
// (which makes bbolt walk every page to rebuild its free list) therefore
// used to end in a raw Go panic for about one damaged page in four.
//
// Open now reads the whole file first, read-only, on the calling
// goroutine with faults turned into panics it recovers (checkPages), and
// then runs bbolt's own consistency check (tx.Check, whose panics bbolt
// recovers). Only a file that passes both is opened for writing, and that
// open is itself guarded. Any damage becomes an ErrDamaged error naming
// the file and the way back (restore from a backup, docs/operations.md).
// Reading a large store takes a while; OpenOptions.SkipCheck (`minyan
// serve --skip-check`, server.skip_store_check) leaves the pre-check out,
// keeping only the guarded open.

// OpenOptions tune Open.
type OpenOptions struct {
	// Timeout is how long to wait for a file another process holds
	// before giving up with ErrLocked.
	Timeout time.Duration
	// SkipCheck opens without first reading every page (checkPages):
	// quicker for a store of gigabytes, but damage a read would find is
	// then found later, or as a crash bbolt cannot recover from.
	SkipCheck bool
}

// maxCheckProblems bounds how many of tx.Check's findings an error lists.
const maxCheckProblems = 5

// damaged is the error for a store file found damaged by reading it.
func damaged(path, what string) error {
	return fmt.Errorf("open %s: %w: %s. Such damage comes from a disk fault, a crash of the machine during a write, or a copy taken of a running store. "+
		"Stop minyan, keep the damaged file aside, and restore minyan.db from your latest backup "+
		"(`minyan backup` makes one; see \"A damaged store\" in docs/operations.md)", path, ErrDamaged, what)
}

// checkPages reads every bucket, key and value of the store file at path
// read-only, then runs bbolt's consistency check; a missing file passes.
func checkPages(path string, timeout time.Duration) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	db, err := guardedOpen(path, &bolt.Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := readAll(db); err != nil {
		return damaged(path, err.Error())
	}
	var problems []string
	n := 0
	err = guarded(func() error {
		return db.View(func(tx *bolt.Tx) error {
			for e := range tx.Check() {
				if n++; len(problems) < maxCheckProblems {
					problems = append(problems, e.Error())
				}
			}
			return nil
		})
	})
	if err != nil {
		return damaged(path, "checking it failed: "+err.Error())
	}
	if n > 0 {
		more := ""
		if n > len(problems) {
			more = fmt.Sprintf(" (and %d more)", n-len(problems))
		}
		return damaged(path, fmt.Sprintf("bbolt's check found %d problems: %s%s", n, strings.Join(problems, "; "), more))
	}
	return nil
}

// readAll walks every bucket of db and reads every key and value, so
// that a page a later read would trip on trips here, where it is
// recovered.
func readAll(db *bolt.DB) error {
	return guarded(func() error {
		return db.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
				return readBucket(b, string(name), 0)
			})
		})
	})
}

// maxBucketDepth bounds the recursion of readBucket: minyan nests
// buckets two levels deep; a damaged page could claim any depth.
const maxBucketDepth = 16

func readBucket(b *bolt.Bucket, at string, depth int) error {
	if depth > maxBucketDepth {
		return fmt.Errorf("bucket %s is nested more than %d deep", at, maxBucketDepth)
	}
	var sum byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		for _, x := range k {
			sum ^= x
		}
		if v == nil {
			if sub := b.Bucket(k); sub != nil {
				if err := readBucket(sub, at+"/"+string(k), depth+1); err != nil {
					return err
				}
			}
			continue
		}
		for _, x := range v {
			sum ^= x
		}
	}
	_ = sum
	return nil
}

// pageFault is a panic (or a memory fault) recovered while bbolt read
// the file: the sign of a damaged page.
type pageFault struct{ v any }

func (p *pageFault) Error() string { return fmt.Sprintf("reading it failed: %v", p.v) }

// guarded runs fn with memory faults turned into panics (bbolt reads the
// file through a memory mapping: a damaged page can point outside it)
// and any panic turned into a *pageFault.
func guarded(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &pageFault{r}
		}
	}()
	return fn()
}

// guardedOpen is bolt.Open with its panics (bbolt checks pages as it
// opens a store for writing) turned into ErrDamaged errors.
func guardedOpen(path string, o *bolt.Options) (*bolt.DB, error) {
	var db *bolt.DB
	err := guarded(func() error {
		var err error
		db, err = bolt.Open(path, 0o600, o)
		return err
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	var p *pageFault
	if errors.As(err, &p) {
		return nil, damaged(path, err.Error())
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

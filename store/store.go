// Package store keeps all of minyan's state in one bbolt file: lists,
// people, memberships, the archive, held posts, tokens, the outbound queue
// and the scheduler's jobs. It owns bucket layout, encoding, transactions
// and schema migrations, and knows nothing of SMTP, IMAP or HTTP.
//
// Every multi-step change is one transaction (Update or Batch), so a crash
// leaves either all of it or none of it.
package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout this code writes. Open migrates older files
// step by step and refuses newer ones rather than guessing.
const SchemaVersion = 1

// Bucket names, declared in one place so Open can create them all.
var (
	bMeta      = []byte("meta")
	bLists     = []byte("lists")
	bPeople    = []byte("people")
	bMembers   = []byte("members")    // list \x00 addr -> Membership
	bMemberOf  = []byte("member_of")  // addr \x00 list -> nil
	bArchive   = []byte("archive")    // list -> {raw, meta, msgid}
	bHeld      = []byte("held")       // id -> Held
	bTokens    = []byte("tokens")     // token -> Token
	bQMsg      = []byte("queue_msg")  // id -> QueuedMessage
	bQBody     = []byte("queue_body") // id -> bytes
	bQRcpt     = []byte("queue_rcpt") // id idx -> QueuedRcpt
	bQDue      = []byte("queue_due")  // nanos id idx -> nil
	bQFailed   = []byte("queue_failed")
	bJobs      = []byte("jobs")  // idempotency key -> time done
	bAudit     = []byte("audit") // list \x00 seq -> AuditEntry
	allBuckets = [][]byte{bMeta, bLists, bPeople, bMembers, bMemberOf, bArchive, bHeld, bTokens, bQMsg, bQBody, bQRcpt, bQDue, bQFailed, bJobs, bSessions, bRSVPs, bPairs, bPairHistory, bDigestState, bAudit, bWebLogins, bWebSessions, bWebSessOf, bCalKeys, bCalKeyOf, bAPITokens, bAPITokenHash, bWebhooks, bWebhookQueue, bMutes, bMutesOf, bDigestPeriod, bAlerts, bAlertRcpts, bProfiles, bProfileIDs, bIntros, bIntroTokens, bRelayCounts, bOrgs}
	kSchema    = []byte("schema_version")
	// kLastUIDValidity is the highest UIDVALIDITY given to any list.
	kLastUIDValidity = []byte("last_uid_validity")
	subRaw           = []byte("raw")
	subMeta          = []byte("meta")
	subMsgID         = []byte("msgid")
)

// Errors callers branch on.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	// ErrLocked means another process (usually the running daemon) holds
	// the database file.
	ErrLocked = errors.New("the database is in use by another minyan process")
)

// migrations[i] upgrades a file from schema i to i+1. Version 0 is a new,
// empty file.
var migrations = []func(tx *bolt.Tx) error{
	func(tx *bolt.Tx) error { return nil }, // 0 -> 1: buckets created by ensureBuckets
}

// initialMmapSize is the address space mapped at open (see Open).
const initialMmapSize = 1 << 30

// Store is the open database. Its methods are safe for concurrent use.
type Store struct {
	db *bolt.DB
	// lists is the decoded list records of one committed version of the
	// lists bucket (see listcache.go); nil until a reader builds it.
	lists atomic.Pointer[listSnapshot]
	// tokenKey is the key of the tokens' keyed hashes (tokenhash.go).
	tokenKey []byte
	// memberKey derives members' tokens; it lives beside the store
	// file, not in it (membertokens.go). memberMACs and tokenMACs pool
	// HMAC states keyed with memberKey and tokenKey.
	memberKey             []byte
	memberMACs, tokenMACs sync.Pool
}

// Open opens (creating if needed) DIR/minyan.db, reading it whole first
// (see check.go). It gives up after timeout if another process holds the
// file, instead of blocking for ever as bbolt would by default.
func Open(dir string, timeout time.Duration) (*Store, error) {
	return OpenWith(dir, OpenOptions{Timeout: timeout})
}

// OpenWith is Open with options (see OpenOptions).
func OpenWith(dir string, o OpenOptions) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, "minyan.db")
	if err := checkFile(path); err != nil {
		return nil, err
	}
	if !o.SkipCheck {
		if err := checkPages(path, o.Timeout); err != nil {
			return nil, err
		}
	}
	db, err := guardedOpen(path, &bolt.Options{
		Timeout:        o.Timeout,
		FreelistType:   bolt.FreelistMapType,
		NoFreelistSync: true,
		// Map 1 GiB of address space from the start (not memory: only
		// pages touched count). Each time the file outgrows the map,
		// bbolt remaps it and first copies every value the committing
		// transaction holds to the heap: a 10 MB post was copied twice
		// more on each doubling of a young store's file.
		InitialMmapSize: initialMmapSize,
	})
	if err != nil {
		return nil, err
	}
	db.MaxBatchDelay = 2 * time.Millisecond
	memberKey, err := loadMemberKey(dir)
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{db: db, memberKey: memberKey}
	if err := guarded(s.migrate); err != nil {
		db.Close()
		var p *pageFault
		if errors.As(err, &p) {
			return nil, damaged(path, err.Error())
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) migrate() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bMeta)
		v := 0
		if b := meta.Get(kSchema); len(b) == 8 {
			v = int(binary.BigEndian.Uint64(b))
		}
		if v > SchemaVersion {
			return fmt.Errorf("schema version %d is newer than this minyan understands (%d); use a newer binary", v, SchemaVersion)
		}
		for ; v < SchemaVersion; v++ {
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
			}
		}
		if err := meta.Put(kSchema, u64(uint64(v))); err != nil {
			return err
		}
		if err := s.prepareTokenKey(tx); err != nil {
			return err
		}
		return s.prepareMemberTokens(tx)
	})
}

// Close releases the file lock.
func (s *Store) Close() error { return s.db.Close() }

// Tx is a transaction with minyan's record operations on it. Read-only
// methods work on any Tx; writes need one from Update or Batch.
type Tx struct {
	tx *bolt.Tx
	st *Store
}

// Update runs fn in one read-write transaction, committed with fsync when
// fn returns nil.
func (s *Store) Update(fn func(*Tx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx, s}) })
}

// Batch is Update for concurrent callers: several calls share one commit
// (group commit). fn may run more than once, so it must have no effects
// outside the transaction.
func (s *Store) Batch(fn func(*Tx) error) error {
	return s.db.Batch(func(tx *bolt.Tx) error { return fn(&Tx{tx, s}) })
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(*Tx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(&Tx{tx, s}) })
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func getJSON(b *bolt.Bucket, key []byte, v any) error {
	raw := b.Get(key)
	if raw == nil {
		return ErrNotFound
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode %s/%q: %w", bucketName(b), key, err)
	}
	return nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", key, err)
	}
	return b.Put(key, raw)
}

func bucketName(b *bolt.Bucket) string {
	if b == nil {
		return "?"
	}
	return "bucket"
}

// OnCommit runs fn after the transaction committed (never if it rolled
// back): the place for wake-ups and counters.
func (t *Tx) OnCommit(fn func()) { t.tx.OnCommit(fn) }

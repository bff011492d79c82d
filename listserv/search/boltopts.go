package search

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// derivedBoltOptions are how the derived files (resources.db, terms.db)
// are opened. Their freelist is written with every commit: a file whose
// freelist is not kept is walked by bbolt at open in a goroutine of its
// own, and a damaged page found there ends the whole process (a panic
// no recover reaches, raced against the rollback of the walking
// transaction). With the freelist kept, open reads one page, damage is
// met by the caller's own reads and checks (boltcheck first), and a
// damaged file is moved aside and rebuilt.
func derivedBoltOptions() *bolt.Options {
	return &bolt.Options{Timeout: 2 * time.Second, FreelistType: bolt.FreelistMapType}
}

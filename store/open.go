package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// ErrDamaged means the store file is not whole: empty, cut short, or with
// no readable header. minyan refuses to open it rather than crash on it or
// start over with an empty store.
var ErrDamaged = errors.New("the store file is damaged")

// Layout of a bbolt meta page, which the file's first two pages hold: a
// 16-byte page header, then magic, version, page size, flags (uint32 each),
// the root bucket (two uint64), the freelist page, the high-water page
// count, the transaction id and an FNV-64a checksum of everything from the
// magic up to the checksum (uint64 each), in the machine's byte order.
const (
	metaHeader    = 16
	metaMagic     = 0xED0CDAED
	metaVersion   = 2
	metaOffPgSize = metaHeader + 8
	metaOffPgid   = metaHeader + 40
	metaOffTxid   = metaHeader + 48
	metaOffSum    = metaHeader + 56
	metaLen       = metaOffSum + 8
)

// fileMeta is what one valid meta page says.
type fileMeta struct {
	pageSize uint32
	pgid     uint64 // pages in use: the file is at least pgid*pageSize bytes
	txid     uint64
}

// readMeta decodes the meta page at off, or reports why it cannot.
func readMeta(f io.ReaderAt, off int64) (fileMeta, bool) {
	var b [metaLen]byte
	if n, _ := f.ReadAt(b[:], off); n < len(b) {
		return fileMeta{}, false
	}
	ne := binary.NativeEndian
	if ne.Uint32(b[metaHeader:]) != metaMagic || ne.Uint32(b[metaHeader+4:]) != metaVersion {
		return fileMeta{}, false
	}
	h := fnv.New64a()
	h.Write(b[metaHeader:metaOffSum])
	if h.Sum64() != ne.Uint64(b[metaOffSum:]) {
		return fileMeta{}, false
	}
	m := fileMeta{pageSize: ne.Uint32(b[metaOffPgSize:]), pgid: ne.Uint64(b[metaOffPgid:]), txid: ne.Uint64(b[metaOffTxid:])}
	if m.pageSize < 512 || m.pageSize > 1<<20 || m.pageSize&(m.pageSize-1) != 0 {
		return fileMeta{}, false
	}
	return m, true
}

// checkFile looks at an existing store file before bbolt maps it. bbolt
// trusts the meta page: a file cut short below the meta page's high-water
// mark makes it read past the end of the mapping, and the process dies
// with SIGBUS. An empty file bbolt would silently turn into a new, empty
// store, and every list would then be unknown. Both are refused here with
// what to do. A missing file is fine (Open creates it).
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	size := fi.Size()
	if size == 0 {
		return fmt.Errorf("open %s: %w: the file is empty (0 bytes), so everything it held is gone; "+
			"minyan will not start a new, empty store over it (every list would then be unknown). "+
			"Restore minyan.db from a backup, or, if this is a new installation that never ran, delete the empty file", path, ErrDamaged)
	}

	// Page 0 gives the page size; page 1 sits one page further. If page 0
	// is unreadable, bbolt looks for page 1 at the system page size, and
	// so does this.
	var metas []fileMeta
	m0, ok0 := readMeta(f, 0)
	if ok0 {
		metas = append(metas, m0)
	}
	at := int64(os.Getpagesize())
	if ok0 {
		at = int64(m0.pageSize)
	}
	if m1, ok := readMeta(f, at); ok {
		metas = append(metas, m1)
	}
	if len(metas) == 0 {
		return fmt.Errorf("open %s: %w: it is %d bytes and neither of its two header pages is readable, "+
			"so it is not a minyan store or it was overwritten. Restore minyan.db from a backup", path, ErrDamaged, size)
	}
	// bbolt uses the valid meta with the highest transaction id.
	use := metas[0]
	for _, m := range metas[1:] {
		if m.txid > use.txid {
			use = m
		}
	}
	need := use.pgid * uint64(use.pageSize)
	if use.pgid < 2 || uint64(size) < need {
		return fmt.Errorf("open %s: %w: the file is %d bytes but its last commit (transaction %d) needs %d bytes; "+
			"it was cut short (a copy that did not finish, a full disk, a damaged disk). minyan never shortens it. "+
			"Stop minyan and restore minyan.db from a backup", path, ErrDamaged, size, use.txid, need)
	}
	return nil
}

// Package boltcheck walks a bbolt file's page tree before bbolt opens it.
//
// bbolt trusts its pages: a damaged page makes it read outside the page
// or the file, and when the file has no synced freelist (minyan's files
// are opened with NoFreelistSync) that happens at open, in a goroutine
// bbolt starts itself, where no recover can catch it: the process dies.
// File checks, with plain bounds-checked reads, every page bbolt's open
// will reach, so a damaged file is reported as an error instead.
package boltcheck

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
)

// Layout of bbolt's file format (version 2).
const (
	magic         = 0xED0CDAED
	version       = 2
	pageHeaderLen = 16 // id u64, flags u16, count u16, overflow u32
	elemLen       = 16 // branch: pos u32, ksize u32, pgid u64; leaf: flags u32, pos u32, ksize u32, vsize u32
	bucketHdrLen  = 16 // root pgid u64, sequence u64
	flagBranch    = 0x01
	flagLeaf      = 0x02
	leafBucket    = 0x01
	metaLen       = 64 // magic, version, pageSize, flags, root(16), freelist, pgid, txid, checksum
	maxDepth      = 64
)

// ErrDamaged wraps every problem File finds.
var ErrDamaged = errors.New("damaged bbolt file")

// File checks the bbolt file at path. A missing file is not damaged (bbolt
// creates it); os errors are returned as they are.
func File(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return Bytes(b)
}

// Bytes checks a whole bbolt file held in memory. An empty file is not
// damaged (bbolt initialises it).
func Bytes(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	m, err := pickMeta(b)
	if err != nil {
		return err
	}
	c := checker{b: b, pageSize: m.pageSize, hwm: m.pgid, seen: map[uint64]bool{}}
	if m.pgid*m.pageSize > uint64(len(b)) {
		return fmt.Errorf("%w: the file is %d bytes, its meta page says %d pages of %d bytes", ErrDamaged, len(b), m.pgid, m.pageSize)
	}
	return c.bucketRoot(m.root, 0)
}

type meta struct {
	pageSize, root, pgid, txid uint64
}

// pickMeta returns the valid meta page with the highest transaction id,
// as bbolt does.
func pickMeta(b []byte) (meta, error) {
	var best meta
	found := false
	var why error
	pageSize := uint64(0)
	for i := 0; i < 2; i++ {
		off := uint64(i) * pageSize
		if i == 1 {
			if pageSize == 0 {
				pageSize = 4096
			}
			off = pageSize
		}
		if off+pageHeaderLen+metaLen > uint64(len(b)) {
			why = fmt.Errorf("%w: meta page %d is past the end of the file", ErrDamaged, i)
			continue
		}
		p := b[off+pageHeaderLen : off+pageHeaderLen+metaLen]
		le := binary.LittleEndian
		h := fnv.New64a()
		h.Write(p[:56])
		if le.Uint32(p[0:]) != magic || le.Uint32(p[4:]) != version || le.Uint64(p[56:]) != h.Sum64() {
			why = fmt.Errorf("%w: meta page %d is not valid", ErrDamaged, i)
			continue
		}
		m := meta{pageSize: uint64(le.Uint32(p[8:])), root: le.Uint64(p[16:]), pgid: le.Uint64(p[40:]), txid: le.Uint64(p[48:])}
		if i == 0 {
			pageSize = m.pageSize
		}
		if m.pageSize < 512 || m.pageSize > 1<<20 {
			why = fmt.Errorf("%w: meta page %d gives a page size of %d", ErrDamaged, i, m.pageSize)
			continue
		}
		if !found || m.txid > best.txid {
			best, found = m, true
		}
	}
	if !found {
		return best, why
	}
	return best, nil
}

type checker struct {
	b        []byte
	pageSize uint64
	hwm      uint64
	seen     map[uint64]bool
}

// bucketRoot checks the pages of a bucket rooted at page id.
func (c *checker) bucketRoot(id uint64, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: buckets nest deeper than %d", ErrDamaged, maxDepth)
	}
	if id < 2 || id >= c.hwm {
		return fmt.Errorf("%w: page %d is out of bounds (%d pages)", ErrDamaged, id, c.hwm)
	}
	if c.seen[id] {
		return fmt.Errorf("%w: page %d is referenced twice", ErrDamaged, id)
	}
	c.seen[id] = true
	off := id * c.pageSize
	if off+pageHeaderLen > uint64(len(c.b)) {
		return fmt.Errorf("%w: page %d is past the end of the file", ErrDamaged, id)
	}
	if self := binary.LittleEndian.Uint64(c.b[off:]); self != id {
		return fmt.Errorf("%w: page %d names itself %d", ErrDamaged, id, self)
	}
	overflow := uint64(binary.LittleEndian.Uint32(c.b[off+12:]))
	if id+overflow >= c.hwm || (id+overflow+1)*c.pageSize > uint64(len(c.b)) {
		return fmt.Errorf("%w: page %d runs past the end of the file", ErrDamaged, id)
	}
	for i := uint64(1); i <= overflow; i++ {
		c.seen[id+i] = true
	}
	return c.page(c.b[off:(id+overflow+1)*c.pageSize], id, depth)
}

// page checks one page (a file page with its overflow, or an inline
// bucket's page) and what it leads to.
func (c *checker) page(p []byte, id uint64, depth int) error {
	if len(p) < pageHeaderLen {
		return fmt.Errorf("%w: page %d is shorter than its header", ErrDamaged, id)
	}
	le := binary.LittleEndian
	flags, count := le.Uint16(p[8:]), uint64(le.Uint16(p[10:]))
	if pageHeaderLen+count*elemLen > uint64(len(p)) {
		return fmt.Errorf("%w: page %d claims %d elements", ErrDamaged, id, count)
	}
	for i := uint64(0); i < count; i++ {
		e := pageHeaderLen + i*elemLen
		switch flags {
		case flagBranch:
			pos, ksize, child := uint64(le.Uint32(p[e:])), uint64(le.Uint32(p[e+4:])), le.Uint64(p[e+8:])
			if e+pos+ksize > uint64(len(p)) {
				return fmt.Errorf("%w: page %d element %d runs past the page", ErrDamaged, id, i)
			}
			if err := c.bucketRoot(child, depth+1); err != nil {
				return err
			}
		case flagLeaf:
			ef, pos, ksize, vsize := le.Uint32(p[e:]), uint64(le.Uint32(p[e+4:])), uint64(le.Uint32(p[e+8:])), uint64(le.Uint32(p[e+12:]))
			if e+pos+ksize+vsize > uint64(len(p)) {
				return fmt.Errorf("%w: page %d element %d runs past the page", ErrDamaged, id, i)
			}
			if ef&leafBucket == 0 {
				continue
			}
			v := p[e+pos+ksize : e+pos+ksize+vsize]
			if len(v) < bucketHdrLen {
				return fmt.Errorf("%w: page %d element %d is a bucket too short for its header", ErrDamaged, id, i)
			}
			root := le.Uint64(v)
			if root == 0 { // inline bucket: its page follows the header
				if err := c.page(v[bucketHdrLen:], id, depth+1); err != nil {
					return err
				}
				continue
			}
			if err := c.bucketRoot(root, depth+1); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: page %d is neither a branch nor a leaf (flags %#x)", ErrDamaged, id, flags)
		}
	}
	if count == 0 && flags != flagLeaf && flags != flagBranch {
		return fmt.Errorf("%w: page %d is neither a branch nor a leaf (flags %#x)", ErrDamaged, id, flags)
	}
	return nil
}

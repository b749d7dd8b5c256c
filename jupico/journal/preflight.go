package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
)

// bbolt's file starts with two meta pages, each a 16-byte page header then
// the meta: magic, version, page size, flags, root bucket (16 bytes),
// freelist page, high-water page, transaction id, and an FNV-64a checksum
// of what precedes it. bbolt maps the file into memory, and a page past
// its end faults the whole process rather than returning an error, so the
// file is checked here first, reading it as plain bytes.
const (
	boltMagic   = 0xED0CDAED
	boltVersion = 2
	metaOffset  = 16 // the page header
	metaSize    = 64
	minPageSize = 512
)

type meta struct {
	pageSize uint32
	pgid     uint64 // high-water mark: pages in use
	txid     uint64
}

// preflight refuses a file others may read, and a torn or corrupt one: no
// valid meta page, or a file shorter than the pages its newest valid meta
// page says are in use. A missing or empty file is a new journal.
func preflight(path string) error {
	f, err := os.Open(path) // #nosec G304 -- the journal path the caller chose
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("journal: open %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("journal: open %s: %w", path, err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("journal: %s has mode %v: others may read or change it, and it holds payment tokens; chmod 600 it", path, perm)
	}
	size := st.Size()
	if size == 0 {
		return nil
	}
	head := make([]byte, metaOffset+metaSize)
	if _, err := io.ReadFull(f, head); err != nil {
		return corrupt(path, fmt.Sprintf("%d bytes: too short for a header", size))
	}
	m0, ok0 := parseMeta(head[metaOffset:])
	best, found := m0, ok0
	// The second meta page starts one page in: the page size the first
	// states, or, when that one is damaged, the common sizes.
	sizes := []int64{4096, 16384, 65536}
	if ok0 {
		sizes = []int64{int64(m0.pageSize)}
	}
	for _, ps := range sizes {
		buf := make([]byte, metaSize)
		if _, err := f.ReadAt(buf, ps+metaOffset); err != nil {
			continue
		}
		if m1, ok := parseMeta(buf); ok && int64(m1.pageSize) == ps && (!found || m1.txid > best.txid) {
			best, found = m1, true
		}
	}
	if !found {
		return corrupt(path, "no valid header page")
	}
	// In pages, so that no product can overflow: size is not negative and
	// the page size is at least minPageSize.
	if have := uint64(size) / uint64(best.pageSize); best.pgid > have { // #nosec G115 -- size is a file's size, not negative
		return corrupt(path, fmt.Sprintf("torn: %d bytes, but its data needs %d pages of %d", size, best.pgid, best.pageSize))
	}
	return nil
}

// parseMeta reads a meta page and reports whether it is valid: bbolt's
// magic and version, a sane page size, and a matching checksum.
func parseMeta(b []byte) (meta, bool) {
	le := binary.NativeEndian // bbolt writes in the machine's byte order
	sum := fnv.New64a()
	_, _ = sum.Write(b[:56])
	m := meta{pageSize: le.Uint32(b[8:12]), pgid: le.Uint64(b[40:48]), txid: le.Uint64(b[48:56])}
	ok := le.Uint32(b[0:4]) == boltMagic && le.Uint32(b[4:8]) == boltVersion &&
		m.pageSize >= minPageSize && m.pageSize&(m.pageSize-1) == 0 && le.Uint64(b[56:64]) == sum.Sum64()
	return m, ok
}

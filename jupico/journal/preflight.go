package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
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

// ErrUnsafeFile is what Open returns, matched with errors.Is, for a file
// or directory others could have crafted, swapped or read. The journal
// decides which transactions are rolled back with the caller's
// credentials, so a file another user controls is never trusted. Open
// refuses, before anything is created or read:
//
//   - a path whose final directory (filepath.Dir of the path, checked with
//     Lstat) is a symlink: the journal is named through the real
//     directory. Directories above it are not checked.
//   - a directory owned by a user other than this one (os.Geteuid) or
//     root.
//   - a directory that is group- or world-writable, unless it is sticky
//     and owned by this user: in a sticky directory of root's such as
//     /tmp, anyone may create the journal's name first.
//   - a symlink at the path, dangling or not: it is never followed, so
//     its target is neither created nor changed.
//   - anything but a regular file at the path.
//   - a file owned by another user.
//   - a file others may read or write (any mode bit beyond 0600).
//
// A new journal is created with O_CREATE|O_EXCL|O_NOFOLLOW and mode 0600;
// an existing one is opened with O_NOFOLLOW and checked again through
// its descriptor (Fstat), and bbolt is handed that descriptor: the file
// checked is the file used. Each error names the path and the rule that
// failed. On systems without Unix file ownership (Windows), Open refuses
// every file with this error.
var ErrUnsafeFile = errors.New("journal: unsafe file")

// unsafeError is an error matching ErrUnsafeFile whose message names the
// path and the rule that failed.
type unsafeError struct{ msg string }

func (e *unsafeError) Error() string        { return e.msg }
func (e *unsafeError) Is(target error) bool { return target == ErrUnsafeFile }

// refuse returns an error matching ErrUnsafeFile: "journal: PATH: WHY".
func refuse(path, format string, args ...any) error {
	return &unsafeError{"journal: " + path + ": " + fmt.Sprintf(format, args...)}
}

// checked is the journal's file, opened and checked by preflight, for
// bbolt to use.
type checked struct {
	path  string
	file  *os.File
	taken bool
}

// open is bbolt's Options.OpenFile: the checked file for the journal's
// path, the first time. Any other file bbolt opens is never reached
// through a symlink.
func (c *checked) open(name string, flag int, perm os.FileMode) (*os.File, error) {
	if name == c.path && !c.taken {
		c.taken = true
		return c.file, nil
	}
	return os.OpenFile(name, flag|oNoFollow, perm) // #nosec G304 -- bbolt's own files, next to the journal
}

// release closes the checked file unless bbolt took it.
func (c *checked) release() {
	if !c.taken {
		_ = c.file.Close()
	}
}

// preflight checks the journal's directory and file (see ErrUnsafeFile),
// creating a new, empty file when there is none, and refuses a torn or
// corrupt file: no valid meta page, or a file shorter than the pages its
// newest valid meta page says are in use. An empty file is a new journal.
// It returns the file, open for reading and writing, for bbolt to use.
func preflight(path string) (*checked, error) {
	if err := checkDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	if err := checkFile(f, path); err != nil {
		_ = f.Close()
		return nil, err
	}
	return &checked{path: path, file: f}, nil
}

// checkDir refuses a directory others could change: a symlink, one others
// may write to unless it is sticky and ours, one owned by a user other
// than this one or root.
func checkDir(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("journal: %s: %w", dir, err)
	}
	mode := st.Mode()
	switch {
	case mode&fs.ModeSymlink != 0:
		return refuse(dir, "directory is a symlink; name the journal through the directory it points to")
	case !mode.IsDir():
		return refuse(dir, "not a directory")
	}
	uid, ok := ownerOf(st)
	if !ok {
		return refuse(dir, "cannot tell who owns it on this system")
	}
	me := os.Geteuid()
	if perm := mode.Perm(); perm&0o022 != 0 && (mode&fs.ModeSticky == 0 || uid != me) {
		who := "group"
		if perm&0o002 != 0 {
			who = "world"
		}
		return refuse(dir, "directory is %s-writable and not sticky-and-ours", who)
	}
	if uid != me && uid != 0 {
		return refuse(dir, "directory is owned by uid %d, neither this user (uid %d) nor root", uid, me)
	}
	return nil
}

// openFile opens the journal's file for reading and writing without
// following a symlink, creating it (mode 0600) when there is none.
func openFile(path string) (*os.File, error) {
	for range 2 { // a file created between Lstat and O_EXCL: look again
		st, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL|oNoFollow, 0o600) // #nosec G304 -- the journal path the caller chose
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("journal: create %s: %w", path, err)
			}
			return f, nil
		}
		if err != nil {
			return nil, fmt.Errorf("journal: open %s: %w", path, err)
		}
		if err := checkType(path, st.Mode()); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_RDWR|oNoFollow, 0) // #nosec G304 -- the journal path the caller chose
		if isSymlinkErr(err) {
			return nil, refuse(path, "refusing a symlink")
		}
		if err != nil {
			return nil, fmt.Errorf("journal: open %s: %w", path, err)
		}
		if fst, err := f.Stat(); err != nil || !os.SameFile(st, fst) {
			_ = f.Close()
			return nil, refuse(path, "the file changed while it was opened")
		}
		return f, nil
	}
	return nil, refuse(path, "the file changed while it was opened")
}

// checkType refuses a symlink and anything but a regular file.
func checkType(path string, mode fs.FileMode) error {
	switch {
	case mode&fs.ModeSymlink != 0:
		return refuse(path, "refusing a symlink")
	case !mode.IsRegular():
		return refuse(path, "not a regular file")
	}
	return nil
}

// checkFile checks the open file f: a regular file of this user that
// others may not read, and not torn or corrupt.
func checkFile(f *os.File, path string) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("journal: open %s: %w", path, err)
	}
	if err := checkType(path, st.Mode()); err != nil {
		return err
	}
	uid, ok := ownerOf(st)
	if !ok {
		return refuse(path, "cannot tell who owns it on this system")
	}
	if me := os.Geteuid(); uid != me {
		return refuse(path, "owned by uid %d, not by this user (uid %d)", uid, me)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return refuse(path, "mode %v: others may read or change it, and it holds payment tokens; chmod 600 it", perm)
	}
	size := st.Size()
	if size == 0 {
		return nil
	}
	head := make([]byte, metaOffset+metaSize)
	if _, err := f.ReadAt(head, 0); err != nil {
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

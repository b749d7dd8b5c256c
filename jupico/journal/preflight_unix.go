//go:build unix

package journal

import (
	"errors"
	"io/fs"
	"syscall"
)

// oNoFollow makes an open fail on a symlink instead of following it.
const oNoFollow = syscall.O_NOFOLLOW

// ownerOf returns the uid that owns the file st describes.
func ownerOf(st fs.FileInfo) (int, bool) {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(s.Uid), true
}

// isSymlinkErr reports whether err is an O_NOFOLLOW open's failure on a
// symlink: ELOOP, or EMLINK on FreeBSD.
func isSymlinkErr(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}

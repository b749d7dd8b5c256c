//go:build !unix

package journal

import "io/fs"

// oNoFollow is 0 where the open flag does not exist; ownerOf's answer
// makes Open refuse every file there anyway.
const oNoFollow = 0

// ownerOf reports that ownership cannot be told on this system, so that
// Open refuses the file (ErrUnsafeFile).
func ownerOf(fs.FileInfo) (int, bool) { return 0, false }

func isSymlinkErr(error) bool { return false }

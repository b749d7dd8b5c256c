package vault

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"

	"github.com/jupico/jupico-go/credentials"
)

// tokenSource gives the token for the next request: a fixed one, or the
// content of a file read again whenever the file changes.
type tokenSource struct {
	static credentials.Secret
	path   string

	mu    sync.Mutex
	stamp fs.FileInfo // of the file last read
	cur   credentials.Secret
}

func (t *tokenSource) fromFile() bool { return t.path != "" }

// get returns the token. For a file, it stats the file and reads it again if
// it changed since the last read, or always when force is set.
func (t *tokenSource) get(force bool) (credentials.Secret, error) {
	if t.path == "" {
		return t.static, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fi, err := os.Stat(t.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return credentials.Secret{}, &tokenError{msg: "file " + t.path + " does not exist", err: fs.ErrNotExist}
		}
		return credentials.Secret{}, &tokenError{msg: "file " + t.path + " cannot be read", err: err}
	}
	if !force && t.stamp != nil && sameVersion(t.stamp, fi) {
		return t.cur, nil
	}
	if !fi.Mode().IsRegular() {
		return credentials.Secret{}, &tokenError{msg: "file " + t.path + " is not a regular file"}
	}
	f, err := os.Open(t.path)
	if err != nil {
		return credentials.Secret{}, &tokenError{msg: "file " + t.path + " cannot be read", err: err}
	}
	defer f.Close()
	// Metadata from the open file, so that it belongs to what is read.
	if fi, err = f.Stat(); err != nil {
		return credentials.Secret{}, &tokenError{msg: "file " + t.path + " cannot be read", err: err}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxTokenSize+1))
	if err != nil {
		return credentials.Secret{}, &tokenError{msg: "file " + t.path + " cannot be read", err: err}
	}
	if len(data) > maxTokenSize {
		return credentials.Secret{}, &tokenError{msg: "file " + t.path + " exceeds the size limit"}
	}
	tok, reason := checkToken(string(data))
	if reason != "" {
		return credentials.Secret{}, &tokenError{msg: "file " + t.path + " " + reason}
	}
	t.stamp, t.cur = fi, tok
	return tok, nil
}

// sameVersion reports whether two stats show the same version of a file:
// same file (a rename over it is a new one), size and modification time.
func sameVersion(a, b fs.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// checkToken trims surrounding whitespace (the newline a file or echo adds)
// and checks that what remains can go in an HTTP header as is: printable
// ASCII without spaces, as Vault's tokens are. The reason is empty when the
// token is fine; it never repeats the token.
func checkToken(v string) (credentials.Secret, string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return credentials.Secret{}, "is empty"
	}
	for i := 0; i < len(v); i++ {
		if b := v[i]; b <= ' ' || b >= 0x7f {
			return credentials.Secret{}, "contains whitespace, control or non-ASCII characters"
		}
	}
	return credentials.NewSecret(v), ""
}

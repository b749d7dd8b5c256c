package credentials

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// Files of a Kubernetes-style secret directory that FromFile reads.
const (
	dirUsername = "username"
	dirPassword = "password"
	dirAPIKey   = "apiKey"
	// k8sDataLink is the symlink Kubernetes' atomic writer swaps to publish
	// a new version of a secret volume.
	k8sDataLink = "..data"
)

// readFileLimited reads at most limit bytes of the regular file at path and
// returns them with the file's metadata, taken from the open file so that
// content and metadata belong together. A larger file gives a
// *ValidationError with ReasonTooLarge; a special file (FIFO, device), which
// could block or never end, one with ReasonFileType.
func readFileLimited(path string, limit int64) ([]byte, fs.FileInfo, error) {
	if fi, err := os.Stat(path); err != nil {
		return nil, nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, nil, &ValidationError{Source: path, Reason: ReasonFileType}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, &ValidationError{Source: path, Reason: ReasonFileType}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(data)) > limit {
		return nil, nil, &ValidationError{Source: path, Reason: ReasonTooLarge}
	}
	return data, fi, nil
}

// stamp identifies one version of what FromFile reads: the target of a
// Kubernetes ..data link, or the identity, size, mode and modification time
// of each file (nil for an absent one). Comparing stamps costs a few stat
// calls and no reads.
type stamp struct {
	link  string
	files []fs.FileInfo
}

func (s stamp) equal(o stamp) bool {
	if s.link != o.link || len(s.files) != len(o.files) {
		return false
	}
	for i, a := range s.files {
		b := o.files[i]
		if a == nil || b == nil {
			if a != b {
				return false
			}
			continue
		}
		if !os.SameFile(a, b) || a.Size() != b.Size() || a.Mode() != b.Mode() || !a.ModTime().Equal(b.ModTime()) {
			return false
		}
	}
	return true
}

// fileResult is what a fileProvider last read, and the stamp it read it at.
type fileResult struct {
	stamp stamp
	creds Credentials
	err   error
}

type fileProvider struct {
	path string
	mu   sync.Mutex // serialises re-reads
	last atomic.Pointer[fileResult]
}

// FromFile returns a provider that reads credentials from path, which is
// either
//
//   - a JSON file: {"username": "...", "password": "..."} or
//     {"apiKey": "..."}, with an optional "expiresAt" (RFC 3339) that becomes
//     Credentials.Expires; other keys are ignored; or
//   - a directory holding one file per value, as a Kubernetes secret volume
//     or a Docker secrets directory does: "username" and "password", or
//     "apiKey". One trailing "\n" or "\r\n" is stripped from each file.
//
// At most 64 KiB of each file is read. Symlinks are followed.
//
// Rotation: every Retrieve first compares cheap metadata (one stat per file,
// or one readlink for a Kubernetes volume) with what it last read, and reads
// and parses again only when it changed: a file replaced by rename, rewritten
// in place, or the atomic "..data" symlink swap with which Kubernetes
// publishes a new version of a secret. A Kubernetes volume is read through
// the resolved "..data" link, so username and password always come from the
// same version. Wrapped in a Cache, a rotation is seen at the next refresh
// (WithRefreshInterval) or at once after Cache.Invalidate.
//
// Errors: a path that does not exist gives an error wrapping both
// ErrNoCredentials and fs.ErrNotExist; a malformed file a *ValidationError
// naming the file (and field), never a value; other I/O errors are returned
// wrapped. Credentials.Source is the path. The provider is safe for
// concurrent use.
func FromFile(path string) Provider {
	return &fileProvider{path: path}
}

// Retrieve implements Provider.
func (p *fileProvider) Retrieve(ctx context.Context) (Credentials, error) {
	if err := ctx.Err(); err != nil {
		return Credentials{}, err
	}
	st, _, err := p.stat()
	if err != nil {
		return Credentials{}, err
	}
	if last := p.last.Load(); last != nil && last.stamp.equal(st) {
		return last.creds, last.err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// Another caller may have re-read while this one waited.
	st, dir, err := p.stat()
	if err != nil {
		return Credentials{}, err
	}
	if last := p.last.Load(); last != nil && last.stamp.equal(st) {
		return last.creds, last.err
	}
	var c Credentials
	if dir {
		c, st, err = p.readDir(st)
	} else {
		c, st, err = p.readFile()
	}
	var ve *ValidationError
	if err == nil || errors.As(err, &ve) {
		// Remember answers about the content, not transient I/O failures.
		p.last.Store(&fileResult{stamp: st, creds: c, err: err})
	}
	return c, err
}

// stat returns the current stamp of p.path and whether it is a directory.
func (p *fileProvider) stat() (stamp, bool, error) {
	fi, err := os.Stat(p.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return stamp{}, false, &notFoundError{what: p.path + " does not exist", err: fs.ErrNotExist}
		}
		return stamp{}, false, fmt.Errorf("credentials: %w", err)
	}
	if fi.Mode().IsRegular() {
		return stamp{files: []fs.FileInfo{fi}}, false, nil
	}
	if !fi.IsDir() {
		return stamp{}, false, &ValidationError{Source: p.path, Reason: ReasonFileType}
	}
	if link, err := os.Readlink(filepath.Join(p.path, k8sDataLink)); err == nil {
		return stamp{link: link}, true, nil
	}
	st := stamp{files: make([]fs.FileInfo, 3)}
	for i, name := range [...]string{dirUsername, dirPassword, dirAPIKey} {
		fi, err := os.Stat(filepath.Join(p.path, name))
		switch {
		case err == nil:
			st.files[i] = fi
		case !errors.Is(err, fs.ErrNotExist):
			return stamp{}, false, fmt.Errorf("credentials: %w", err)
		}
	}
	return st, true, nil
}

func (p *fileProvider) readFile() (Credentials, stamp, error) {
	data, fi, err := readFileLimited(p.path, maxDocumentSize)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return Credentials{}, stamp{}, err
		}
		return Credentials{}, stamp{}, fmt.Errorf("credentials: %w", err)
	}
	st := stamp{files: []fs.FileInfo{fi}}
	c, err := ParseDocument(data, p.path)
	return c, st, err
}

// readDir reads a secret directory. For a Kubernetes volume it reads through
// the "..data" target named in st, and retries when Kubernetes swapped and
// removed that version while it was being read.
func (p *fileProvider) readDir(st stamp) (Credentials, stamp, error) {
	for attempt := 0; ; attempt++ {
		base := p.path
		if st.link != "" {
			base = st.link
			if !filepath.IsAbs(base) {
				base = filepath.Join(p.path, base)
			}
		}
		c, err := p.readDirFrom(base)
		if st.link == "" || attempt == 2 || !errors.Is(err, fs.ErrNotExist) {
			return c, st, err
		}
		link, lerr := os.Readlink(filepath.Join(p.path, k8sDataLink))
		if lerr != nil || link == st.link {
			return c, st, err
		}
		st = stamp{link: link}
	}
}

func (p *fileProvider) readDirFrom(base string) (Credentials, error) {
	read := func(name string) (string, bool, error) {
		// Errors name the file as the user sees it, not the versioned path.
		shown := filepath.Join(p.path, name)
		data, _, err := readFileLimited(filepath.Join(base, name), maxDocumentSize)
		switch {
		case err == nil:
			return string(data), true, nil
		case errors.Is(err, fs.ErrNotExist):
			return "", false, nil
		}
		var ve *ValidationError
		if errors.As(err, &ve) {
			return "", false, &ValidationError{Source: shown, Reason: ve.Reason}
		}
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			err = pe.Err
		}
		return "", false, fmt.Errorf("credentials: read %s: %w", shown, err)
	}
	key, hasKey, err := read(dirAPIKey)
	if err != nil {
		return Credentials{}, err
	}
	user, hasUser, err := read(dirUsername)
	if err != nil {
		return Credentials{}, err
	}
	pass, hasPass, err := read(dirPassword)
	if err != nil {
		return Credentials{}, err
	}
	var c Credentials
	switch {
	case hasKey && (hasUser || hasPass):
		other := dirUsername
		if !hasUser {
			other = dirPassword
		}
		return Credentials{}, &ValidationError{Source: p.path, Field: dirAPIKey + " and " + other, Reason: ReasonConflict}
	case hasKey:
		c, err = NewAPIKey(key)
		err = withSource(err, filepath.Join(p.path, dirAPIKey), map[string]string{"apiKey": ""})
	case hasUser && hasPass:
		c, err = NewBasic(trimOneNewline(user), trimOneNewline(pass))
		if err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				err = &ValidationError{Source: filepath.Join(p.path, ve.Field), Reason: ve.Reason}
			}
		}
	case hasUser:
		return Credentials{}, &ValidationError{Source: filepath.Join(p.path, dirPassword), Reason: ReasonMissing}
	case hasPass:
		return Credentials{}, &ValidationError{Source: filepath.Join(p.path, dirUsername), Reason: ReasonMissing}
	default:
		return Credentials{}, &ValidationError{Source: p.path, Reason: ReasonNoneSet}
	}
	if err != nil {
		return Credentials{}, err
	}
	c.Source = p.path
	return c, nil
}

package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	modv "golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

// A fileSource lists the files of a module's zip.
type fileSource func(m *module) ([]modzip.File, error)

// worktreeFiles lists the files git tracks in m's directory, read from the
// work tree: the zip the next commit will have, without the untracked and
// ignored files CreateFromDir would take.
func (r *repo) worktreeFiles(m *module) ([]modzip.File, error) {
	spec := "."
	if m.Dir != "." {
		spec = m.Dir
	}
	out, err := r.git("ls-files", "-z", "--", spec)
	if err != nil {
		return nil, err
	}
	prefix := m.prefix()
	var files []modzip.File
	haveLicense := false
	for _, f := range strings.Split(out, "\x00") {
		if f == "" {
			continue
		}
		info, err := os.Lstat(r.abs(f))
		if err != nil {
			if os.IsNotExist(err) { // deleted and not staged yet
				continue
			}
			return nil, err
		}
		rel := strings.TrimPrefix(f, prefix)
		files = append(files, diskFile{path: rel, file: r.abs(f), info: info})
		haveLicense = haveLicense || rel == "LICENSE"
	}
	if !haveLicense && m.Dir != "." {
		// As the go command does, a nested module without a LICENSE gets
		// the repository's.
		if info, err := os.Lstat(r.abs("LICENSE")); err == nil {
			files = append(files, diskFile{path: "LICENSE", file: r.abs("LICENSE"), info: info})
		}
	}
	return files, nil
}

// revFiles returns a fileSource reading the modules at revision rev, with
// git archive as the go command does (and zip.CreateFromVCS, which does not
// work in a linked work tree).
func (r *repo) revFiles(rev string) fileSource {
	return func(m *module) ([]modzip.File, error) {
		cmd := exec.Command("git", "-c", "core.autocrlf=input", "-c", "core.eol=lf", "archive", "--format=zip", rev) // #nosec G204 -- git with a revision the tool itself resolved; no shell
		if m.Dir != "." {
			cmd.Args = append(cmd.Args, m.Dir)
		}
		cmd.Dir = r.dir
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("git archive %s %s: %w: %s", rev, m.Dir, err, strings.TrimSpace(stderr.String()))
		}
		zr, err := zip.NewReader(bytes.NewReader(stdout.Bytes()), int64(stdout.Len()))
		if err != nil {
			return nil, err
		}
		prefix := m.prefix()
		var files []modzip.File
		haveLicense := false
		for _, zf := range zr.File {
			if strings.HasSuffix(zf.Name, "/") || !strings.HasPrefix(zf.Name, prefix) {
				continue
			}
			data, err := readZipFile(zf)
			if err != nil {
				return nil, err
			}
			rel := strings.TrimPrefix(zf.Name, prefix)
			files = append(files, memFile{path: rel, data: data, mode: zf.Mode()})
			haveLicense = haveLicense || rel == "LICENSE"
		}
		if !haveLicense && m.Dir != "." {
			if lic, err := r.git("cat-file", "blob", rev+":LICENSE"); err == nil {
				files = append(files, memFile{path: "LICENSE", data: []byte(lic), mode: 0o644})
			}
		}
		return files, nil
	}
}

func readZipFile(zf *zip.File) ([]byte, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

type diskFile struct {
	path, file string
	info       fs.FileInfo
}

func (f diskFile) Path() string                 { return f.path }
func (f diskFile) Lstat() (fs.FileInfo, error)  { return f.info, nil }
func (f diskFile) Open() (io.ReadCloser, error) { return os.Open(f.file) }

type memFile struct {
	path string
	data []byte
	mode fs.FileMode
}

func (f memFile) Path() string                 { return f.path }
func (f memFile) Lstat() (fs.FileInfo, error)  { return memInfo{f}, nil }
func (f memFile) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }

type memInfo struct{ f memFile }

func (i memInfo) Name() string       { return path.Base(i.f.path) }
func (i memInfo) Size() int64        { return int64(len(i.f.data)) }
func (i memInfo) Mode() fs.FileMode  { return i.f.mode }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

// writeProxy writes the modules mods at version v into dir laid out as a
// GOPROXY (dir/<escaped path>/@v/{list,v.info,v.mod,v.zip}), their files
// taken from src, and returns each module's h1: hash.
func writeProxy(dir string, mods []*module, v string, src fileSource) (map[string]string, error) {
	sums := map[string]string{}
	for _, m := range mods {
		files, err := src(m)
		if err != nil {
			return nil, err
		}
		mv := modv.Version{Path: m.Path, Version: v}
		var buf bytes.Buffer
		if err := modzip.Create(&buf, mv, files); err != nil {
			return nil, fmt.Errorf("%s: %w", m.Path, err)
		}
		var gomod []byte
		for _, f := range files {
			if f.Path() == "go.mod" {
				rc, err := f.Open()
				if err != nil {
					return nil, err
				}
				gomod, err = io.ReadAll(rc)
				if cerr := rc.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					return nil, err
				}
			}
		}
		ep, err := modv.EscapePath(m.Path)
		if err != nil {
			return nil, err
		}
		ev, err := modv.EscapeVersion(v)
		if err != nil {
			return nil, err
		}
		at := filepath.Join(dir, filepath.FromSlash(ep), "@v")
		if err := mkdirAll(at); err != nil {
			return nil, err
		}
		info, _ := json.Marshal(map[string]string{"Version": v, "Time": time.Now().UTC().Format(time.RFC3339)})
		for name, data := range map[string][]byte{ev + ".zip": buf.Bytes(), ev + ".mod": gomod, ev + ".info": info} {
			if err := writeFile(filepath.Join(at, name), data); err != nil {
				return nil, err
			}
		}
		if err := appendList(filepath.Join(at, "list"), v); err != nil {
			return nil, err
		}
		zf := filepath.Join(at, ev+".zip")
		h, err := dirhash.HashZip(zf, dirhash.Hash1)
		if err != nil {
			return nil, err
		}
		sums[m.Path] = h
	}
	return sums, nil
}

func appendList(file, v string) error {
	old, _ := readRepoFile(file)
	for _, l := range strings.Fields(string(old)) {
		if l == v {
			return nil
		}
	}
	return writeFile(file, append(old, []byte(v+"\n")...))
}

// proxyEnv is the environment of a go command that must take this
// repository's modules from the file proxy dir and nothing else from
// outside the machine's usual proxy and caches: no workspace, no checksum
// database for this repository's modules (they are not published yet),
// and a module cache of its own, so the proxy's versions never land in the
// machine's cache, where they would shadow the real release.
func (r *repo) proxyEnv(dir, modcache string) []string {
	prefixes := []string{}
	for _, m := range r.mods {
		prefixes = append(prefixes, m.Path)
	}
	orig := goEnv("GOPROXY")
	if orig == "" || orig == "off" {
		orig = "https://proxy.golang.org,direct"
	}
	// The machine's module cache is itself a proxy: listed first after
	// ours, the usual dependencies come from it without the network.
	proxy := "file://" + filepath.ToSlash(dir)
	if mc := goEnv("GOMODCACHE"); mc != "" {
		proxy += ",file://" + filepath.ToSlash(filepath.Join(mc, "cache", "download"))
	}
	return append(os.Environ(),
		"GOWORK=off",
		"GOFLAGS=-mod=mod -modcacherw",
		"GOPROXY="+proxy+","+orig,
		"GONOSUMDB="+strings.Join(prefixes, ","),
		"GONOSUMCHECK=",
		"GOPRIVATE=",
		"GOMODCACHE="+modcache,
	)
}

// goEnv returns the go command's value of an environment variable.
func goEnv(name string) string {
	out, err := exec.Command("go", "env", name).Output() // #nosec G204 -- the go command with a variable name the tool itself picks
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// run runs a command in dir with env (nil: the process's), returning its
// combined output in the error when it fails.
func run(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...) // #nosec G204 -- git or go, with arguments the tool builds from the maintainer's command line; no shell
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s (in %s): %w\n%s", name, strings.Join(args, " "), dir, err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

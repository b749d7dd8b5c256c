package main

import (
	"fmt"
	"go/types"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/exp/apidiff"
	"golang.org/x/tools/go/packages"
)

// apiFile returns the file recording m's exported API: api/root.txt for
// the root module, api/<dir with dashes>.txt for a nested one.
func apiFile(m *module) string {
	if m.Dir == "." {
		return apiDir + "/root.txt"
	}
	return apiDir + "/" + strings.ReplaceAll(m.Dir, "/", "-") + ".txt"
}

// loadPublic loads the public packages of the module in dir (module path
// modPath): not internal, not main, not test-only.
func loadPublic(dir, modPath string) ([]*types.Package, error) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedTypes | packages.NeedFiles | packages.NeedModule,
		Dir:  dir,
		Env:  append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod"),
	}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, err
	}
	var out []*types.Package
	var errs []string
	for _, p := range pkgs {
		if p.Name == "main" || len(p.GoFiles) == 0 || !isPublic(p.PkgPath) || p.Module == nil || p.Module.Path != modPath {
			continue
		}
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
		out = append(out, p.Types)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("loading %s: %s", modPath, strings.Join(errs, "; "))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path() < out[j].Path() })
	return out, nil
}

// apiLines lists every exported name of pkgs, one per line, in the style
// of the Go project's api/*.txt files, sorted.
func apiLines(pkgs []*types.Package) []string {
	var lines []string
	for _, p := range pkgs {
		w := apiWriter{pkg: p}
		scope := p.Scope()
		for _, name := range scope.Names() {
			if obj := scope.Lookup(name); obj.Exported() {
				w.object(obj)
			}
		}
		lines = append(lines, w.lines...)
	}
	sort.Strings(lines)
	return compactStrings(lines)
}

type apiWriter struct {
	pkg   *types.Package
	lines []string
}

func (w *apiWriter) emit(format string, args ...any) {
	w.lines = append(w.lines, "pkg "+w.pkg.Path()+", "+fmt.Sprintf(format, args...))
}

// typ writes a type, function types without their parameter names
// (renaming a parameter changes no API).
func (w *apiWriter) typ(t types.Type) string {
	switch t := t.(type) {
	case *types.Signature:
		return "func" + w.sig(t)
	case *types.Pointer:
		return "*" + w.typ(t.Elem())
	case *types.Slice:
		return "[]" + w.typ(t.Elem())
	case *types.Map:
		return "map[" + w.typ(t.Key()) + "]" + w.typ(t.Elem())
	}
	return types.TypeString(t, func(p *types.Package) string {
		if p == w.pkg {
			return ""
		}
		return p.Name()
	})
}

// sig writes a signature without parameter names: (int, ...string) (T, error).
func (w *apiWriter) sig(s *types.Signature) string {
	var b strings.Builder
	b.WriteString("(")
	for i := 0; i < s.Params().Len(); i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		t := s.Params().At(i).Type()
		if s.Variadic() && i == s.Params().Len()-1 {
			b.WriteString("..." + w.typ(t.(*types.Slice).Elem()))
		} else {
			b.WriteString(w.typ(t))
		}
	}
	b.WriteString(")")
	switch r := s.Results(); r.Len() {
	case 0:
	case 1:
		b.WriteString(" " + w.typ(r.At(0).Type()))
	default:
		b.WriteString(" (")
		for i := 0; i < r.Len(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(w.typ(r.At(i).Type()))
		}
		b.WriteString(")")
	}
	return b.String()
}

func (w *apiWriter) tparams(l *types.TypeParamList) string {
	if l == nil || l.Len() == 0 {
		return ""
	}
	var ps []string
	for i := 0; i < l.Len(); i++ {
		tp := l.At(i)
		ps = append(ps, tp.Obj().Name()+" "+w.typ(tp.Constraint()))
	}
	return "[" + strings.Join(ps, ", ") + "]"
}

func (w *apiWriter) object(obj types.Object) {
	switch o := obj.(type) {
	case *types.Const:
		w.emit("const %s %s = %s", o.Name(), w.typ(o.Type()), o.Val().ExactString())
	case *types.Var:
		w.emit("var %s %s", o.Name(), w.typ(o.Type()))
	case *types.Func:
		s := o.Type().(*types.Signature)
		w.emit("func %s%s%s", o.Name(), w.tparams(s.TypeParams()), w.sig(s))
	case *types.TypeName:
		w.typeName(o)
	}
}

func (w *apiWriter) typeName(o *types.TypeName) {
	if o.IsAlias() {
		w.emit("type %s = %s", o.Name(), w.typ(types.Unalias(o.Type())))
		return
	}
	named, ok := o.Type().(*types.Named)
	if !ok {
		return
	}
	name := o.Name() + w.tparams(named.TypeParams())
	switch u := named.Underlying().(type) {
	case *types.Struct:
		w.emit("type %s struct", name)
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			if !f.Exported() {
				continue
			}
			if f.Embedded() {
				w.emit("type %s struct, embedded %s", o.Name(), w.typ(f.Type()))
			} else {
				w.emit("type %s struct, %s %s", o.Name(), f.Name(), w.typ(f.Type()))
			}
		}
	case *types.Interface:
		var names []string
		unexported := false
		for i := 0; i < u.NumMethods(); i++ {
			m := u.Method(i)
			if !m.Exported() {
				unexported = true
				continue
			}
			names = append(names, m.Name())
			w.emit("type %s interface, %s%s", o.Name(), m.Name(), w.sig(m.Type().(*types.Signature)))
		}
		for i := 0; i < u.NumEmbeddeds(); i++ {
			if _, isIface := u.EmbeddedType(i).Underlying().(*types.Interface); !isIface {
				w.emit("type %s interface, embedded %s", o.Name(), w.typ(u.EmbeddedType(i)))
			}
		}
		if unexported {
			w.emit("type %s interface, unexported methods", o.Name())
		}
		sort.Strings(names)
		w.emit("type %s interface { %s }", name, strings.Join(names, ", "))
		return
	default:
		w.emit("type %s %s", name, w.typ(u))
	}
	// Methods: the method set of T, then those only *T has; promoted
	// methods included, since they are part of what users call.
	recv := o.Name()
	if tps := named.TypeParams(); tps != nil && tps.Len() > 0 {
		var ns []string
		for i := 0; i < tps.Len(); i++ {
			ns = append(ns, tps.At(i).Obj().Name())
		}
		recv += "[" + strings.Join(ns, ", ") + "]"
	}
	valueSet := types.NewMethodSet(named)
	inValue := map[string]bool{}
	for i := 0; i < valueSet.Len(); i++ {
		m := valueSet.At(i).Obj()
		inValue[m.Name()] = true
		if m.Exported() {
			w.emit("method (%s) %s%s", recv, m.Name(), w.sig(m.Type().(*types.Signature)))
		}
	}
	ptrSet := types.NewMethodSet(types.NewPointer(named))
	for i := 0; i < ptrSet.Len(); i++ {
		m := ptrSet.At(i).Obj()
		if m.Exported() && !inValue[m.Name()] {
			w.emit("method (*%s) %s%s", recv, m.Name(), w.sig(m.Type().(*types.Signature)))
		}
	}
}

const apiHeader = "# The exported API of %s, one name a line (the Go project's api/*.txt style).\n# Generated: go -C internal/release run . api -w\n"

// readAPI reads a recorded API file; a missing file is empty.
func readAPI(file string) ([]string, bool, error) {
	data, err := readRepoFile(file)
	if os.IsNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines, true, nil
}

// incompatible is one incompatible change and the identifier CHANGELOG.md
// must name.
type incompatible struct {
	Ident, What string
}

// checkAPI compares each released module's exported API with its recorded
// file and lists incompatible changes: against the module's last release
// tag with apidiff, or, before a first release, the recorded lines the API
// no longer has. Each must be named (its identifier) in the Unreleased
// section of CHANGELOG.md. With write it records the API, unless an
// incompatible change is not named; without, any difference fails.
func checkAPI(r *repo, write bool, out io.Writer) error {
	cl, err := readRepoFile(r.abs(changelogFile))
	if err != nil {
		return err
	}
	unreleased := unreleasedText(string(cl))
	var problems []string
	for _, m := range r.released() {
		pkgs, err := loadPublic(r.abs(m.Dir), m.Path)
		if err != nil {
			return err
		}
		file := apiFile(m)
		if len(pkgs) == 0 {
			// A command: no exported API, no file.
			continue
		}
		cur := apiLines(pkgs)
		rec, recorded, err := readAPI(r.abs(file))
		if err != nil {
			return err
		}
		incs, err := r.incompatibleChanges(m, pkgs, cur, rec)
		if err != nil {
			return err
		}
		var unnamed []string
		for _, c := range incs {
			if !regexp.MustCompile(`\b` + regexp.QuoteMeta(c.Ident) + `\b`).MatchString(unreleased) {
				unnamed = append(unnamed, fmt.Sprintf("%s (%s)", c.Ident, c.What))
			}
		}
		if len(unnamed) > 0 {
			problems = append(problems, fmt.Sprintf("%s: incompatible changes the Unreleased section of %s does not name:\n    %s",
				m.Path, changelogFile, strings.Join(unnamed, "\n    ")))
		}
		added, removed := setDiff(cur, rec), setDiff(rec, cur)
		switch {
		case len(added) == 0 && len(removed) == 0 && recorded:
			fmt.Fprintf(out, "%s: %d names, as recorded\n", file, len(cur))
		case write && len(unnamed) == 0:
			if err := mkdirAll(r.abs(apiDir)); err != nil {
				return err
			}
			text := fmt.Sprintf(apiHeader, m.Path) + strings.Join(cur, "\n") + "\n"
			if err := writeFile(r.abs(file), []byte(text)); err != nil {
				return err
			}
			fmt.Fprintf(out, "%s: recorded %d names (+%d -%d)\n", file, len(cur), len(added), len(removed))
		case !write:
			var d []string
			for _, l := range added {
				d = append(d, "+ "+l)
			}
			for _, l := range removed {
				d = append(d, "- "+l)
			}
			if len(d) > 30 {
				d = append(d[:30], fmt.Sprintf("... and %d more", len(d)-30))
			}
			what := "differs from the exported API"
			if !recorded {
				what = "is missing"
			}
			problems = append(problems, fmt.Sprintf("%s %s:\n    %s\n  record it with: go -C internal/release run . api -w",
				file, what, strings.Join(d, "\n    ")))
		}
	}
	if len(problems) > 0 {
		if write {
			return fmt.Errorf("not recorded:\n%s", strings.Join(problems, "\n"))
		}
		return fmt.Errorf("api check failed:\n%s", strings.Join(problems, "\n"))
	}
	return nil
}

func setDiff(a, b []string) []string {
	in := map[string]bool{}
	for _, l := range b {
		in[l] = true
	}
	var out []string
	for _, l := range a {
		if !in[l] {
			out = append(out, l)
		}
	}
	return out
}

// incompatibleChanges lists m's incompatible changes: against its last
// release tag (checked out into a temporary work tree) with apidiff, or,
// before the first release, the recorded lines cur lacks.
func (r *repo) incompatibleChanges(m *module, pkgs []*types.Package, cur, rec []string) ([]incompatible, error) {
	tag, err := r.lastTag(m)
	if err != nil {
		return nil, err
	}
	if tag == "" {
		var incs []incompatible
		for _, l := range setDiff(rec, cur) {
			incs = append(incs, incompatible{Ident: lineIdent(l), What: "removed or changed: " + l})
		}
		return incs, nil
	}
	tmp, err := os.MkdirTemp("", "jupico-api-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	wt := filepath.Join(tmp, "tree")
	if _, err := r.git("worktree", "add", "--detach", "-q", wt, tag); err != nil {
		return nil, err
	}
	defer r.git("worktree", "remove", "--force", wt) //nolint:errcheck // the temp dir goes anyway
	old, err := loadPublic(filepath.Join(wt, filepath.FromSlash(m.Dir)), m.Path)
	if err != nil {
		return nil, fmt.Errorf("the API at %s: %w", tag, err)
	}
	newByPath := map[string]*types.Package{}
	for _, p := range pkgs {
		newByPath[p.Path()] = p
	}
	var incs []incompatible
	for _, op := range old {
		np, ok := newByPath[op.Path()]
		if !ok {
			incs = append(incs, incompatible{Ident: op.Path(), What: "package removed since " + tag})
			continue
		}
		for _, c := range apidiff.Changes(op, np).Changes {
			if !c.Compatible {
				incs = append(incs, incompatible{Ident: messageIdent(c.Message), What: op.Path() + ": " + c.Message + " (since " + tag + ")"})
			}
		}
	}
	return incs, nil
}

// lineIdent returns the most specific identifier of an API line: the
// field, method or name it records.
func lineIdent(l string) string {
	_, rest, _ := strings.Cut(l, ", ")
	if i := strings.Index(rest, ", "); i >= 0 && strings.HasPrefix(rest, "type ") {
		// "type T struct, Field X" / "type T interface, M(...)"
		f := strings.Fields(rest[i+2:])
		if len(f) > 0 && f[0] != "embedded" && f[0] != "unexported" {
			return identPrefix(f[0])
		}
		return identPrefix(strings.Fields(rest)[1])
	}
	f := strings.Fields(rest)
	switch {
	case len(f) >= 3 && f[0] == "method":
		return identPrefix(f[2])
	case len(f) >= 2:
		return identPrefix(f[1])
	}
	return rest
}

// identPrefix returns the leading Go identifier of s.
func identPrefix(s string) string {
	for i, c := range s {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return s[:i]
		}
	}
	return s
}

// messageIdent returns the identifier an apidiff message is about:
// "(*Client).Do: removed" gives Do, "WithFoo: changed from..." WithFoo.
func messageIdent(msg string) string {
	name, _, _ := strings.Cut(msg, ":")
	if i := strings.LastIndex(name, "."); i >= 0 {
		name = name[i+1:]
	}
	return identPrefix(strings.TrimLeft(name, "(*"))
}

package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryExportedNameIsDocumented parses the module's non-test Go files
// (nested modules included) and lists exported names without a doc comment.
func TestEveryExportedNameIsDocumented(t *testing.T) {
	root, err := filepath.Abs("../../..")
	require.NoError(t, err)
	var missing []string
	pkgDoc := map[string]bool{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		dir := filepath.Dir(rel)
		if f.Name.Name == "main" {
			pkgDoc[dir] = pkgDoc[dir] || f.Doc != nil
			return nil
		}
		pkgDoc[dir] = pkgDoc[dir] || f.Doc != nil
		missing = append(missing, undocumented(fset, rel, f)...)
		return nil
	})
	require.NoError(t, err)
	for dir, ok := range pkgDoc {
		assert.True(t, ok, "package in %s has no package comment", dir)
	}
	assert.Empty(t, missing, "exported names without a doc comment")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("walked from %s, which is not the module root", root)
	}
}

func undocumented(fset *token.FileSet, rel string, f *ast.File) []string {
	var out []string
	at := func(n ast.Node, name string) string {
		return rel + ":" + itoa(fset.Position(n.Pos()).Line) + " " + name
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || d.Doc != nil {
				continue
			}
			if d.Recv != nil && !exportedRecv(d.Recv) {
				continue
			}
			out = append(out, at(d, d.Name.Name))
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() && s.Doc == nil && d.Doc == nil {
						out = append(out, at(s, s.Name.Name))
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() && s.Doc == nil && d.Doc == nil && s.Comment == nil {
							out = append(out, at(n, n.Name))
						}
					}
				}
			}
		}
	}
	return out
}

func exportedRecv(fl *ast.FieldList) bool {
	if len(fl.List) == 0 {
		return false
	}
	t := fl.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	id, ok := t.(*ast.Ident)
	return ok && id.IsExported()
}

func itoa(n int) string {
	s := ""
	for n >= 10 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return string(rune('0'+n)) + s
}

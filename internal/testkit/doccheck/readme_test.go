package doccheck

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeGoBlocksCompile type-checks every ```go block of README.md, as
// go build would, with go/types and the source importer. The rule:
//
//   - A block with a package clause is a file on its own.
//   - A block of declarations only (func, type, var, const) is a file
//     "package p" with them.
//   - Any other block is a fragment: the body of
//     func _(<givens>) { { ... } } in "package p" (the inner block lets
//     a fragment declare a name a given has). The givens are the names
//     README fragments take as known, declared in readmeGivens with their
//     types (ctx, client, merchant, token...); a fragment may use them or
//     not. A fragment's code goes on after what is shown, so the variables
//     it declares at its top level may be left unused (the wrapper ends
//     with "_ = v" for each); everything else is an error, unused
//     variables in an inner scope (a loop's, a closure's) included.
//   - Imports are added for the package names a block uses, from
//     readmeImports; a name used that is not listed there fails the test.
//
// A block that imports a package of a nested module (jupicotel,
// redisstore, redislimit, pgjournal, awssm) or of a third party those
// depend on is parsed only: the root module cannot resolve them. The set of
// such blocks is pinned by readmeParsedOnly, so no other block can slip
// out of type checking.
func TestReadmeGoBlocksCompile(t *testing.T) {
	root, err := filepath.Abs("../../..")
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	blocks := goBlocks(string(readme))
	require.NotEmpty(t, blocks)

	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "source", nil).(types.ImporterFrom)
	var parsedOnly []string
	for _, b := range blocks {
		src, external, err := wrapBlock(b.text)
		name := "README.md:" + strconv.Itoa(b.line)
		if !assert.NoError(t, err, name) {
			continue
		}
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if !assert.NoError(t, err, "%s does not parse:\n%s", name, src) {
			continue
		}
		if external != "" {
			parsedOnly = append(parsedOnly, external)
			continue
		}
		var errs []string
		conf := types.Config{
			Importer: importerFrom{imp, root},
			Error:    func(err error) { errs = append(errs, err.Error()) },
		}
		_, _ = conf.Check("p", fset, []*ast.File{f}, nil)
		assert.Empty(t, errs, "%s does not compile; as checked:\n%s", name, src)
	}
	sort.Strings(parsedOnly)
	assert.Equal(t, readmeParsedOnly, parsedOnly, "blocks checked for syntax only, by the nested module they use")
}

// readmeParsedOnly lists, by the nested module or third-party package
// that keeps them from being type-checked, the blocks only parsed.
var readmeParsedOnly = []string{
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/jackc/pgx/v5/pgxpool",
	"github.com/jupico/jupico-go/jupico/jupicotel",
	"github.com/jupico/jupico-go/jupico/redislimit",
}

// readmeGivens are the names README fragments use without declaring them.
const readmeGivens = `ctx context.Context, client *jupico.Client, merchant string, token jupico.PaymentToken,
	tokenFromWebComponent string, req *jupico.ChargeRequest, process func(context.Context, *webhook.Event) error,
	onEvent func(context.Context, *webhook.Event) error, verifier *webhook.Verifier,
	alert func(context.Context, jupico.RollbackEvent), activate func(context.Context, string),
	NewCheckout func(jupico.CreditCardAPI, string, *slog.Logger) any, logger *slog.Logger,
	srv *jupicotest.Server, recv *httptest.Server, events []jupicotest.WebhookEvent`

// readmeImports maps the package names README blocks use to their paths.
var readmeImports = map[string]string{
	"context":     "context",
	"errors":      "errors",
	"fmt":         "fmt",
	"log":         "log",
	"os":          "os",
	"time":        "time",
	"http":        "net/http",
	"json":        "encoding/json",
	"slog":        "log/slog",
	"testing":     "testing",
	"httptest":    "net/http/httptest",
	"jupico":      "github.com/jupico/jupico-go/jupico",
	"jupicotest":  "github.com/jupico/jupico-go/jupico/jupicotest",
	"jupicomock":  "github.com/jupico/jupico-go/jupico/jupicomock",
	"journal":     "github.com/jupico/jupico-go/jupico/journal",
	"credentials": "github.com/jupico/jupico-go/credentials",
	"vault":       "github.com/jupico/jupico-go/credentials/vault",
	"webhook":     "github.com/jupico/jupico-go/webhook",
	"mock":        "github.com/stretchr/testify/mock",
	// Nested modules and their dependencies: parsed only.
	"jupicotel":      "github.com/jupico/jupico-go/jupico/jupicotel",
	"redisstore":     "github.com/jupico/jupico-go/webhook/redisstore",
	"redislimit":     "github.com/jupico/jupico-go/jupico/redislimit",
	"pgjournal":      "github.com/jupico/jupico-go/jupico/pgjournal",
	"awssm":          "github.com/jupico/jupico-go/credentials/awssm",
	"redis":          "github.com/redis/go-redis/v9",
	"pgxpool":        "github.com/jackc/pgx/v5/pgxpool",
	"config":         "github.com/aws/aws-sdk-go-v2/config",
	"secretsmanager": "github.com/aws/aws-sdk-go-v2/service/secretsmanager",
}

// external reports whether path lies outside what the root module builds.
func external(path string) bool {
	for _, nested := range []string{"jupico/jupicotel", "webhook/redisstore", "jupico/redislimit", "jupico/pgjournal", "credentials/awssm"} {
		if strings.HasPrefix(path, "github.com/jupico/jupico-go/"+nested) {
			return true
		}
	}
	return strings.Contains(path, ".") && !strings.HasPrefix(path, "github.com/jupico/jupico-go") && !strings.HasPrefix(path, "github.com/stretchr/")
}

type block struct {
	line int
	text string
}

var fence = regexp.MustCompile("(?m)^```go[ \t]*\n((?s:.*?))^```[ \t]*$")

func goBlocks(readme string) []block {
	var out []block
	for _, m := range fence.FindAllStringSubmatchIndex(readme, -1) {
		out = append(out, block{line: strings.Count(readme[:m[0]], "\n") + 1, text: readme[m[2]:m[3]]})
	}
	return out
}

// wrapBlock turns a block into a file by the rule of
// TestReadmeGoBlocksCompile. external is the first nested-module or
// third-party import path (sorted) the block needs, or "".
func wrapBlock(text string) (src, externalPath string, err error) {
	if regexp.MustCompile(`(?m)^package \w+`).MatchString(text) {
		return text, "", nil
	}
	fset := token.NewFileSet()
	var body string
	if f, err := parser.ParseFile(fset, "", "package p\n"+text, parser.SkipObjectResolution); err == nil && len(f.Decls) > 0 && !hasImports(f) {
		body = text
	} else {
		// The inner block lets a fragment declare a name a given has.
		body = "func _(" + readmeGivens + ") {\n{\n" + text + useTopLevel(text) + "\n}\n}\n"
	}
	// The givens' packages count as used only when the wrapper declares them.
	used := usedPackages("package p\n" + body)
	var imports, ext []string
	for _, name := range used {
		path, ok := readmeImports[name]
		if !ok {
			continue // a local variable, such as client or srv
		}
		imports = append(imports, strconv.Quote(path))
		if external(path) {
			ext = append(ext, path)
		}
	}
	sort.Strings(ext)
	if len(ext) > 0 {
		externalPath = ext[0]
	}
	var b strings.Builder
	b.WriteString("package p\n\nimport (\n")
	for _, imp := range imports {
		b.WriteString("\t" + imp + "\n")
	}
	b.WriteString(")\n\n")
	b.WriteString(body)
	return b.String(), externalPath, nil
}

func hasImports(f *ast.File) bool { return len(f.Imports) > 0 }

// useTopLevel returns "_ = v" lines for the variables a fragment declares
// at its top level (not in an inner block), or "" when it does not parse.
func useTopLevel(text string) string {
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p\nfunc _() {\n"+text+"\n}\n", 0)
	if err != nil {
		return ""
	}
	var b strings.Builder
	use := func(id *ast.Ident) {
		if id.Name != "_" {
			b.WriteString("\n_ = " + id.Name)
		}
	}
	for _, st := range f.Decls[0].(*ast.FuncDecl).Body.List {
		switch st := st.(type) {
		case *ast.AssignStmt:
			if st.Tok == token.DEFINE {
				for _, l := range st.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						use(id)
					}
				}
			}
		case *ast.DeclStmt:
			if gd, ok := st.Decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
				for _, spec := range gd.Specs {
					for _, id := range spec.(*ast.ValueSpec).Names {
						use(id)
					}
				}
			}
		}
	}
	return b.String()
}

// usedPackages returns the names x of every selector x.Y in src whose x
// is not declared in src, sorted and without duplicates.
func usedPackages(src string) []string {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, 0)
	if err != nil {
		return nil
	}
	declared := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						declared[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				declared[id.Name] = true
			}
		case *ast.Field:
			for _, id := range n.Names {
				declared[id.Name] = true
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if id, ok := e.(*ast.Ident); ok && n.Tok == token.DEFINE {
					declared[id.Name] = true
				}
			}
		}
		return true
	})
	seen := map[string]bool{}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && !declared[id.Name] && !seen[id.Name] {
				seen[id.Name] = true
				out = append(out, id.Name)
			}
		}
		return true
	})
	sort.Strings(out)
	return out
}

// importerFrom resolves imports from the module root, so packages of this
// module and of its dependencies are found as go build finds them.
type importerFrom struct {
	imp  types.ImporterFrom
	root string
}

func (i importerFrom) Import(path string) (*types.Package, error) {
	return i.imp.ImportFrom(path, i.root, 0)
}

// TestReadmeWrapRuleCatchesBrokenBlocks checks the checker itself: a
// fragment with an unused variable, a redeclared one or an undefined name
// is reported.
func TestReadmeWrapRuleCatchesBrokenBlocks(t *testing.T) {
	root, err := filepath.Abs("../../..")
	require.NoError(t, err)
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "source", nil).(types.ImporterFrom)
	for _, tc := range []struct{ text, want string }{
		{"for d, err := range []int{1} {\n}\n", "declared and not used"},
		{"client, err := jupico.NewClient()\nclient, err := jupico.NewClient()\n", "no new variables"},
		{"fmt.Println(undefinedName)\n", "undefined"},
		{"client, err := jupico.NewClient()\n", ""},
		{"f := func() { x := 1 }\n", "declared and not used"},
	} {
		src, _, err := wrapBlock(tc.text)
		require.NoError(t, err)
		f, err := parser.ParseFile(fset, "x.go", src, 0)
		require.NoError(t, err)
		var errs []string
		conf := types.Config{Importer: importerFrom{imp, root}, Error: func(err error) { errs = append(errs, err.Error()) }}
		_, _ = conf.Check("p", fset, []*ast.File{f}, nil)
		if tc.want == "" {
			assert.Empty(t, errs, src)
		} else {
			assert.Contains(t, strings.Join(errs, "\n"), tc.want, src)
		}
	}
}

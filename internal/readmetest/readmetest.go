// Package readmetest checks that the Go snippets of a README compile: each
// ```go block is written, with its imports and the declarations it assumes,
// as a package of its own inside the module that can import what it uses,
// and built there with the go command, so a snippet that stops compiling
// fails the test at its line in the README.
//
// A snippet is a run of statements (checked as the body of a function that
// returns an error) or of declarations (func, type, var, const, import). It
// may assume names it does not declare (the host's mux, its chat, a ctx):
// an HTML comment just before the block declares them at package level,
//
//	<!-- go: var ctx context.Context; var mux *http.ServeMux -->
//
// which a reader of the rendered README does not see. Imports are found
// from the package names a snippet uses (see imports).
package readmetest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Module is the module path of the root module.
const Module = "github.com/attachkit/attachments"

// Snippet is one ```go block of a README.
type Snippet struct {
	Line     int    // the README line of the block's first line of code
	Code     string // the block's code
	Preamble string // the declarations of the comment before the block
}

// imports maps the package names snippets use to their import paths.
var imports = map[string]string{
	"attachments": Module, "attachmentstest": Module + "/attachmentstest", "errs": Module + "/errs",
	"validate": Module + "/validate", "links": Module + "/links", "storage": Module + "/storage",
	"filesystem": Module + "/storage/filesystem", "memory": Module + "/storage/memory",
	"storagetest": Module + "/storage/storagetest", "ledger": Module + "/ledger",
	"hooks": Module + "/hooks", "clamav": Module + "/hooks/clamav", "webhook": Module + "/hooks/webhook",
	"filter": Module + "/hooks/filter", "audit": Module + "/hooks/audit",
	"httpapi": Module + "/httpapi", "preview": Module + "/preview", "gocloud": Module + "/storage/gocloud",
	"sqlledger": Module + "/ledger/sqlledger", "s3": Module + "/storage/gocloud/s3", "sqlite": Module + "/ledger/sqlledger/sqlite", "postgres": Module + "/ledger/sqlledger/postgres",
	"otel":    Module + "/otel",
	"context": "context", "errors": "errors", "http": "net/http", "time": "time", "slog": "log/slog",
	"os": "os", "sql": "database/sql", "testing": "testing", "io": "io", "fmt": "fmt",
	"strings": "strings", "bytes": "bytes", "assert": "github.com/stretchr/testify/assert",
	"require": "github.com/stretchr/testify/require", "multipart": "mime/multipart",
	"prometheus": "github.com/prometheus/client_golang/prometheus",
}

// Modules are the nested modules, longest first: a snippet is built in the
// innermost module one of its imports belongs to.
var Modules = []string{"storage/gocloud", "ledger/sqlledger", "httpapi", "preview", "otel"}

var (
	fence     = regexp.MustCompile("^```go\\s*$")
	preamble  = regexp.MustCompile(`^<!--\s*go:\s*(.*?)\s*-->$`)
	qualified = regexp.MustCompile(`\b([a-z][a-z0-9]*)\.[A-Za-z_]`)
	declared  = regexp.MustCompile(`^(?:var )?([A-Za-z_]\w*(?:, *[A-Za-z_]\w*)*) *:?= `)
)

// Parse returns the ```go blocks of a README.
func Parse(readme []byte) []Snippet {
	lines := strings.Split(string(readme), "\n")
	var out []Snippet
	for i := 0; i < len(lines); i++ {
		if !fence.MatchString(lines[i]) {
			continue
		}
		s := Snippet{Line: i + 2}
		for j := i - 1; j >= 0 && strings.TrimSpace(lines[j]) != ""; j-- {
			if m := preamble.FindStringSubmatch(strings.TrimSpace(lines[j])); m != nil {
				s.Preamble = m[1]
			}
			break
		}
		var code []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			code = append(code, lines[i])
		}
		s.Code = strings.Join(code, "\n")
		out = append(out, s)
	}
	return out
}

// ModuleOf returns the module a snippet is built in: "" for the root
// module, or one of Modules.
func ModuleOf(s Snippet) string {
	for _, spec := range s.imports() {
		path := strings.Trim(strings.TrimPrefix(spec, "_ "), `"`)
		for _, m := range Modules {
			if path == Module+"/"+m || strings.HasPrefix(path, Module+"/"+m+"/") {
				return m
			}
		}
	}
	return ""
}

// imports returns the import specs of a snippet ("path" or _ "path"): its
// own import lines and the packages its qualified names name.
func (s Snippet) imports() []string {
	var out []string
	for _, l := range strings.Split(s.Code, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "import "); ok {
			out = append(out, rest)
		}
	}
	for _, m := range qualified.FindAllStringSubmatch(stripComments(s.Preamble+"\n"+s.Code), -1) {
		if path, ok := imports[m[1]]; ok && !slices.Contains(out, `"`+path+`"`) {
			out = append(out, `"`+path+`"`)
		}
	}
	return out
}

// source returns the snippet as a Go file of package name.
func (s Snippet) source(readme, name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n\nimport (\n", name)
	for _, spec := range s.imports() {
		fmt.Fprintf(&b, "\t%s\n", spec)
	}
	b.WriteString(")\n\n")
	for _, d := range strings.Split(s.Preamble, ";") {
		if d = strings.TrimSpace(d); d != "" {
			b.WriteString(d + "\n")
		}
	}
	var code, decls []string
	for _, l := range strings.Split(s.Code, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "import ") {
			l = "" // keep the line numbers
		}
		code = append(code, l)
	}
	if isDecls(code) {
		fmt.Fprintf(&b, "//line %s:%d\n%s\n", readme, s.Line, strings.Join(code, "\n"))
		return b.String()
	}
	// Statements: the body of a function returning an error, with every
	// variable the snippet declares at its top level used once, as a real
	// handler would go on to use it.
	for _, l := range code {
		if m := declared.FindStringSubmatch(l); m != nil && !strings.HasPrefix(l, "\t") && !strings.HasPrefix(l, " ") {
			for _, v := range strings.Split(m[1], ",") {
				if v = strings.TrimSpace(v); v != "_" && !slices.Contains(decls, v) {
					decls = append(decls, v)
				}
			}
		}
	}
	fmt.Fprintf(&b, "func snippet() error {\n//line %s:%d\n%s\n", readme, s.Line, strings.Join(code, "\n"))
	for _, v := range decls {
		fmt.Fprintf(&b, "\t_ = %s\n", v)
	}
	b.WriteString("\treturn nil\n}\n")
	return b.String()
}

func isDecls(code []string) bool {
	for _, l := range code {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "//") {
			continue
		}
		for _, kw := range []string{"func ", "type ", "var (", "const "} {
			if strings.HasPrefix(l, kw) {
				return true
			}
		}
		return false
	}
	return false
}

func stripComments(code string) string {
	var out []string
	for _, l := range strings.Split(code, "\n") {
		if i := strings.Index(l, "//"); i >= 0 && !strings.Contains(l[:i], `"`) {
			l = l[:i]
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// Check builds every snippet of the README at readme (a path) that belongs
// to the module in dir (module "" is the root, else one of Modules), each
// as a package of its own in a directory inside dir, removed afterwards,
// and fails t with the go command's errors, which name README lines. It
// returns how many snippets it built. With -short it skips t: it runs the
// go command.
func Check(t *testing.T, readme, dir, module string) int {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the go command")
	}
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(dir, "readmesnippets")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(tmp) })
	var pkgs []string
	for i, s := range Parse(data) {
		if ModuleOf(s) != module {
			continue
		}
		name := fmt.Sprintf("snippet%d", i+1)
		if err := os.Mkdir(filepath.Join(tmp, name), 0o755); err != nil {
			t.Fatal(err)
		}
		src := s.source(filepath.Base(readme), name)
		if err := os.WriteFile(filepath.Join(tmp, name, "snippet.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, "./"+filepath.Base(tmp)+"/"+name)
	}
	if len(pkgs) == 0 {
		return 0
	}
	cmd := exec.Command("go", append([]string{"build"}, pkgs...)...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Errorf("a Go snippet in %s does not compile (%v):\n%s", readme, err, out.String())
	}
	return len(pkgs)
}

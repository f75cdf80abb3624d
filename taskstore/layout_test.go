package taskstore

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRootImportsNoEngine: the engines' drivers are imported only by their
// packages under internal/, never by a file of the root package.
func TestRootImportsNoEngine(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("Glob(*.go) = %v, %v", files, err)
	}
	for _, name := range files {
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "modernc.org/") || strings.HasPrefix(path, "github.com/jackc/") {
				t.Errorf("%s imports %s; only taskstore/internal/... may", name, path)
			}
		}
	}
}

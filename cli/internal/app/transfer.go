package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/urfave/cli/v2"
)

func exportCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write the whole database as a JSON document (to stdout unless --output)",
		UsageText: "astro export [--output FILE]",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "output", Usage: "write to FILE (replaced atomically, through a symbolic link, keeping its mode) instead of stdout"}},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			out := c.String("output")
			if c.IsSet("output") && out == "" {
				return usagef("--output must name a file")
			}
			return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
				doc, err := st.Export(ctx)
				if err != nil {
					return fmt.Errorf("export: %w", err)
				}
				doc.Tasks, doc.ContextSlices, doc.Dependencies = nonNil(doc.Tasks), nonNil(doc.ContextSlices), nonNil(doc.Dependencies)
				if out == "" {
					return writeJSON(e.stdout, doc)
				}
				abs, err := writeFileAtomic(out, doc)
				if err != nil {
					return fmt.Errorf("export: %w", err)
				}
				sum := exportSummary{Output: abs, Tasks: len(doc.Tasks), ContextSlices: len(doc.ContextSlices), Dependencies: len(doc.Dependencies)}
				if s.json {
					return writeJSON(e.stdout, sum)
				}
				fmt.Fprintf(e.stdout, "Exported %d task(s), %d context slice(s) and %d dependency(ies) to %s\n",
					sum.Tasks, sum.ContextSlices, sum.Dependencies, clean(abs))
				return nil
			})
		},
	}
}

// exportSummary is the JSON shape of `export --output FILE --json`.
type exportSummary struct {
	Output        string `json:"output"`
	Tasks         int    `json:"tasks"`
	ContextSlices int    `json:"contextSlices"`
	Dependencies  int    `json:"dependencies"`
}

// writeFileAtomic writes v as JSON to path, or to the file its symbolic
// links lead to (the links stay), replacing it atomically with
// fileTarget.write: never half-written, an existing file's mode kept, a new
// one's set by the umask. It returns path made absolute.
func writeFileAtomic(path string, v any) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	t, err := resolveTarget(path)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := writeJSON(&b, v); err != nil {
		return "", err
	}
	if err := t.write(b.Bytes()); err != nil {
		return "", err
	}
	return abs, nil
}

func importCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "load a document written by export (a regular file of at most " + sizeText(MaxImportSize) + "), all or nothing",
		UsageText: "astro import [--replace] FILE",
		Flags:     []cli.Flag{&cli.BoolFlag{Name: "replace", Usage: "overwrite tasks, slices and dependencies whose IDs already exist"}},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("want exactly one FILE, flags first: astro import [--replace] FILE")
			}
			doc, err := readDocument(c.Args().First())
			if err != nil {
				return fmt.Errorf("import: %w", err)
			}
			return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
				res, err := st.Import(ctx, doc, taskstore.ImportOptions{Replace: c.Bool("replace")})
				if err != nil {
					return fmt.Errorf("import: %w", err)
				}
				if s.json {
					return writeJSON(e.stdout, res)
				}
				fmt.Fprintf(e.stdout, "Imported %d task(s), %d context slice(s) and %d dependency(ies)\n",
					res.Tasks, res.ContextSlices, res.Dependencies)
				return nil
			})
		},
	}
}

// readDocument reads and checks an export document: a regular file of at
// most MaxImportSize bytes (see readRegularFile).
func readDocument(path string) (taskstore.Document, error) {
	var doc taskstore.Document
	b, err := readRegularFile(path, MaxImportSize)
	if err != nil {
		return doc, err
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return doc, fmt.Errorf("%s is not an export document: %w", path, err)
	}
	if doc.Version < 1 || doc.Version > taskstore.ExportVersion {
		return doc, fmt.Errorf("%s has export version %d; this astro reads version %d", path, doc.Version, taskstore.ExportVersion)
	}
	return doc, nil
}

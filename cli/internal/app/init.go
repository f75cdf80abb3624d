package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/urfave/cli/v2"
)

// MCPServerCommand is the command editors are told to start.
const MCPServerCommand = "astrotask-mcp"

// MCPServerName is the key of the server entry in an editor's MCP config.
const MCPServerName = "astrotask"

// ClaudeDesktopConfigEnv overrides where `init --editor claude-desktop`
// writes (the --config-file flag wins over it).
const ClaudeDesktopConfigEnv = "ASTROTASK_CLAUDE_DESKTOP_CONFIG"

// Editors lists the values of `init --editor`.
var Editors = []string{"claude-code", "cursor", "vscode", "claude-desktop"}

func initCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "create the database and optionally register astrotask-mcp with an editor",
		UsageText: "astro init [--editor claude-code|cursor|vscode|claude-desktop] [--force] [--config-file PATH]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "editor", Usage: "write this editor's MCP configuration: " + strings.Join(Editors, ", ")},
			&cli.BoolFlag{Name: "force", Usage: "replace our entry in an existing configuration file"},
			&cli.StringFlag{Name: "config-file", Usage: "where to write the configuration (default: the editor's usual place; for claude-desktop also $" + ClaudeDesktopConfigEnv + ")"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			editor := c.String("editor")
			if editor != "" && !slices.Contains(Editors, editor) {
				return usagef("unknown editor %q: want one of %s", editor, strings.Join(Editors, ", "))
			}
			if editor == "" && c.IsSet("config-file") {
				return usagef("--config-file needs --editor")
			}
			// The configuration is read and checked before the
			// database is made, so a refusal changes nothing.
			var path string
			var cfg *mcpConfig
			if editor != "" {
				var err error
				if path, err = e.configPath(editor, c.String("config-file")); err != nil {
					return err
				}
				if cfg, err = openEditorConfig(path, editor, c.Bool("force")); err != nil {
					return err
				}
			}
			return e.withStore(c, func(ctx context.Context, s *settings, st taskstore.Store) error {
				loc, err := s.locate()
				if err != nil {
					return err
				}
				// What is printed hides a PostgreSQL password; the editor's
				// configuration needs the URL as given.
				res := initResult{Database: loc.String()}
				if editor != "" {
					if err := cfg.setServer(serversKey(editor), MCPServerName, serverEntry(editor, loc)); err != nil {
						return fmt.Errorf("write %s: %w", path, err)
					}
					res.Editor, res.ConfigFile = editor, path
					res.Note = configNote(editor, path, loc)
				}
				if s.json {
					return writeJSON(e.stdout, res)
				}
				fmt.Fprintf(e.stdout, "Database ready at %s\n", clean(res.Database))
				if editor != "" {
					fmt.Fprintf(e.stdout, "Wrote the %s MCP configuration to %s (command %s)\n", editor, clean(res.ConfigFile), MCPServerCommand)
				}
				if res.Note != "" {
					fmt.Fprintf(e.stdout, "Note: %s\n", clean(res.Note))
				}
				return nil
			})
		},
	}
}

// initResult is the JSON shape of `init`.
type initResult struct {
	Database   string `json:"database"`
	Editor     string `json:"editor,omitempty"`
	ConfigFile string `json:"configFile,omitempty"`
	// Note says that a project's configuration does not name the database
	// that --db or DATABASE_URI chose.
	Note string `json:"note,omitempty"`
}

// projectScoped reports whether the editor's configuration belongs to the
// project (and may be committed) rather than to the user.
func projectScoped(editor string) bool { return editor != "claude-desktop" }

// configNote explains, when a project's configuration was written for a
// database that --db or DATABASE_URI chose, that the configuration does not
// name it: the server finds the database from where the editor starts it.
func configNote(editor, path string, loc taskstore.Location) string {
	if !projectScoped(editor) || (loc.Rule != taskstore.RuleFlag && loc.Rule != taskstore.RuleEnv) {
		return ""
	}
	return fmt.Sprintf("%s names no database, so the server finds the project's as `astro where` does there without --db; set %s in the editor's environment to use %s",
		path, taskstore.EnvDatabaseURI, loc)
}

// dbArg is what a user-scoped configuration passes to astrotask-mcp --db:
// the absolute database path, or the URL as given for a PostgreSQL database.
func dbArg(loc taskstore.Location) string {
	if loc.Backend == taskstore.BackendPostgres {
		return loc.URL
	}
	if abs, err := filepath.Abs(loc.Path); err == nil {
		return abs
	}
	return loc.Path
}

// configPath is where an editor reads its MCP servers from. Project-level
// files go in the project directory: the git root, else the current
// directory.
func (e *env) configPath(editor, override string) (string, error) {
	if override != "" {
		return filepath.Abs(override)
	}
	if editor == "claude-desktop" {
		if p := e.getenv(ClaudeDesktopConfigEnv); p != "" {
			return filepath.Abs(p)
		}
		dir, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("find the Claude Desktop configuration: %w", err)
		}
		return filepath.Join(dir, "Claude", "claude_desktop_config.json"), nil
	}
	root, err := projectDir()
	if err != nil {
		return "", err
	}
	switch editor {
	case "cursor":
		return filepath.Join(root, ".cursor", "mcp.json"), nil
	case "vscode":
		return filepath.Join(root, ".vscode", "mcp.json"), nil
	default: // claude-code
		return filepath.Join(root, ".mcp.json"), nil
	}
}

// projectDir is the git root above the working directory, or the working
// directory itself.
func projectDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find project directory: %w", err)
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return wd, nil
		}
		dir = parent
	}
}

// serverEntry is the configuration of astrotask-mcp for one editor. A
// project's configuration (Claude Code, Cursor, VS Code) is committed and
// used from every clone and worktree, so it names no database: the server
// finds it from the directory the editor starts it in, the project, as
// astro does (a linked worktree finds its repository's). VS Code is told to
// start it there and names the transport. Claude Desktop's configuration
// belongs to the user and names the database, since Desktop starts servers
// in no project.
func serverEntry(editor string, loc taskstore.Location) map[string]any {
	entry := map[string]any{"command": MCPServerCommand}
	switch {
	case !projectScoped(editor):
		entry["args"] = []string{"--db", dbArg(loc)}
	case editor == "vscode":
		entry["type"] = "stdio"
		entry["cwd"] = "${workspaceFolder}"
	}
	return entry
}

// serversKey is the top-level key holding the servers: VS Code uses
// "servers", the others "mcpServers".
func serversKey(editor string) string {
	if editor == "vscode" {
		return "servers"
	}
	return "mcpServers"
}

// ConfigExistsError is returned by init when the configuration file exists
// and --force was not given.
type ConfigExistsError struct {
	Path string
}

// Error says which file exists and how to proceed.
func (e *ConfigExistsError) Error() string {
	return fmt.Sprintf("%s already exists; nothing was changed (use --force to add or replace the %q server in it)", e.Path, MCPServerName)
}

// openEditorConfig reads the editor's configuration file for setting our
// entry (see readMCPConfig). A file that exists (or a link, even a dangling
// one) is refused with a *ConfigExistsError without force.
func openEditorConfig(path, editor string, force bool) (*mcpConfig, error) {
	if _, err := os.Lstat(path); err == nil && !force {
		return nil, &ConfigExistsError{Path: path}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return readMCPConfig(path, serversKey(editor))
}

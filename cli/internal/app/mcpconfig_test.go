package app

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/tailscale/hujson"
)

// editConfig writes src to a file, sets servers.astrotask in it as init
// does, and returns the file's new content.
func editConfig(t *testing.T, src string, entry any) ([]byte, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mcp.json")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := readMCPConfig(path, "servers")
	if err != nil {
		return nil, err
	}
	if err := cfg.setServer("servers", MCPServerName, entry); err != nil {
		t.Fatalf("setServer(%q) = %v", src, err)
	}
	return os.ReadFile(path)
}

func TestSetServerLayout(t *testing.T) {
	entry := map[string]any{"command": "astrotask-mcp"}
	for _, tc := range []struct{ name, src, want string }{
		{"crlf",
			"{\r\n  \"servers\": {\r\n    \"a\": {}\r\n  }\r\n}\r\n",
			"{\r\n  \"servers\": {\r\n    \"a\": {},\r\n    \"astrotask\": {\r\n      \"command\": \"astrotask-mcp\"\r\n    }\r\n  }\r\n}\r\n"},
		{"byte order mark",
			"\ufeff{\"servers\": {}}",
			"\ufeff{\"servers\": {\"astrotask\": {\"command\": \"astrotask-mcp\"}}}"},
		{"block comment after the last server",
			"{\n  \"servers\": {\n    \"a\": 1 /* one */\n  }\n}",
			"{\n  \"servers\": {\n    \"a\": 1, /* one */\n    \"astrotask\": {\n      \"command\": \"astrotask-mcp\"\n    }\n  }\n}"},
		{"empty root on several lines",
			"{\n}\n",
			"{\n  \"servers\": {\n    \"astrotask\": {\n      \"command\": \"astrotask-mcp\"\n    }\n  }\n}\n"},
		{"duplicate key: the last one counts",
			"{\"servers\": {\"astrotask\": 1, \"astrotask\": 2}}",
			"{\"servers\": {\"astrotask\": 1, \"astrotask\": {\"command\": \"astrotask-mcp\"}}}"},
		{"escaped key",
			"{\"serv\\u0065rs\": {}}",
			"{\"serv\\u0065rs\": {\"astrotask\": {\"command\": \"astrotask-mcp\"}}}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := editConfig(t, tc.src, entry)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("setServer(%q) (-want +got):\n%s", tc.src, diff)
			}
		})
	}
}

// A file that cannot be edited is refused with one printable line, and
// stays as it was.
func TestReadMCPConfigRefuses(t *testing.T) {
	long := strings.Repeat("x", 10000)
	for _, tc := range []struct{ src, want string }{
		{"{\"servers\": {\"a\x1b[31m\n\u202e\": 1}}", `is not valid JSON (comments and trailing commas allowed): hujson: line 1, column 14: invalid literal: \"a\x1b[31m\n\u202e\"; nothing was changed`},
		{"{\"servers\": {\"" + long + "\n\": 1}}", `...; nothing was changed`},
		{"{\"servers\": {} // open\n", "is not valid JSON (comments and trailing commas allowed): hujson: line 2, column 1: parsing object after value: unexpected EOF; nothing was changed"},
		{"[]", "holds no JSON object; nothing was changed"},
		{"{\"servers\": null}", `: "servers" is not an object; nothing was changed`},
	} {
		path := filepath.Join(t.TempDir(), "mcp.json")
		if err := os.WriteFile(path, []byte(tc.src), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := readMCPConfig(path, "servers")
		if err == nil || !strings.HasSuffix(err.Error(), tc.want) || len(err.Error()) > len(path)+400 ||
			strings.ContainsFunc(err.Error(), func(r rune) bool { return !unicode.IsGraphic(r) }) {
			t.Errorf("readMCPConfig(%.40q) = %q, want one printable line ending %q", tc.src, err, tc.want)
		}
		if got, _ := os.ReadFile(path); string(got) != tc.src {
			t.Errorf("a refused file changed to %q", got)
		}
	}
}

// FuzzSetServer checks, for any file that can be edited, that the result
// is valid JSON with comments whose servers.astrotask is the entry and
// whose every other value is as it was, compared as raw JSON so that
// numbers are compared digit by digit; and that setting it again changes
// nothing.
func FuzzSetServer(f *testing.F) {
	for _, seed := range []string{
		"{}", "", " \n", "{\"servers\": {}}", "{\"servers\": {\"a\": 1,},}", "// c\n{\"x\": 12345678901234567890}",
		"{\n\t\"servers\": {\n\t\t\"astrotask\": null, // c\n\t}\n}", "{\"servers\": {/* a */}}", "[]", "{\"servers\": 1}",
		"{\n  \"inputs\": [],\n  /* end */\n}",
	} {
		f.Add(seed)
	}
	entry := map[string]any{"command": "astrotask-mcp", "args": []string{"--db", "postgres://u:p@h/db?a=1&b=<2>\n\"x\""}}
	f.Fuzz(func(t *testing.T, src string) {
		path := filepath.Join(t.TempDir(), "mcp.json")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := readMCPConfig(path, "servers")
		if err != nil {
			if got, _ := os.ReadFile(path); string(got) != src {
				t.Fatalf("a refused file changed: %q", got)
			}
			return
		}
		if err := cfg.setServer("servers", MCPServerName, entry); err != nil {
			t.Fatalf("setServer(%q) = %v", src, err)
		}
		out, _ := os.ReadFile(path)
		after := standardMembers(t, bytes.TrimPrefix(out, []byte(utf8BOM)))
		if got, want := after["servers"][MCPServerName], string(rawJSON(t, entry)); got != want {
			t.Errorf("setServer(%q): servers.astrotask = %s, want %s", src, got, want)
		}
		if len(bytes.TrimSpace([]byte(src))) > 0 {
			before := standardMembers(t, bytes.TrimPrefix([]byte(src), []byte(utf8BOM)))
			delete(after["servers"], MCPServerName)
			delete(before["servers"], MCPServerName)
			if len(before["servers"]) == 0 {
				delete(before, "servers")
			}
			if len(after["servers"]) == 0 {
				delete(after, "servers")
			}
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("setServer(%q) changed other values (-before +after):\n%s\n%s", src, diff, out)
			}
		}
		again, err := readMCPConfig(path, "servers")
		if err != nil {
			t.Fatalf("the edited file %q cannot be read again: %v", out, err)
		}
		if err := again.setServer("servers", MCPServerName, entry); err != nil {
			t.Fatal(err)
		}
		if twice, _ := os.ReadFile(path); !bytes.Equal(twice, out) {
			t.Errorf("setting the entry again changed %q to %q", out, twice)
		}
	})
}

// standardMembers decodes a file's top-level members and those of its
// "servers" object (under "servers") as compact raw JSON strings.
func standardMembers(t *testing.T, b []byte) map[string]map[string]string {
	t.Helper()
	std, err := hujson.Standardize(bytes.Clone(b)) // it writes over its input
	if err != nil {
		t.Fatalf("%q is not valid: %v", b, err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(std, &top); err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	out := map[string]map[string]string{"": {}, "servers": {}}
	for k, v := range top {
		if k == "servers" {
			var servers map[string]json.RawMessage
			if err := json.Unmarshal(v, &servers); err != nil {
				t.Fatalf("%q: servers: %v", b, err)
			}
			for name, s := range servers {
				out["servers"][name] = string(compact(t, s))
			}
			continue
		}
		out[""][k] = string(compact(t, v))
	}
	return out
}

func compact(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("compact %q: %v", b, err)
	}
	return buf.Bytes()
}

// rawJSON is v as compact JSON, with <, > and & as they are.
func rawJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tailscale/hujson"
)

// mcpConfig is an editor's MCP configuration file read for editing. The
// file may be JSON with comments and trailing commas, as VS Code's mcp.json
// often is; an edit changes our server's entry and nothing else, so the
// user's comments, layout, other servers and settings, and numbers stay
// byte for byte as written.
type mcpConfig struct {
	file fileTarget
	// doc is the parsed file; nil when the file is missing or blank.
	doc *hujson.Value
	// bom is a UTF-8 byte order mark the file started with, kept.
	bom []byte
	// newline is the file's line ending: "\r\n" when it uses those.
	newline string
}

// utf8BOM is the byte order mark some Windows editors put first.
const utf8BOM = "\ufeff"

// readMCPConfig reads the configuration at path for setting a server under
// key. path may be a symbolic link: the file it leads to is read and will
// be written. A missing or blank file is fine. Refused, with one line that
// names the file: a file that is not valid JSON (comments and trailing
// commas allowed), that does not hold an object, or whose key is there but
// not an object; a directory, FIFO or device.
func readMCPConfig(path, key string) (*mcpConfig, error) {
	file, err := resolveTarget(path)
	if err != nil {
		return nil, err
	}
	c := &mcpConfig{file: file, newline: "\n"}
	if !file.exists {
		return c, nil
	}
	src, err := os.ReadFile(file.path)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(src, []byte(utf8BOM)) {
		c.bom, src = []byte(utf8BOM), src[len(utf8BOM):]
	}
	if len(bytes.TrimSpace(src)) == 0 {
		return c, nil
	}
	if bytes.Contains(src, []byte("\r\n")) {
		c.newline = "\r\n"
	}
	doc, err := hujson.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("%s is not valid JSON (comments and trailing commas allowed): %s; nothing was changed", path, printable(err.Error(), 200))
	}
	root, ok := doc.Value.(*hujson.Object)
	if !ok {
		return nil, fmt.Errorf("%s holds no JSON object; nothing was changed", path)
	}
	if m := member(root, key); m != nil {
		if _, ok := m.Value.Value.(*hujson.Object); !ok {
			return nil, fmt.Errorf("%s: %q is not an object; nothing was changed", path, key)
		}
	}
	c.doc = &doc
	return c, nil
}

// printable is s cut to max runes, with control, format (bidi) and other
// non-graphic characters escaped as Go escapes them: a parse error repeats
// an invalid string from the file whole, line breaks and escape sequences
// included.
func printable(s string, max int) string {
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "..."
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

// setServer sets servers[key][name] to entry and writes the file
// atomically. In a file that had content, an existing entry's value is
// replaced where it stands (the comments around it stay) and a new one is
// added after the last server (or key after the last setting), indented
// as its neighbours are, with a trailing comma if the one before it had
// one; a file written on one line stays on one line. A new or blank file
// gets {key: {name: entry}}, indented by two spaces, in a directory made if
// missing (0777 less the umask).
func (c *mcpConfig) setServer(key, name string, entry any) error {
	var out []byte
	if c.doc == nil {
		var b bytes.Buffer
		if err := writeJSON(&b, map[string]any{key: map[string]any{name: entry}}); err != nil {
			return err
		}
		out = b.Bytes()
	} else {
		if err := c.edit(key, name, entry); err != nil {
			return err
		}
		out = c.doc.Pack()
		if _, err := hujson.Parse(out); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(c.file.path), 0o777); err != nil {
		return err
	}
	return c.file.write(append(c.bom, out...))
}

// edit changes c.doc as setServer describes.
func (c *mcpConfig) edit(key, name string, entry any) error {
	root := c.doc.Value.(*hujson.Object)
	l := layoutOf(root, c.newline)
	servers := member(root, key)
	if servers == nil {
		return l.add(root, "", key, map[string]any{name: entry})
	}
	obj := servers.Value.Value.(*hujson.Object)
	parent := l.memberIndent(root, "")
	m := member(obj, name)
	if m == nil {
		return l.add(obj, parent, name, entry)
	}
	v, err := l.render(entry, lineIndent(m.Name.BeforeExtra, l.memberIndent(obj, parent)), onLines(obj))
	if err != nil {
		return err
	}
	m.Value.Value = v.Value
	return nil
}

// layout is how a file is laid out: whether on several lines, its unit of
// indentation and its line ending.
type layout struct {
	multiline bool
	unit      string
	newline   string
}

// layoutOf reads the layout from the top-level object: it is on several
// lines if its members or closing brace are on lines of their own, and the
// first such member's indentation is the unit (else two spaces).
func layoutOf(root *hujson.Object, newline string) layout {
	l := layout{multiline: onLines(root), unit: "  ", newline: newline}
	for _, m := range root.Members {
		if ind := lineIndent(m.Name.BeforeExtra, ""); ind != "" {
			l.unit = ind
			break
		}
	}
	return l
}

// onLines reports whether obj's members or closing brace start lines.
func onLines(obj *hujson.Object) bool {
	for _, m := range obj.Members {
		if bytes.ContainsRune(m.Name.BeforeExtra, '\n') {
			return true
		}
	}
	return bytes.ContainsRune(obj.AfterExtra, '\n')
}

// memberIndent is the indentation of obj's members: that of the last one
// on a line of its own, else one unit more than obj's own (parent).
func (l layout) memberIndent(obj *hujson.Object, parent string) string {
	for i := len(obj.Members) - 1; i >= 0; i-- {
		if ind := lineIndent(obj.Members[i].Name.BeforeExtra, ""); ind != "" {
			return ind
		}
	}
	return parent + l.unit
}

// lineIndent is the blank space that ends extra after its last line break
// (the indentation of what follows), or def when there is none.
func lineIndent(extra []byte, def string) string {
	i := bytes.LastIndexByte(extra, '\n')
	if i < 0 {
		return def
	}
	rest := string(extra[i+1:])
	if rest == "" || strings.Trim(rest, " \t") != "" {
		return def
	}
	return rest
}

// add appends the member name: v to obj, whose own indentation is parent.
// A non-empty object keeps its own layout, an empty one takes the file's.
// Comments on the line of obj's last member stay on that line, after the
// comma; comments on lines of their own after it stay after the new member.
// The new member has a trailing comma if the last one had.
func (l layout) add(obj *hujson.Object, parent, name string, v any) error {
	multiline, head, rest := l.multiline, hujson.Extra(obj.AfterExtra), hujson.Extra(nil)
	if len(obj.Members) > 0 {
		multiline = onLines(obj)
		head, rest = sameLine(obj.AfterExtra)
	}
	indent := l.memberIndent(obj, parent)
	value, err := l.render(v, indent, multiline)
	if err != nil {
		return err
	}
	endsLine := bytes.HasSuffix(head, []byte("\n"))
	// A copy: what hujson parsed aliases the file's bytes, and appending
	// to a part of them would overwrite the rest.
	before := bytes.Clone(bytes.TrimRight(head, " \t\r\n"))
	switch {
	case multiline || endsWithLineComment(before):
		before = append(append(before, l.newline...), indent...)
		switch {
		case len(obj.Members) == 0: // the closing brace on a line of its own
			rest = append(hujson.Extra(l.newline), parent...)
		case endsLine: // the line break that ended the last member's line
			rest = append(hujson.Extra(l.newline), rest...)
		}
	case len(before) > 0 || len(obj.Members) > 0:
		before = append(before, ' ')
	}
	var after hujson.Extra
	if n := len(obj.Members); n > 0 && obj.Members[n-1].Value.AfterExtra != nil {
		after = hujson.Extra{}
	}
	obj.Members = append(obj.Members, hujson.ObjectMember{
		Name:  hujson.Value{BeforeExtra: before, Value: hujson.String(name)},
		Value: hujson.Value{BeforeExtra: hujson.Extra(" "), Value: value.Value, AfterExtra: after},
	})
	obj.AfterExtra = rest
	return nil
}

// sameLine splits the blank space and comments after a value into what
// stands on the value's line (up to and including the line break, which a
// line comment ends with) and the rest. A block comment belongs to the line
// it starts on.
func sameLine(extra hujson.Extra) (head, rest hujson.Extra) {
	for n := 0; n < len(extra); {
		switch c := extra[n]; {
		case c == '\n':
			return extra[:n+1], extra[n+1:]
		case c == '/':
			nc := commentLen(extra[n:])
			if nc <= 0 {
				return extra[:n], extra[n:]
			}
			n += nc
			if extra[n-1] == '\n' {
				return extra[:n], extra[n:]
			}
		case c == ' ' || c == '\t' || c == '\r':
			n++
		default:
			return extra[:n], extra[n:]
		}
	}
	return extra, nil
}

// endsWithLineComment reports whether the last thing in extra, a valid
// run of blank space and comments, is a line comment that a line break
// must end.
func endsWithLineComment(extra []byte) bool {
	last := false
	for n := 0; n < len(extra); {
		if extra[n] != '/' {
			n, last = n+1, last && (extra[n] == ' ' || extra[n] == '\t')
			continue
		}
		nc := commentLen(extra[n:])
		if nc <= 0 {
			return bytes.HasPrefix(extra[n:], []byte("//"))
		}
		last = bytes.HasPrefix(extra[n:], []byte("//")) && extra[n+nc-1] != '\n'
		n += nc
	}
	return last
}

// commentLen is the length of the comment that b starts with (a line
// comment with its line break), 0 if b starts with none, -1 if it is not
// closed.
func commentLen(b []byte) int {
	start, end := "/*", "*/"
	switch {
	case bytes.HasPrefix(b, []byte("//")):
		start, end = "//", "\n"
	case !bytes.HasPrefix(b, []byte("/*")):
		return 0
	}
	i := bytes.Index(b[len(start):], []byte(end))
	if i < 0 {
		return -1
	}
	return len(start) + i + len(end)
}

// render is v as JSON for a value whose member starts at indent: on
// several lines indented by l.unit, or on one line with a space after each
// colon and comma; <, > and & as they are, as writeJSON writes them.
func (l layout) render(v any, indent string, multiline bool) (hujson.Value, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(indent, l.unit)
	if err := enc.Encode(v); err != nil {
		return hujson.Value{}, err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if multiline {
		b = bytes.ReplaceAll(b, []byte("\n"), []byte(l.newline))
	} else {
		b = jsonOneLine(b)
	}
	return hujson.Parse(b)
}

// jsonOneLine puts indented JSON from json.Encoder on one line: a string
// never holds a raw line break, so every line break there stands between
// two tokens.
func jsonOneLine(b []byte) []byte {
	var out []byte
	for i, line := range bytes.Split(b, []byte("\n")) {
		line = bytes.TrimLeft(line, " \t")
		if i > 0 && !bytes.HasSuffix(out, []byte("{")) && !bytes.HasSuffix(out, []byte("[")) &&
			!bytes.HasPrefix(line, []byte("}")) && !bytes.HasPrefix(line, []byte("]")) {
			out = append(out, ' ')
		}
		out = append(out, line...)
	}
	return out
}

// member is the last member of obj named name (the one a JSON reader
// keeps), or nil.
func member(obj *hujson.Object, name string) *hujson.ObjectMember {
	for i := len(obj.Members) - 1; i >= 0; i-- {
		if lit, ok := obj.Members[i].Name.Value.(hujson.Literal); ok && lit.String() == name {
			return &obj.Members[i]
		}
	}
	return nil
}

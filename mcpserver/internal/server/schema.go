package server

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/astrotask/astrotask-go/taskstore"
	"github.com/google/jsonschema-go/jsonschema"
)

// The tool list is part of every agent's context, so output schemas are
// kept small: a task and a task summary are defined once per schema
// ($defs) and referred to where a schema has them more than once, closed
// objects are not marked as such, and which properties are always present
// is left to the tool and field descriptions. A property may be null only where the
// server sends null: a field that is always present (not omitempty) and
// not a list; lists are sent empty, and optional fields are left out
// rather than null.

// shared are the Go types whose schemas compactSchema moves to $defs, by
// name.
var shared = map[reflect.Type]string{
	reflect.TypeFor[taskstore.Task](): "task",
	reflect.TypeFor[TaskSummary]():    "summary",
}

func mustSchema(t reflect.Type) *jsonschema.Schema {
	s, err := jsonschema.ForType(t, nil)
	if err != nil {
		panic(fmt.Sprintf("schema of %v: %v", t, err))
	}
	return s
}

// outputSchema derives the output schema of Out, compacted.
func outputSchema[Out any]() *jsonschema.Schema {
	t := reflect.TypeFor[Out]()
	used := map[reflect.Type]int{}
	s := compactSchema(t, mustSchema(t), used)
	for st, n := range used {
		if n < 2 {
			continue // inlined below
		}
		if s.Defs == nil {
			s.Defs = map[string]*jsonschema.Schema{}
		}
		s.Defs[shared[st]] = compactSchema(st, mustSchema(st), nil)
	}
	if len(s.Defs) < len(used) {
		s = inline(s, s.Defs)
	}
	return s
}

// compactSchema rewrites s, the schema of a value of type t, in place (see
// above) and returns it; used counts the references to the shared types
// that it puts in place of a copy (nil: it puts none).
func compactSchema(t reflect.Type, s *jsonschema.Schema, used map[reflect.Type]int) *jsonschema.Schema {
	if s == nil {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if _, ok := shared[t]; ok && used != nil {
		used[t]++
		return &jsonschema.Schema{Ref: "#/$defs/" + shared[t]}
	}
	s.AdditionalProperties = nil
	switch {
	case t.Kind() == reflect.Slice:
		s.Items = compactSchema(t.Elem(), s.Items, used)
	case t.Kind() == reflect.Struct && s.Properties != nil:
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				name = f.Name
			}
			p := s.Properties[name]
			if p == nil || !f.IsExported() {
				continue
			}
			nullable := len(p.Types) == 2 && p.Types[0] == "null"
			if nullable {
				p.Type, p.Types = p.Types[1], nil
			}
			p = compactSchema(f.Type, p, used)
			if nullable && p.Type != "array" && slices.Contains(s.Required, name) {
				p = &jsonschema.Schema{AnyOf: []*jsonschema.Schema{{Type: "null"}, p}}
			}
			s.Properties[name] = p
		}
	}
	s.Required = nil
	return s
}

// inline replaces each reference to a shared schema that is not in defs
// with the schema itself.
func inline(s *jsonschema.Schema, defs map[string]*jsonschema.Schema) *jsonschema.Schema {
	if s == nil {
		return nil
	}
	if name, ok := strings.CutPrefix(s.Ref, "#/$defs/"); ok && defs[name] == nil {
		for t, n := range shared {
			if n == name {
				return compactSchema(t, mustSchema(t), nil)
			}
		}
	}
	for name, p := range s.Properties {
		s.Properties[name] = inline(p, defs)
	}
	for i, p := range s.AnyOf {
		s.AnyOf[i] = inline(p, defs)
	}
	s.Items = inline(s.Items, defs)
	return s
}

// dropNull types the optional inputs that the derived schema allows to be
// null (pointers and slices) as their type alone, as the reference server
// does: an argument left out is how to give none.
func dropNull(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if len(s.Types) == 2 && s.Types[0] == "null" {
		s.Type, s.Types = s.Types[1], nil
	}
	for _, p := range s.Properties {
		dropNull(p)
	}
	dropNull(s.Items)
}

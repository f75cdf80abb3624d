package server

import (
	"encoding/json"
	"fmt"
	"maps"
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

// sharedDefs are the schemas that compactSchema moves to $defs.
var sharedDefs = map[string]*jsonschema.Schema{
	"task":    mustSchema[taskstore.Task](),
	"summary": mustSchema[TaskSummary](),
}

func mustSchema[T any]() *jsonschema.Schema {
	s, err := jsonschema.For[T](nil)
	if err != nil {
		panic(fmt.Sprintf("schema of %T: %v", *new(T), err))
	}
	return s
}

// outputSchema derives the output schema of Out, compacted.
func outputSchema[Out any]() *jsonschema.Schema {
	used := map[string]int{}
	s := compactSchema(mustSchema[Out](), used)
	for name, n := range used {
		if n < 2 {
			continue // inlined
		}
		if s.Defs == nil {
			s.Defs = map[string]*jsonschema.Schema{}
		}
		s.Defs[name] = compactSchema(sharedDefs[name].CloneSchemas(), nil)
	}
	if len(s.Defs) < len(used) {
		s = inline(s, s.Defs)
	}
	return s
}

// compactSchema rewrites s in place (see above) and returns it; used
// counts the references to each of sharedDefs that it puts in place of a
// copy (nil: it puts none).
func compactSchema(s *jsonschema.Schema, used map[string]int) *jsonschema.Schema {
	if s == nil {
		return nil
	}
	if used != nil {
		for _, name := range slices.Sorted(maps.Keys(sharedDefs)) {
			if sameSchema(s, sharedDefs[name]) {
				used[name]++
				return &jsonschema.Schema{Ref: "#/$defs/" + name}
			}
		}
	}
	s.AdditionalProperties = nil
	for name, p := range s.Properties {
		nullable := len(p.Types) == 2 && p.Types[0] == "null"
		if nullable {
			p.Type, p.Types = p.Types[1], nil
		}
		p = compactSchema(p, used)
		if nullable && p.Type != "array" && slices.Contains(s.Required, name) {
			p = &jsonschema.Schema{AnyOf: []*jsonschema.Schema{{Type: "null"}, p}}
		}
		s.Properties[name] = p
	}
	s.Items = compactSchema(s.Items, used)
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
		return compactSchema(sharedDefs[name].CloneSchemas(), nil)
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

func sameSchema(a, b *jsonschema.Schema) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
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

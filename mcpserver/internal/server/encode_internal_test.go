package server

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/astrotask/astrotask-go/taskstore"
)

// tricky are strings that exercise every rule of JSON string encoding.
var tricky = []string{
	"", "plain", `quote " and backslash \`, "<script>&amp;</script>", "tab\tnew\nline\r",
	"\x00\x01\x1f\x7f", "café ☕ 𝄞", "line\u2028sep\u2029", "bad \xff utf-8 \xe2\x82", `{"a":"b\"c"}`,
}

func TestAppendStringMatchesMarshal(t *testing.T) {
	for _, s := range tricky {
		want, _ := json.Marshal(s)
		if got := appendString([]byte("prefix"), s); string(got) != "prefix"+string(want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got[len("prefix"):], want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range tricky {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// fullTask returns a task with every field set, strings to s, so that a
// field appendTask does not write shows up as a difference from
// json.Marshal.
func fullTask(t *testing.T, s string, at time.Time) taskstore.Task {
	t.Helper()
	var task taskstore.Task
	v := reflect.ValueOf(&task).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch {
		case f.Kind() == reflect.String:
			f.SetString(s + v.Type().Field(i).Name)
		case f.CanInt():
			f.SetInt(int64(42 + i))
		case f.Type() == reflect.TypeFor[time.Time]():
			f.Set(reflect.ValueOf(at.Add(time.Duration(i) * time.Hour)))
		default:
			t.Fatalf("taskstore.Task.%s has type %s, which this test cannot fill", v.Type().Field(i).Name, f.Type())
		}
	}
	return task
}

func TestAppendTaskMatchesMarshal(t *testing.T) {
	times := []time.Time{
		time.Date(2026, 11, 26, 20, 10, 8, 123456789, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 100000000, time.FixedZone("X", 5*3600+30*60)),
	}
	var outputs []TasksOutput
	for i, s := range tricky {
		task := fullTask(t, s, times[i%len(times)])
		outputs = append(outputs,
			TasksOutput{Tasks: []taskstore.Task{task}, Count: 1, Message: s},
			TasksOutput{Tasks: []taskstore.Task{{ID: s, CreatedAt: times[0]}, task}, Count: 2})
	}
	outputs = append(outputs, TasksOutput{}, TasksOutput{Tasks: []taskstore.Task{}})
	for _, o := range outputs {
		want, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshal(o)
		if err != nil || string(got) != string(want) {
			t.Errorf("marshal(%+v) = %s, %v\nwant %s", o, got, err, want)
		}
	}
}

func TestAppendTaskOutOfRangeYear(t *testing.T) {
	o := TasksOutput{Tasks: []taskstore.Task{{ID: "ABCD", CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	if b, ok := appendTasksOutput(nil, o); ok {
		t.Fatalf("appendTasksOutput(year 10000) = %s, true; want false so that json.Marshal reports the error", b)
	}
	if _, err := marshal(o); err == nil {
		t.Fatal("marshal(year 10000) succeeded; want json.Marshal's error")
	}
}

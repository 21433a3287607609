// Command gotypes reads the Go types the API server decodes pod-bearing objects into.
//
//	gotypes table    prints the Python type table (kubectl_podsec/validation/go_types.py)
//	gotypes decode   reads one JSON object per line on stdin and prints, per line, the
//	                 JSON string of the API server's decode error for it ("" when it decodes)
//
// The decode mode runs apimachinery's JSON serializer (sigs.k8s.io/json) as a create with
// fieldValidation=Strict does, and wraps the error as k8s.io/apiserver handlers/rest.go
// transformDecodeError does.
package main

import (
	"bufio"
	"encoding"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
)

var roots = []struct {
	apiVersion string
	obj        any
}{
	{"v1", corev1.Pod{}}, {"v1", corev1.PodTemplate{}}, {"v1", corev1.ReplicationController{}},
	{"apps/v1", appsv1.ReplicaSet{}}, {"apps/v1", appsv1.Deployment{}}, {"apps/v1", appsv1.StatefulSet{}},
	{"apps/v1", appsv1.DaemonSet{}}, {"batch/v1", batchv1.Job{}}, {"batch/v1", batchv1.CronJob{}},
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gotypes table|decode")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "table":
		table()
	case "decode":
		decode()
	default:
		fmt.Fprintln(os.Stderr, "usage: gotypes table|decode")
		os.Exit(2)
	}
}

func decode() {
	scheme := k8sruntime.NewScheme()
	for _, add := range []func(*k8sruntime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	s := kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme, kjson.SerializerOptions{Strict: true})
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		text := ""
		_, gvk, err := s.Decode(in.Bytes(), nil, nil)
		if err != nil {
			// transformDecodeError: the kind of the object decoded into is the body's kind.
			if gvk != nil && gvk.Kind != "" {
				text = fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", gvk.Kind, gvk.Version, gvk.Kind, err)
			} else {
				text = "undecodable: " + err.Error()
			}
		}
		line, _ := json.Marshal(text)
		out.Write(append(line, '\n'))
	}
	if err := in.Err(); err != nil {
		panic(err)
	}
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// tableWriter numbers each Go type once and writes its row.
type tableWriter struct {
	index map[reflect.Type]int
	rows  []string
}

func (w *tableWriter) ref(t reflect.Type) int {
	if i, ok := w.index[t]; ok {
		return i
	}
	i := len(w.rows)
	w.index[t] = i
	w.rows = append(w.rows, "")
	w.rows[i] = w.row(t)
	return i
}

func (w *tableWriter) row(t reflect.Type) string {
	name := t.String()
	switch {
	case t.Kind() == reflect.Pointer:
		return fmt.Sprintf("(POINTER, %q, %d)", name, w.ref(t.Elem()))
	case reflect.PointerTo(t).Implements(unmarshalerType) || t.Implements(unmarshalerType):
		return fmt.Sprintf("(CUSTOM, %q, None)", name)
	case reflect.PointerTo(t).Implements(textUnmarshalerType) || t.Implements(textUnmarshalerType):
		return fmt.Sprintf("(TEXT, %q, None)", name)
	}
	switch t.Kind() {
	case reflect.String:
		return fmt.Sprintf("(STRING, %q, None)", name)
	case reflect.Bool:
		return fmt.Sprintf("(BOOL, %q, None)", name)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fmt.Sprintf("(INT, %q, %d)", name, t.Bits())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fmt.Sprintf("(UINT, %q, %d)", name, t.Bits())
	case reflect.Float32, reflect.Float64:
		return fmt.Sprintf("(FLOAT, %q, %d)", name, t.Bits())
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return fmt.Sprintf("(BYTES, %q, None)", name)
		}
		return fmt.Sprintf("(SLICE, %q, %d)", name, w.ref(t.Elem()))
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			panic("map key not a string: " + name)
		}
		return fmt.Sprintf("(MAP, %q, %d)", name, w.ref(t.Elem()))
	case reflect.Interface:
		return fmt.Sprintf("(ANY, %q, None)", name)
	case reflect.Struct:
		return w.structRow(t)
	}
	panic("kind not modelled: " + name)
}

type field struct {
	json  string
	path  []string // the Go names of the embedded structs on the way
	typ   reflect.Type
	depth int
}

// fields follows encoding/json typeFields for the k8s.io/api types: embedded structs
// without a JSON name are inlined; a name given twice at the same depth is refused here.
func fields(t reflect.Type, path []string) []field {
	var out []field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",string,") {
			panic("the ,string option is not modelled: " + t.String() + "." + f.Name)
		}
		ft := f.Type
		if f.Anonymous {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if !f.IsExported() && et.Kind() != reflect.Struct {
				continue
			}
			if name == "" && et.Kind() == reflect.Struct {
				out = append(out, fields(et, append(append([]string{}, path...), f.Name))...)
				continue
			}
		} else if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, field{name, path, ft, len(path)})
	}
	return out
}

func (w *tableWriter) structRow(t reflect.Type) string {
	all := fields(t, nil)
	best := map[string]field{}
	for _, f := range all {
		if b, ok := best[f.json]; ok {
			if b.depth == f.depth {
				panic("ambiguous field " + f.json + " in " + t.String())
			}
			if b.depth < f.depth {
				continue
			}
		}
		best[f.json] = f
	}
	names := make([]string, 0, len(best))
	for n := range best {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "(STRUCT, %q, {", t.String())
	for i, n := range names {
		f := best[n]
		if i > 0 {
			b.WriteString(", ")
		}
		path := ""
		for _, p := range f.path {
			path += fmt.Sprintf("%q, ", p)
		}
		fmt.Fprintf(&b, "%q: ((%s), %d)", n, path, w.ref(f.typ))
	}
	fmt.Fprintf(&b, "}, %q)", t.Name())
	return b.String()
}

func table() {
	w := &tableWriter{index: map[reflect.Type]int{}}
	var rootRows []string
	for _, r := range roots {
		t := reflect.TypeOf(r.obj)
		rootRows = append(rootRows, fmt.Sprintf("    (%q, %q): %d,", r.apiVersion, t.Name(), w.ref(t)))
	}
	fmt.Printf("# Generated by scripts/gen-go-types from k8s.io/api %s with %s; do not edit.\n", apiVersion(), runtime.Version())
	fmt.Println(`"""The Go types the API server decodes each kind's JSON into (reflect, k8s.io/api).

TYPES[i] is (kind, reflect type string, detail): for POINTER and SLICE and MAP the index of
the element type; for INT, UINT and FLOAT the bits; for STRUCT a map of JSON name to
(Go names of the embedded structs on the way, field type index), and the struct's name
(a fourth item). CUSTOM types have an UnmarshalJSON of their own, TEXT an UnmarshalText.
"""`)
	fmt.Println()
	fmt.Println("from __future__ import annotations")
	fmt.Println()
	fmt.Println("from typing import Any")
	fmt.Println()
	fmt.Println(`STRING, BOOL, INT, UINT, FLOAT, POINTER, SLICE, BYTES, MAP, ANY, STRUCT, CUSTOM, TEXT = (
    "string", "bool", "int", "uint", "float", "pointer", "slice", "bytes", "map", "any", "struct", "custom", "text")`)
	fmt.Println()
	fmt.Println("ROOTS: dict[tuple[str, str], int] = {")
	for _, r := range rootRows {
		fmt.Println(r)
	}
	fmt.Println("}")
	fmt.Println()
	fmt.Println("TYPES: tuple[tuple[Any, ...], ...] = (")
	for i, r := range w.rows {
		fmt.Printf("    %s,  # %d\n", r, i)
	}
	fmt.Println(")")
}

func apiVersion() string {
	if info, ok := debugBuildInfo(); ok {
		return info
	}
	return "(unknown version)"
}

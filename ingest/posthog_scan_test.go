package ingest

import (
	"reflect"
	"testing"
)

// A properties text scanPostHogProperties accepts, the JSON library decodes
// too, to the same values for every member it keeps, and it keeps exactly
// the members posthogEvent reads.
func FuzzPostHogScan(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"$lib":"web","$groups":{"company":"acct-1"}}`, `{"$set":{"role":"admin","seats":3},"org_id":7}`,
		`{"$groups":{"company":"a"},"$groups":{"company":"b"}}`, `{"$groups":{"company":"a","company":"b","x":""}}`, `{"$groups":{"company":"\u00e9","n":1}}`, `{"$gr\u006fups":{"company":"a"}}`,
		`{"distinct_id":["u1","u2"],"company":null}`, `{"a":[1,2,{"b":"\u00e9"}],"$group_key":"k"}`,
		`{"$groups":{"company":"a"}} x`, `{"$groups":`, `[1]`, `{"n":1e999}`, `{"s":"\xff"}`, ` {"$set":{}} `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := map[string]any{}
		if !scanPostHogProperties(b, DefaultGroupKeys, got, map[string]any{}) {
			return
		}
		var all map[string]any
		if err := jsonUnmarshal(b, &all); err != nil {
			t.Fatalf("scanned %q, which the library refuses: %v", b, err)
		}
		for k, v := range all {
			if _, read := postHogRead([]byte(k), DefaultGroupKeys); !read {
				continue
			}
			if w, ok := got[k]; !ok || !reflect.DeepEqual(w, v) {
				t.Fatalf("%q: member %q scanned as %#v, the library reads %#v", b, k, w, v)
			}
		}
		for k := range got {
			if _, ok := all[k]; !ok {
				t.Fatalf("%q: scanned member %q the library does not see", b, k)
			}
		}
	})
}

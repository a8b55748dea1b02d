package ingest

// scanPostHogProperties is the fast path of PostHogColumns: it walks the
// JSON text of a PostHog properties object without decoding it, and fills
// into with only the members posthogEvent reads ($groups, $set, $group_key,
// $group_set, distinct_id and the group keys), each as the JSON library
// decodes it in the whole object: a $groups object of plain strings into
// groups (reused), other members by the library. It reports false for every
// text it cannot read that way (invalid JSON, a number beyond a float64, a
// key with an escape or a byte outside printable ASCII, a read key twice,
// nesting deeper than maxScanDepth), and the caller decodes the whole text
// instead: strict, never lenient, like scanSegment (FuzzPostHogScan checks).
func scanPostHogProperties(b []byte, keys []string, into, groups map[string]any) bool {
	clear(into)
	s := jsonScanner{b: b, floats: true}
	ok := s.object(func(key []byte) bool {
		name, read := postHogRead(key, keys)
		if !read {
			return s.skipValue(0)
		}
		if _, dup := into[name]; dup {
			return false
		}
		if name == "$groups" {
			if s.plainStrings(groups) {
				into[name] = groups
				return true
			}
		}
		start := s.i
		if !s.skipValue(0) {
			return false
		}
		var v any
		if jsonUnmarshal(s.b[start:s.i], &v) != nil {
			return false
		}
		into[name] = v
		return true
	})
	if !ok {
		return false
	}
	s.space()
	return s.i == len(b)
}

// plainStrings reads an object whose values are all plain strings into m
// (cleared first; a key read twice keeps its last value, as the library
// does). It reports false, the scanner back where it was, for anything else.
func (s *jsonScanner) plainStrings(m map[string]any) bool {
	clear(m)
	start := s.i
	ok := s.object(func(key []byte) bool {
		v, ok := s.plainString()
		if ok {
			m[string(key)] = view(v)
		}
		return ok
	})
	if !ok {
		s.i = start
	}
	return ok
}

// postHogRead returns the name of a properties member posthogEvent reads,
// as a string that needs no allocation, and whether it reads key at all.
func postHogRead(key []byte, groupKeys []string) (string, bool) {
	switch string(key) {
	case "$groups":
		return "$groups", true
	case "$set":
		return "$set", true
	case "$group_key":
		return "$group_key", true
	case "$group_set":
		return "$group_set", true
	case "distinct_id":
		return "distinct_id", true
	}
	for _, k := range groupKeys {
		if string(key) == k {
			return k, true
		}
	}
	return "", false
}

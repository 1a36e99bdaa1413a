package inject

// object is a decoded JSON object: a Kubernetes manifest or part of one.
// The helpers never fail: a missing or mistyped field reads as empty, which
// is what injection wants (it only ever adds to a pod).
type object map[string]any

// obj returns the child object at key, or an empty (unattached) object.
func (o object) obj(key string) object {
	if o == nil {
		return object{}
	}
	switch v := o[key].(type) {
	case map[string]any:
		return object(v)
	case object:
		return v
	}
	return object{}
}

// ensure returns the child object at key, creating it when missing.
func (o object) ensure(key string) object {
	switch v := o[key].(type) {
	case map[string]any:
		return object(v)
	case object:
		return v
	}
	c := map[string]any{}
	o[key] = c
	return object(c)
}

// list returns the array at key as objects (non-object items are skipped).
func (o object) list(key string) []object {
	arr, _ := o[key].([]any)
	out := make([]object, 0, len(arr))
	for _, it := range arr {
		if m, ok := it.(map[string]any); ok {
			out = append(out, object(m))
		}
	}
	return out
}

// str returns the string at key, or "".
func (o object) str(key string) string {
	s, _ := o[key].(string)
	return s
}

// setList stores objects as a JSON array at key.
func (o object) setList(key string, items []object) {
	arr := make([]any, len(items))
	for i, it := range items {
		arr[i] = map[string]any(it)
	}
	o[key] = arr
}

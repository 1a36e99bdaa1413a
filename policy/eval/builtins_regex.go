package eval

import (
	"regexp"
	"sync"
)

// regexCache keeps compiled patterns across evaluations. Policies use a
// handful of constant patterns; the bound stops patterns taken from inputs
// from growing it without limit.
var regexCache = struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}{m: map[string]*regexp.Regexp{}}

const regexCacheMax = 256

func compileRegex(pattern string) (*regexp.Regexp, error) {
	regexCache.Lock()
	re, ok := regexCache.m[pattern]
	regexCache.Unlock()
	if ok {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	regexCache.Lock()
	if len(regexCache.m) < regexCacheMax {
		regexCache.m[pattern] = re
	}
	regexCache.Unlock()
	return re, nil
}

// regexArgs reads n string arguments.
func regexArgs(args []any, n int) ([]string, error) {
	if err := arity(args, n); err != nil {
		return nil, err
	}
	out := make([]string, n)
	for i := range n {
		s, err := argString(args[i])
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func regexFindN(_ *builtinCtx, args []any) (any, error) {
	if err := arity(args, 3); err != nil {
		return nil, err
	}
	s, err := regexArgs(args[:2], 2)
	if err != nil {
		return nil, err
	}
	n, err := argInt(args[2])
	if err != nil {
		return nil, err
	}
	re, err := compileRegex(s[0])
	if err != nil {
		return nil, err
	}
	found := re.FindAllString(s[1], int(n))
	if found == nil {
		found = []string{}
	}
	return found, nil
}

func regexSplit(_ *builtinCtx, args []any) (any, error) {
	s, err := regexArgs(args, 2)
	if err != nil {
		return nil, err
	}
	re, err := compileRegex(s[0])
	if err != nil {
		return nil, err
	}
	return re.Split(s[1], -1), nil
}

func regexReplace(_ *builtinCtx, args []any) (any, error) {
	s, err := regexArgs(args, 3)
	if err != nil {
		return nil, err
	}
	re, err := compileRegex(s[1])
	if err != nil {
		return nil, err
	}
	return re.ReplaceAllString(s[0], s[2]), nil
}

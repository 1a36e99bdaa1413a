package cache

// Fields describes which parts of the input document a policy decision
// depends on.
type Fields struct {
	// Paths are the referenced input paths, each a list of object keys (or
	// decimal array indexes) below the input root, e.g.
	// ["request", "headers", "x-user"]. A path covers its whole subtree.
	Paths [][]string `json:"paths,omitempty"`
	// Whole is set when the policy reads the input as a whole (or walks it
	// dynamically): the key is then the whole input document.
	Whole bool `json:"whole,omitempty"`
	// NoCache is set when the decision also depends on something outside
	// the input (e.g. time.now_ns): such decisions are never cached.
	NoCache bool `json:"noCache,omitempty"`
}

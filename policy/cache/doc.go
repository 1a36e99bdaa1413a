// Package cache is the proxy's policy decision cache, modelled on Mixer's
// check cache.
//
// A decision depends only on the input fields the policy referenced
// (Mixer's "referenced attributes"). policy/compile records those fields as
// a Fields value; a Keyer turns an input JSON document into a cache key made
// of the raw values at exactly those paths, so two requests that differ only
// in fields the policy never read share one entry. The same scan can give
// the referenced part of the input (Keyer.AppendKeyInput), the smaller
// document the policy then evaluates.
//
// Cache is a bounded LRU map from key to value where every entry is valid for
// a TTL and a number of uses (Mixer's defaults: 1 minute, 10,000 uses,
// 10,000 entries). It is safe for concurrent use by every VM instance of the
// proxy and counts hits and misses.
//
// The package imports only the standard library: it is linked by the proxy.
package cache

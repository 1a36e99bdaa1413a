package xdsclient_test

import (
	"maps"
	"slices"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/wasmesh/wasmesh/proxy/xdsclient"
)

// recorder is a Handler that keeps the last set it accepted per type, and can reject updates.
type recorder struct {
	mu     sync.Mutex
	sets   map[string]map[string]proto.Message
	vers   map[string]string
	calls  int
	reject func(typeURL string, res map[string]proto.Message) error
}

var _ xdsclient.Handler = (*recorder)(nil)

func newRecorder() *recorder {
	return &recorder{sets: map[string]map[string]proto.Message{}, vers: map[string]string{}}
}

func (r *recorder) OnUpdate(typeURL, version string, res map[string]proto.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.reject != nil {
		if err := r.reject(typeURL, res); err != nil {
			return err
		}
	}
	r.sets[typeURL] = maps.Clone(res)
	r.vers[typeURL] = version
	return nil
}

func (r *recorder) setReject(f func(string, map[string]proto.Message) error) {
	r.mu.Lock()
	r.reject = f
	r.mu.Unlock()
}

// names returns the sorted names of the accepted set of typeURL.
func (r *recorder) names(typeURL string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(maps.Keys(r.sets[typeURL]))
}

func (r *recorder) get(typeURL, name string) proto.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sets[typeURL][name]
}

func (r *recorder) version(typeURL string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.vers[typeURL]
}

func (r *recorder) callCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

package ca

import "sync"

// notifier fans a "something changed" signal out to subscribers without
// blocking: each subscriber has a one-slot channel, so bursts coalesce.
type notifier struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

// Subscribe returns a channel that receives after every change of the trust
// bundle or the revocation list (bursts coalesce into one signal), and a
// function that ends the subscription.
func (c *CA) Subscribe() (<-chan struct{}, func()) { return c.notify.subscribe() }

func (n *notifier) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	n.mu.Lock()
	if n.subs == nil {
		n.subs = map[chan struct{}]struct{}{}
	}
	n.subs[ch] = struct{}{}
	n.mu.Unlock()
	return ch, func() {
		n.mu.Lock()
		delete(n.subs, ch)
		n.mu.Unlock()
	}
}

func (n *notifier) broadcast() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

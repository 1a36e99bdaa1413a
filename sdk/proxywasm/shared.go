package proxywasm

import "github.com/wasmesh/wasmesh/sdk/internal/hostcall"

// GetSharedData returns the value stored under key in the data shared by
// every instance of this VM id, with its CAS token for SetSharedData.
// ErrorStatusNotFound when the key was never set.
func GetSharedData(key string) (value []byte, cas uint32, err error) {
	v, cas, st := hostcall.GetSharedData(key)
	if err := statusToError(st); err != nil {
		return nil, 0, err
	}
	return v, cas, nil
}

// SetSharedData stores data under key. With a non-zero cas the write happens
// only if the key still has that CAS token (else ErrorStatusCasMismatch:
// read again and retry); cas 0 writes unconditionally.
func SetSharedData(key string, data []byte, cas uint32) error {
	return statusToError(hostcall.SetSharedData(key, data, cas))
}

// RegisterSharedQueue creates (or opens) the queue name in this VM id and
// subscribes the calling plugin context: OnQueueReady runs on each enqueue.
func RegisterSharedQueue(name string) (queueID uint32, err error) {
	id, st := hostcall.RegisterSharedQueue(name)
	return id, statusToError(st)
}

// ResolveSharedQueue finds the queue queueName registered in vmID.
func ResolveSharedQueue(vmID, queueName string) (queueID uint32, err error) {
	id, st := hostcall.ResolveSharedQueue(vmID, queueName)
	return id, statusToError(st)
}

// EnqueueSharedQueue appends data to the queue.
func EnqueueSharedQueue(queueID uint32, data []byte) error {
	return statusToError(hostcall.EnqueueSharedQueue(queueID, data))
}

// DequeueSharedQueue pops the oldest item; ErrorStatusEmpty when none.
func DequeueSharedQueue(queueID uint32) ([]byte, error) {
	b, st := hostcall.DequeueSharedQueue(queueID)
	if err := statusToError(st); err != nil {
		return nil, err
	}
	return b, nil
}

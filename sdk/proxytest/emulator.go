//go:build !wasip1

package proxytest

import (
	"sync"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/internal/guest"
	"github.com/wasmesh/wasmesh/sdk/internal/hostcall"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// HostEmulator is the host side of proxy-wasm for native tests. Its Call*,
// Start*, Tick and Initialize* methods run the filter's callbacks; the Get*
// methods report the host state the filter left behind.
type HostEmulator interface {
	// StartVM runs OnVMStart.
	StartVM() types.OnVMStartStatus
	// StartPlugin runs OnPluginStart.
	StartPlugin() types.OnPluginStartStatus
	// FinishVM runs OnPluginDone.
	FinishVM() bool

	// GetCalloutAttributesFromContext returns the HTTP calls the context
	// dispatched that have not been answered yet.
	GetCalloutAttributesFromContext(contextID uint32) []HttpCalloutAttribute
	// CallOnHttpCallResponse answers HTTP call calloutID; nil headers make a
	// failed call (num_headers 0).
	CallOnHttpCallResponse(calloutID uint32, headers [][2]string, trailers [][2]string, body []byte)

	// GetCounterMetric, GetGaugeMetric and GetHistogramMetric return a
	// metric's value by name; a histogram's value is the sum of its
	// observations.
	GetCounterMetric(name string) (uint64, error)
	GetGaugeMetric(name string) (uint64, error)
	GetHistogramMetric(name string) (uint64, error)

	// GetTraceLogs ... GetCriticalLogs return the messages logged per level.
	GetTraceLogs() []string
	GetDebugLogs() []string
	GetInfoLogs() []string
	GetWarnLogs() []string
	GetErrorLogs() []string
	GetCriticalLogs() []string

	// GetTickPeriod returns the period the plugin set; Tick runs OnTick.
	GetTickPeriod() uint32
	Tick()

	// GetQueueSize returns the number of items in a shared queue.
	GetQueueSize(queueID uint32) int
	// RegisterForeignFunction makes f callable by CallForeignFunction.
	RegisterForeignFunction(name string, f func([]byte) []byte)

	// InitializeConnection creates a TCP context and runs OnNewConnection.
	InitializeConnection() (contextID uint32, action types.Action)
	// CallOnUpstreamData and CallOnDownstreamData deliver TCP data.
	CallOnUpstreamData(contextID uint32, data []byte) types.Action
	CallOnDownstreamData(contextID uint32, data []byte) types.Action
	// CloseUpstreamConnection and CloseDownstreamConnection report a close
	// by the remote peer.
	CloseUpstreamConnection(contextID uint32)
	CloseDownstreamConnection(contextID uint32)
	// CompleteConnection runs OnStreamDone and deletes the context.
	CompleteConnection(contextID uint32)

	// InitializeHttpContext creates an HTTP context.
	InitializeHttpContext() (contextID uint32)
	// CallOnRequestHeaders ... CallOnResponseTrailers deliver one part of the
	// stream and return the filter's action. Bodies returned with
	// types.ActionPause are buffered: the next chunk sees everything so far.
	CallOnRequestHeaders(contextID uint32, headers [][2]string, endOfStream bool) types.Action
	CallOnRequestBody(contextID uint32, body []byte, endOfStream bool) types.Action
	CallOnRequestTrailers(contextID uint32, trailers [][2]string) types.Action
	CallOnResponseHeaders(contextID uint32, headers [][2]string, endOfStream bool) types.Action
	CallOnResponseBody(contextID uint32, body []byte, endOfStream bool) types.Action
	CallOnResponseTrailers(contextID uint32, trailers [][2]string) types.Action
	// CompleteHttpContext runs OnHttpStreamDone and deletes the context.
	CompleteHttpContext(contextID uint32)

	// GetCurrentHttpStreamAction returns the last action of the stream, or
	// ActionContinue after the filter resumed it.
	GetCurrentHttpStreamAction(contextID uint32) types.Action
	// GetCurrentRequestHeaders ... GetCurrentResponseBody return the stream
	// as the filter left it.
	GetCurrentRequestHeaders(contextID uint32) [][2]string
	GetCurrentResponseHeaders(contextID uint32) [][2]string
	GetCurrentRequestBody(contextID uint32) []byte
	GetCurrentResponseBody(contextID uint32) []byte
	// GetSentLocalResponse returns the filter's SendHttpResponse, or nil.
	GetSentLocalResponse(contextID uint32) *LocalHttpResponse

	// GetProperty and SetProperty read and write host properties.
	GetProperty(path []string) ([]byte, error)
	SetProperty(path []string, data []byte) error
}

// PluginContextID is the id of the emulator's single plugin context.
const PluginContextID uint32 = 1

// exclusive serializes emulators: the SDK's guest state is process-wide.
var exclusive sync.Mutex

type hostEmulator struct {
	opt       *EmulatorOption
	nextID    uint32
	effective uint32
	// awaitingDone: FinishVM returned false; pluginDone: PluginDone came.
	awaitingDone, pluginDone bool
	logs                     [abi.LogCritical + 1][]string
	tickPeriod               uint32

	foreign map[string]func([]byte) []byte
	shared  map[string]*sharedValue
	queues  map[uint32]*queue
	qByName map[string]uint32
	ready   []uint32 // queues to announce after the running callback

	metrics       []*metric
	metricsByName map[string]uint32

	callouts     map[uint32]*HttpCalloutAttribute // pending, by callout id
	nextCallout  uint32
	callResponse *callResponse // the response being delivered

	https map[uint32]*httpStream
	tcps  map[uint32]*tcpStream
}

var _ HostEmulator = (*hostEmulator)(nil)

// NewHostEmulator installs an emulator as the SDK's host, sets the filter's
// VM context and creates the plugin context. Call reset when done; until
// then other emulators wait.
func NewHostEmulator(opt *EmulatorOption) (host HostEmulator, reset func()) {
	exclusive.Lock()
	e := &hostEmulator{
		opt:           opt,
		nextID:        PluginContextID + 1,
		foreign:       map[string]func([]byte) []byte{},
		shared:        map[string]*sharedValue{},
		queues:        map[uint32]*queue{},
		qByName:       map[string]uint32{},
		metricsByName: map[string]uint32{},
		callouts:      map[uint32]*HttpCalloutAttribute{},
		https:         map[uint32]*httpStream{},
		tcps:          map[uint32]*tcpStream{},
	}
	guest.Reset()
	hostcall.SetHost(abiHost{e})
	guest.SetVMContext(opt.vmContext)
	e.enter(PluginContextID)
	guest.ProxyOnContextCreate(PluginContextID, 0)
	e.leave()
	var once sync.Once
	return e, func() {
		once.Do(func() {
			hostcall.SetHost(nil)
			guest.Reset()
			exclusive.Unlock()
		})
	}
}

// enter makes id the effective context for the callback about to run.
func (e *hostEmulator) enter(id uint32) { e.effective = id }

// leave runs after a callback returned: it announces queues that received
// items to the plugin context, each one once.
func (e *hostEmulator) leave() {
	for len(e.ready) > 0 {
		id := e.ready[0]
		e.ready = e.ready[1:]
		e.enter(e.queues[id].owner)
		guest.ProxyOnQueueReady(e.queues[id].owner, id)
	}
}

func (e *hostEmulator) StartVM() types.OnVMStartStatus {
	e.enter(PluginContextID)
	defer e.leave()
	return guest.ProxyOnVMStart(PluginContextID, uint32(len(e.opt.vmConfiguration))) != 0
}

func (e *hostEmulator) StartPlugin() types.OnPluginStartStatus {
	e.enter(PluginContextID)
	defer e.leave()
	return guest.ProxyOnConfigure(PluginContextID, uint32(len(e.opt.pluginConfiguration))) != 0
}

func (e *hostEmulator) Tick() {
	e.enter(PluginContextID)
	defer e.leave()
	guest.ProxyOnTick(PluginContextID)
}

func (e *hostEmulator) GetTickPeriod() uint32 { return e.tickPeriod }

func (e *hostEmulator) newContextID() uint32 {
	id := e.nextID
	e.nextID++
	return id
}

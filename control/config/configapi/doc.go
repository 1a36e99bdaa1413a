// Package configapi serves a config store over HTTP for meshctl
// apply/get/delete and status, and is the client meshctl uses.
//
//	POST   /v1/configs?file=NAME          apply the YAML/JSON documents of the body
//	GET    /v1/configs[?kind=K&namespace=N] list configs as multi-document YAML
//	GET    /v1/configs/{kind}/{namespace}/{name}  one config as YAML
//	DELETE /v1/configs/{kind}/{namespace}/{name}
//	GET    /v1/configs-status             version, last load error, warnings
//
// Invalid input is answered with 422 and every problem as JSON
// ({"errors": [{"file", "line", "path", "message"}]}); the client turns it
// back into a config.ErrorList, so users see file:line: path: message.
package configapi

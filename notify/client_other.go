//go:build !(js && wasm)

package notify

import "net/http"

func defaultClient() Doer { return &http.Client{Timeout: DefaultTimeout} }

package notify_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/sep-project/sep/notify"
)

// A generic webhook's receiver checks X-Sep-Signature (HMAC-SHA256 of the
// raw body with the shared secret) before it trusts the alerts, and drops a
// repeat by X-Sep-Delivery.
func ExampleVerify() {
	const secret = "shared-secret-of-the-receiver"
	seen := map[string]bool{}
	receiver := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !notify.Verify(secret, body, r.Header.Get(notify.SignatureHeader)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if id := r.Header.Get(notify.DeliveryHeader); seen[id] {
			fmt.Println("repeat dropped")
			return
		} else {
			seen[id] = true
		}
		fmt.Println("alerts accepted")
	})
	body := `{"type":"sep.alerts.started","alerts":[]}`
	for _, sig := range []string{notify.Sign(secret, []byte(body)), notify.Sign(secret, []byte(body)), "sha256=00"} {
		req := httptest.NewRequest("POST", "/sep-alerts", strings.NewReader(body))
		req.Header.Set(notify.SignatureHeader, sig)
		req.Header.Set(notify.DeliveryHeader, "d1")
		w := httptest.NewRecorder()
		receiver.ServeHTTP(w, req)
		if w.Code != 200 {
			fmt.Println(w.Code)
		}
	}
	// Output:
	// alerts accepted
	// repeat dropped
	// 401
}

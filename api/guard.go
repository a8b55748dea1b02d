package api

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// apiCSP is the Content-Security-Policy of the API's answers (JSON: nothing to
// load, no frame); the page has its own (sitePolicy).
const apiCSP = "default-src 'none'; frame-ancestors 'none'"

// guard wraps every route (the API, the tracking endpoints and the page): it
// sets the security headers and the body deadline, then refuses DNS-rebound
// hosts on a loopback server, cross-site writes, and writes whose body a
// browser could send from another site without asking (text/plain, forms).
func (s *server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", apiCSP)
		s.setBodyDeadline(w, r)
		if s.opt.LoopbackHosts && !isLoopbackHost(r.Host) {
			writeError(w, http.StatusMisdirectedRequest, "Host "+quoteHost(r.Host)+" is not a loopback name: this server listens on loopback and answers only localhost, 127.0.0.1 or [::1] (a DNS-rebinding page would use its own name)", nil)
			return
		}
		if isWrite(r.Method) {
			if why := crossSite(r); why != "" {
				writeError(w, http.StatusForbidden, "cross-site write refused: "+why, nil)
				return
			}
			if r.URL.Path != "/v1/score" && !writeContentTypeOK(r) {
				writeError(w, http.StatusUnsupportedMediaType, "Content-Type "+quoteHost(r.Header.Get("Content-Type"))+" is not read on writes: send application/json (JSON lines: application/x-ndjson) or a gzip body; text/plain and forms are what a page on another site can send", nil)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// setBodyDeadline gives the request's body BodyTimeout (ScoreBodyTimeout for
// POST /v1/score) from now. Hosts whose writer has no deadline (Lambda, the
// Worker) are bounded by their platform instead.
func (s *server) setBodyDeadline(w http.ResponseWriter, r *http.Request) {
	d := s.opt.BodyTimeout
	if r.URL.Path == "/v1/score" && r.Method == http.MethodPost {
		d = max(d, ScoreBodyTimeout)
	}
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
}

// isWrite reports whether a method may change state (or carry a body to work on).
func isWrite(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// crossSite says why a browser request comes from another site, or "": its
// Sec-Fetch-Site is not same-origin or none, or its Origin is not this host.
// SDKs and webhooks send neither header.
func crossSite(r *http.Request) string {
	switch v := r.Header.Get("Sec-Fetch-Site"); v {
	case "", "same-origin", "none":
	default:
		return "Sec-Fetch-Site: " + v
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
			return "Origin " + quoteHost(o) + " is not this server's (" + quoteHost(r.Host) + ")"
		}
	}
	return ""
}

// writeContentTypeOK reports whether a write's body is one a page on another
// site cannot send without a CORS preflight: JSON by its Content-Type, or gzip
// by its magic bytes whatever its label (RudderStack's Node SDK labels its
// gzip batches application/x-www-form-urlencoded). No Content-Type is allowed:
// browsers always send one with a string body, and Origin catches the others.
func writeContentTypeOK(r *http.Request) bool {
	if isGzip(peekBody(r, 2)) {
		return true
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/json", "application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/gzip", "application/x-gzip":
		return true
	}
	return strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// isLoopbackHost reports whether a Host header names the loopback interface:
// localhost (and *.localhost), 127.0.0.0/8 or ::1, with or without a port.
func isLoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// quoteHost quotes a header value for a message, cut short.
func quoteHost(v string) string {
	if len(v) > 100 {
		v = v[:100] + "..."
	}
	return strconv.Quote(v)
}

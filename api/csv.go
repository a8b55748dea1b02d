package api

import (
	"compress/gzip"
	"io"
	"net/http"

	"github.com/sep-project/sep/core"
)

// getCSV answers one of the CLI's CSV exports of the stored report (GET
// /v1/accounts.csv: --accounts-csv, every account; GET /v1/users.csv:
// --users-csv, every user, where the JSON lists the top 100), from the cached
// report, streamed row by row as it is written (gzipped when the client
// accepts it), so no answer limit applies: nothing is held whole. A host that
// buffers answers (Lambda) holds its own limit.
func (s *server) getCSV(name string, write func(io.Writer, *core.Report) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e := s.storedReport(w, r)
		if e == nil {
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
		h.Set("Cache-Control", "no-store")
		h.Add("Vary", "Accept-Encoding")
		var out io.Writer = w
		var zw *gzip.Writer
		// A host that compresses (the Worker) is left to do it on its own
		// terms: workerd sent a CSV marked gzip, once compressed by it, to a
		// client that had not asked for gzip.
		if acceptsGzip(r) && !s.opt.HostCompresses {
			h.Set("Content-Encoding", "gzip")
			zw, _ = gzip.NewWriterLevel(w, gzipLevel)
			out = zw
		}
		w.WriteHeader(http.StatusOK)
		// Past the status, a failed write is a client gone: nothing to answer.
		write(out, e.res.rep)
		if zw != nil {
			zw.Close()
		}
	}
}

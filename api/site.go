package api

import (
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// sitePolicy is the page's Content-Security-Policy: the one of its <meta> tag
// plus frame-ancestors, which only a header can carry.
const sitePolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self'; worker-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// StaticSite serves a built web page folder (dist/site), or a short note on how
// to build it when the folder does not exist. It serves only regular files
// under the folder (a symbolic link may not lead out of it), never a name
// starting with a dot nor anything inside the hidden folders (the server's
// data folder), and lists no directory: a directory gives its index.html.
func StaticSite(dir string, hidden ...string) http.Handler {
	root, err := realDir(dir)
	if err != nil {
		return http.HandlerFunc(notBuilt)
	}
	site := &siteFiles{root: root}
	for _, h := range hidden {
		if rh, err := realDir(h); err == nil {
			site.hidden = append(site.hidden, rh)
		}
	}
	return site
}

// realDir returns a directory's absolute path with its symbolic links resolved.
func realDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", err
	}
	if st, err := os.Stat(real); err != nil || !st.IsDir() {
		return "", fmt.Errorf("%s is not a folder", dir)
	}
	return real, nil
}

func notBuilt(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html><title>sep</title><p>The sep API is running (see <code>/healthz</code>, <code>/v1/score</code>). The web page is not built: run <code>make site</code> and start <code>sep serve --site dist/site</code>, or simply <code>make run</code>.</p>")
}

type siteFiles struct {
	root   string   // real path of the folder
	hidden []string // real paths never served
}

func (s *siteFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name, st, ok := s.resolve(r.URL.Path)
	if ok && st.IsDir() {
		name, st, ok = s.resolve(path.Join(r.URL.Path, "index.html"))
	}
	if !ok || !st.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Security-Policy", sitePolicy)
	http.ServeContent(w, r, name, st.ModTime(), f)
}

// resolve maps a URL path to a real file path under the root, or says no: a
// path with a dot-name, a link out of the root, or into a hidden folder.
func (s *siteFiles) resolve(urlPath string) (string, os.FileInfo, bool) {
	clean := path.Clean("/" + urlPath)
	for _, seg := range strings.Split(clean, "/") {
		if strings.HasPrefix(seg, ".") {
			return "", nil, false
		}
	}
	real, err := filepath.EvalSymlinks(filepath.Join(s.root, filepath.FromSlash(clean)))
	if err != nil || !within(real, s.root) {
		return "", nil, false
	}
	for _, h := range s.hidden {
		if within(real, h) {
			return "", nil, false
		}
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", nil, false
	}
	return real, st, true
}

// within reports whether p is dir or inside it (both clean, absolute).
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+string(filepath.Separator)) || dir == string(filepath.Separator)
}

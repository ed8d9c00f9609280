package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
)

const (
	// timestampFormat is the kubelet's: RFC 3339 with fixed-width nanoseconds.
	timestampFormat = "2006-01-02T15:04:05.000000000Z07:00"
	followInterval  = 100 * time.Millisecond
)

var errLimitReached = errors.New("limitBytes reached")

// containerLogs serves GET /containerLogs/{namespace}/{pod}/{container} from
// <logs-dir>/namespace/pod/container (or its .previous sibling).
func (s *server) containerLogs(w http.ResponseWriter, r *http.Request) {
	t, err := parseTarget(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	opts, err := parseLogOptions(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	pod, err := s.pods.get(r.Context(), t.namespace, t.pod)
	if apierrors.IsNotFound(err) {
		http.Error(w, fmt.Sprintf("pod %q does not exist", t.pod), http.StatusNotFound)
		return
	} else if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if !hasContainer(pod, t.container) {
		http.Error(w, fmt.Sprintf("container %q in pod %q is not available", t.container, t.pod), http.StatusBadRequest)
		return
	}

	path := filepath.Join(s.logsDir, t.namespace, t.pod, t.container)
	if opts.previous {
		path += ".previous"
	}
	data, modTime, err := readLog(path)
	if errors.Is(err, fs.ErrNotExist) {
		if opts.previous {
			http.Error(w, fmt.Sprintf("previous terminated container %q in pod %q not found", t.container, t.pod), http.StatusBadRequest)
			return
		}
		err = nil
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}

	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	out := newLogWriter(w, opts)
	if err := out.write(tailLines(data, opts.tailLines), modTime); err != nil || !opts.follow || opts.previous {
		return
	}
	reason := s.follow(r.Context(), out, path, int64(len(data)), t, pod.UID)
	log.Printf("logs %s: follow ended: %s", t, reason)
}

// logOptions are the query parameters of a container log request.
type logOptions struct {
	follow, previous, timestamps bool
	tailLines, limitBytes        *int64
}

// parseLogOptions reads the kubelet's log query parameters; sinceSeconds and
// sinceTime are checked but ignored, as are the stream and container ones.
func parseLogOptions(query url.Values) (logOptions, error) {
	var opts logOptions
	for name, dst := range map[string]*bool{"follow": &opts.follow, "previous": &opts.previous, "timestamps": &opts.timestamps} {
		if v := query.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return opts, fmt.Errorf("invalid %s %q", name, v)
			}
			*dst = b
		}
	}
	tail := query.Get("tailLines")
	if old := query.Get("tail"); tail == "" && old != "all" {
		tail = old // The kubelet still accepts the old "tail" parameter.
	}
	ints := []struct {
		name, value string
		dst         **int64 // nil: checked, then ignored
		min         int64
	}{
		{"tailLines", tail, &opts.tailLines, 0},
		{"limitBytes", query.Get("limitBytes"), &opts.limitBytes, 1},
		{"sinceSeconds", query.Get("sinceSeconds"), nil, 1},
	}
	for _, p := range ints {
		if p.value == "" {
			continue
		}
		n, err := strconv.ParseInt(p.value, 10, 64)
		if err != nil || n < p.min {
			return opts, fmt.Errorf("invalid %s %q", p.name, p.value)
		}
		if p.dst != nil {
			*p.dst = &n
		}
	}
	if v := query.Get("sinceTime"); v != "" {
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			return opts, fmt.Errorf("invalid sinceTime %q", v)
		}
	}
	return opts, nil
}

// follow streams what is appended to path until the container terminates, the
// Pod goes away, the client leaves or limitBytes is reached.
func (s *server) follow(ctx context.Context, out *logWriter, path string, offset int64, t target, uid types.UID) string {
	ticker := time.NewTicker(followInterval)
	defer ticker.Stop()
	for {
		// Look at the status first, so that everything written before the
		// container was reported terminated is still sent.
		done, reason := s.containerDone(ctx, t, uid)
		var err error
		if offset, err = copyAppended(out, path, offset); err != nil {
			return err.Error()
		}
		if done {
			return reason
		}
		select {
		case <-ctx.Done():
			return "client went away or shutting down"
		case <-ticker.C:
		}
	}
}

func (s *server) containerDone(ctx context.Context, t target, uid types.UID) (bool, string) {
	pod, err := s.pods.get(ctx, t.namespace, t.pod)
	switch {
	case apierrors.IsNotFound(err) || (err == nil && pod.UID != uid):
		return true, "pod deleted"
	case err != nil:
		return false, "" // Transient (or the client left): the loop decides.
	}
	if st := containerStatus(pod, t.container); st != nil && st.State.Terminated != nil {
		return true, "container terminated"
	}
	return false, ""
}

// copyAppended writes what path holds past offset and returns the new offset.
// A file that shrank was truncated or replaced: it is read again from the start.
func copyAppended(out *logWriter, path string, offset int64) (int64, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return offset, nil
	} else if err != nil {
		return offset, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return offset, err
	}
	if info.Size() < offset {
		offset = 0
	}
	if info.Size() == offset {
		return offset, nil
	}
	data, err := io.ReadAll(io.NewSectionReader(f, offset, info.Size()-offset))
	if err != nil {
		return offset, err
	}
	return offset + int64(len(data)), out.write(data, info.ModTime())
}

func readLog(path string) ([]byte, time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	if info.IsDir() {
		return nil, time.Time{}, fmt.Errorf("%s is a directory", path)
	}
	data, err := io.ReadAll(f)
	return data, info.ModTime(), err
}

// tailLines keeps the last n lines of data (all of it when n is nil).
func tailLines(data []byte, n *int64) []byte {
	if n == nil {
		return data
	}
	end := len(data)
	if end > 0 && data[end-1] == '\n' {
		end-- // The final newline ends the last line; it does not start one.
	}
	for i, start := int64(0), end; i < *n; i++ {
		if start = bytes.LastIndexByte(data[:start], '\n'); start < 0 {
			return data
		}
		if i == *n-1 {
			return data[start+1:]
		}
	}
	return nil
}

// logWriter writes log data to the response, prefixing lines with timestamps
// when asked, stopping at limitBytes, and flushing after each write.
type logWriter struct {
	w          io.Writer
	flusher    http.Flusher
	timestamps bool
	remaining  int64 // bytes left under limitBytes; negative means no limit
	lineStart  bool
}

func newLogWriter(w http.ResponseWriter, opts logOptions) *logWriter {
	l := &logWriter{w: w, timestamps: opts.timestamps, remaining: -1, lineStart: true}
	l.flusher, _ = w.(http.Flusher)
	if opts.limitBytes != nil {
		l.remaining = *opts.limitBytes
	}
	return l
}

func (l *logWriter) write(data []byte, at time.Time) error {
	if len(data) == 0 {
		return nil
	}
	if l.timestamps {
		prefix := at.UTC().Format(timestampFormat) + " "
		var buf bytes.Buffer
		for len(data) > 0 {
			if l.lineStart {
				buf.WriteString(prefix)
			}
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				buf.Write(data)
				l.lineStart = false
				break
			}
			buf.Write(data[:i+1])
			data = data[i+1:]
			l.lineStart = true
		}
		data = buf.Bytes()
	}
	if l.remaining >= 0 && int64(len(data)) > l.remaining {
		data = data[:l.remaining]
	}
	n, err := l.w.Write(data)
	if l.flusher != nil {
		l.flusher.Flush()
	}
	if err != nil {
		return err
	}
	if l.remaining >= 0 {
		if l.remaining -= int64(n); l.remaining == 0 {
			return errLimitReached
		}
	}
	return nil
}

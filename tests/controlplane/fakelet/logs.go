package main

import (
	"bufio"
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

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

const (
	// timestampFormat is the kubelet's: RFC 3339 with fixed-width nanoseconds.
	timestampFormat = "2006-01-02T15:04:05.000000000Z07:00"
	followInterval  = 100 * time.Millisecond
	// flushEvery bounds what is buffered before a flush on a long read.
	flushEvery = 64 << 10
)

var errLimitReached = errors.New("limitBytes reached")

// containerLogs serves GET /containerLogs/{namespace}/{pod}/{container} as the kubelet does
// (pkg/kubelet/server and kubelet_pods.go validateContainerLogStatus): which instance is read,
// and the refusals, follow the container's status, not the files present. The instance is read
// from <logs-dir>/namespace/pod/container (the current or last one) or its .previous sibling
// (the one before it). A file is either plain text (every line stamped with the file's
// modification time) or in the CRI format the runtime writes ("<RFC3339Nano> stdout F text"),
// which gives each line its own timestamp. A file <container>[.previous].gone makes the fakelet
// answer as the kubelet does when the runtime has removed that instance (200, its notice as the
// body). A file <container>.drop makes the fakelet abort that
// container's open follows once (removing it), as a kubelet restart does.
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
		http.Error(w, fmt.Sprintf("pod %q does not exist\n", t.pod), http.StatusNotFound)
		return
	} else if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if !hasContainer(pod, t.container) {
		http.Error(w, fmt.Sprintf("container %q not found in pod %q\n", t.container, t.pod), http.StatusNotFound)
		return
	}
	previous, err := instanceToRead(pod, t.container, opts.previous)
	if err != nil {
		// A kubelet's own view is never behind the status it wrote; the informer's copy may
		// be behind the status a test just wrote: ask the API server before refusing.
		if fresh, ferr := s.pods.client.CoreV1().Pods(t.namespace).Get(r.Context(), t.pod, metav1.GetOptions{}); ferr == nil {
			pod = fresh
			previous, err = instanceToRead(pod, t.container, opts.previous)
		}
	}
	if err != nil {
		// The kubelet answers every refusal of GetKubeletContainerLogs with 400.
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	path := filepath.Join(s.logsDir, t.namespace, t.pod, t.container)
	if previous {
		path += ".previous"
	}

	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	if _, err := os.Stat(path + ".gone"); err == nil {
		// The runtime no longer has that instance: the kubelet has already sent 200 (its
		// zero-byte write) when the runtime's error comes, and go-restful writes the error as
		// the body — no timestamp, no newline.
		_, _ = io.WriteString(w, "unable to retrieve container logs for "+containerID(pod, t.container))
		return
	}
	out := newLogWriter(w, opts)
	// A container that ran has a log file, empty or not (the runtime creates it): a missing
	// file is an empty log, and a follow waits for what is written.
	offset, err := out.copyFrom(path, 0, opts.tailLines, !opts.follow || previous)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		log.Printf("logs %s: %v", t, err)
		return
	}
	if !opts.follow || previous {
		return
	}
	reason := s.follow(r.Context(), out, path, offset, t, pod.UID)
	log.Printf("logs %s: follow ended: %s", t, reason)
}

// instanceToRead applies the kubelet's choice: true for the .previous file, or the error the
// kubelet returns when there is nothing to read.
func instanceToRead(pod *v1.Pod, container string, previous bool) (bool, error) {
	st := containerStatus(pod, container)
	if st == nil {
		return false, fmt.Errorf("container %q in pod %q is not available", container, pod.Name)
	}
	// Hand-written statuses often omit containerID; here a terminated state counts as one
	// that ran (the kubelet also requires its containerID).
	last := st.LastTerminationState.Terminated
	switch {
	case previous:
		if last == nil {
			return false, fmt.Errorf("previous terminated container %q in pod %q not found", container, pod.Name)
		}
		return true, nil
	case st.State.Running != nil, st.State.Terminated != nil:
		return false, nil
	case last != nil:
		// Waiting to restart: the kubelet serves the last terminated instance.
		return true, nil
	case st.State.Waiting != nil:
		switch reason := st.State.Waiting.Reason; reason {
		case "ErrImagePull":
			return false, fmt.Errorf("container %q in pod %q is waiting to start: image can't be pulled", container, pod.Name)
		case "ImagePullBackOff":
			return false, fmt.Errorf("container %q in pod %q is waiting to start: trying and failing to pull image", container, pod.Name)
		default:
			return false, fmt.Errorf("container %q in pod %q is waiting to start: %v", container, pod.Name, reason)
		}
	default:
		return false, fmt.Errorf("container %q in pod %q is waiting to start - no logs yet", container, pod.Name)
	}
}

// logOptions are the query parameters of a container log request.
type logOptions struct {
	follow, previous, timestamps bool
	tailLines, limitBytes        *int64
	since                        time.Time // zero: no lower bound
}

// parseLogOptions reads the kubelet's log query parameters (the stream ones are ignored).
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
	var sinceSeconds *int64
	ints := []struct {
		name, value string
		dst         **int64
		min         int64
	}{
		{"tailLines", tail, &opts.tailLines, 0},
		{"limitBytes", query.Get("limitBytes"), &opts.limitBytes, 1},
		{"sinceSeconds", query.Get("sinceSeconds"), &sinceSeconds, 1},
	}
	for _, p := range ints {
		if p.value == "" {
			continue
		}
		n, err := strconv.ParseInt(p.value, 10, 64)
		if err != nil || n < p.min {
			return opts, fmt.Errorf("invalid %s %q", p.name, p.value)
		}
		*p.dst = &n
	}
	if sinceSeconds != nil {
		opts.since = time.Now().Add(-time.Duration(*sinceSeconds) * time.Second)
	}
	if v := query.Get("sinceTime"); v != "" {
		since, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return opts, fmt.Errorf("invalid sinceTime %q", v)
		}
		opts.since = since
	}
	return opts, nil
}

// follow streams what is appended to path until the container terminates, the Pod goes away,
// the client leaves, limitBytes is reached or a .drop file asks for a dropped connection.
func (s *server) follow(ctx context.Context, out *logWriter, path string, offset int64, t target, uid types.UID) string {
	ticker := time.NewTicker(followInterval)
	defer ticker.Stop()
	for {
		if os.Remove(path+".drop") == nil {
			log.Printf("logs %s: dropping the follow (.drop)", t)
			panic(http.ErrAbortHandler) // The connection is cut, not ended.
		}
		// Look at the status first, so that everything written before the
		// container was reported terminated is still sent.
		done, reason := s.containerDone(ctx, t, uid)
		var err error
		if offset, err = out.copyFrom(path, offset, nil, done); err != nil && !errors.Is(err, fs.ErrNotExist) {
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

// copyFrom writes the lines path holds past offset (all of them, or the last tail ones) and
// returns the offset after them; an unfinished last line only when final. A file that shrank was truncated or replaced: it is
// read again from the start.
func (l *logWriter) copyFrom(path string, offset int64, tail *int64, final bool) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return offset, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return offset, err
	}
	if info.IsDir() {
		return offset, fmt.Errorf("%s is a directory", path)
	}
	if info.Size() < offset {
		offset = 0
	}
	if tail != nil {
		start, err := tailStart(f, info.Size(), *tail)
		if err != nil {
			return offset, err
		}
		offset = start
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return offset, err
	}
	reader := bufio.NewReaderSize(f, 64<<10)
	defer l.flush()
	for {
		line, err := reader.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: keep reading it whole.
			long := append([]byte{}, line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = reader.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if len(line) > 0 && line[len(line)-1] != '\n' && !final {
			// An unfinished line stays for the next pass (the writer is mid-write).
			return offset, nil
		}
		if len(line) > 0 {
			offset += int64(len(line))
			if werr := l.line(line, info.ModTime()); werr != nil {
				return offset, werr
			}
		}
		if err == io.EOF {
			return offset, nil
		} else if err != nil {
			return offset, err
		}
	}
}

// tailStart is the offset of the first of the last n lines of a file of that size.
func tailStart(f *os.File, size, n int64) (int64, error) {
	if n == 0 {
		return size, nil
	}
	const block = 64 << 10
	end, seen := size, int64(0)
	buf := make([]byte, block)
	for pos := size; pos > 0; {
		step := min(int64(block), pos)
		pos -= step
		if _, err := f.ReadAt(buf[:step], pos); err != nil && err != io.EOF {
			return 0, err
		}
		for i := step - 1; i >= 0; i-- {
			if buf[i] != '\n' || pos+i == end-1 {
				continue // The final newline ends the last line; it does not start one.
			}
			if seen++; seen == n {
				return pos + i + 1, nil
			}
		}
	}
	return 0, nil
}

// criLine splits a line of the CRI log format into its timestamp and content (with the
// newline of an "F" line, without it for a "P" partial one).
func criLine(line []byte) (time.Time, []byte, bool) {
	fields := bytes.SplitN(line, []byte{' '}, 4)
	if len(fields) != 4 || (string(fields[1]) != "stdout" && string(fields[1]) != "stderr") {
		return time.Time{}, nil, false
	}
	at, err := time.Parse(time.RFC3339Nano, string(fields[0]))
	if err != nil {
		return time.Time{}, nil, false
	}
	switch string(fields[2]) {
	case "F":
		return at, fields[3], true
	case "P":
		return at, bytes.TrimSuffix(fields[3], []byte{'\n'}), true
	}
	return time.Time{}, nil, false
}

// logWriter writes log lines to the response, prefixing them with timestamps when asked,
// dropping those before sinceTime, stopping at limitBytes, flushing as it goes.
type logWriter struct {
	w          *bufio.Writer
	flusher    http.Flusher
	timestamps bool
	since      time.Time
	remaining  int64 // bytes left under limitBytes; negative means no limit
	buffered   int
	lineStart  bool
}

func newLogWriter(w http.ResponseWriter, opts logOptions) *logWriter {
	l := &logWriter{w: bufio.NewWriterSize(w, 32<<10), timestamps: opts.timestamps, since: opts.since, remaining: -1, lineStart: true}
	l.flusher, _ = w.(http.Flusher)
	if opts.limitBytes != nil {
		l.remaining = *opts.limitBytes
	}
	return l
}

// line writes one line of a file whose modification time is modTime.
func (l *logWriter) line(raw []byte, modTime time.Time) error {
	at, content, ok := criLine(raw)
	if !ok {
		at, content = modTime, raw
	}
	if !l.since.IsZero() && at.Before(l.since) {
		return nil
	}
	if l.timestamps && l.lineStart {
		if err := l.write([]byte(at.UTC().Format(timestampFormat) + " ")); err != nil {
			return err
		}
	}
	l.lineStart = len(content) > 0 && content[len(content)-1] == '\n'
	return l.write(content)
}

func (l *logWriter) write(data []byte) error {
	if l.remaining >= 0 && int64(len(data)) > l.remaining {
		data = data[:l.remaining]
	}
	n, err := l.w.Write(data)
	if err != nil {
		return err
	}
	if l.buffered += n; l.buffered >= flushEvery {
		l.flush()
	}
	if l.remaining >= 0 {
		if l.remaining -= int64(n); l.remaining == 0 {
			l.flush()
			return errLimitReached
		}
	}
	return nil
}

func (l *logWriter) flush() {
	l.w.Flush()
	l.buffered = 0
	if l.flusher != nil {
		l.flusher.Flush()
	}
}

// containerID is the container's runtime ID as its status gives it, or a made-up one in the same
// form (hand-written statuses often omit it).
func containerID(pod *v1.Pod, container string) string {
	if st := containerStatus(pod, container); st != nil && st.ContainerID != "" {
		return st.ContainerID
	}
	return "containerd://" + fmt.Sprintf("%x", []byte(pod.Namespace+"/"+pod.Name+"/"+container))
}

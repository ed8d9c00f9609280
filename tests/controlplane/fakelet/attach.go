package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"
)

// streamIdleTimeout is the kubelet's default for attach and exec sessions.
const streamIdleTimeout = 4 * time.Hour

// attach serves /attach/{namespace}/{pod}[/{uid}]/{container} with the
// kubelet's own SPDY and WebSocket streaming code, connected to a fake shell.
//
// As the kubelet does, it takes the TTY from the container's spec, not from
// the request (a process's terminal cannot change once it runs), and the
// runtime refuses a TTY attach that also asks for a separate stderr stream.
// Only a running container can be attached to; when the fake shell of an
// ephemeral container exits, its status becomes terminated with that code.
func (s *server) attach(w http.ResponseWriter, r *http.Request) {
	t, opts, pod, ok := s.streamTarget(w, r)
	if !ok {
		return
	}
	spec := containerSpec(pod, t.container)
	if st := containerStatus(pod, t.container); st != nil && st.State.Running == nil {
		// The kubelet looks the container up among the running ones.
		criError(w, fmt.Sprintf("container not found (%q)", t.container))
		return
	}
	requested := opts.TTY
	opts.TTY = spec.TTY
	if opts.TTY && opts.Stderr {
		log.Printf("attach %s: refused (tty from spec, stderr requested)", t)
		criError(w, "rpc error: code = InvalidArgument desc = tty and stderr cannot both be true")
		return
	}
	log.Printf("attach %s: started (tty=%t from the spec, %t requested; stdin=%t)", t, opts.TTY, requested, opts.Stdin)
	rt := fakeRuntime{}
	if isEphemeral(pod, t.container) {
		client := s.pods.client
		lag := statusLag(pod)
		rt.exited = func(code int) {
			record := func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := markEphemeralTerminated(ctx, client, t.namespace, t.pod, t.container, code); err != nil {
					log.Printf("attach %s: recording the exit: %v", t, err)
				}
			}
			if lag > 0 {
				// As a real kubelet: the session ends at once, the status follows later.
				go func() { time.Sleep(lag); record() }()
				return
			}
			record()
		}
		rt.stdinOnce = spec.StdinOnce
		// The session ends with the container: killed when the Pod is deleted.
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		go s.endWhenStopped(ctx, cancel, t)
		r = r.WithContext(ctx)
	}
	remotecommand.ServeAttach(w, r, rt, t.namespace+"/"+t.pod, "", t.container, opts,
		streamIdleTimeout, remotecommand.DefaultStreamCreationTimeout, remotecommand.SupportedStreamingProtocols)
	log.Printf("attach %s: ended", t)
}

// endWhenStopped cancels an attach session once its ephemeral container no
// longer runs (the deleter recorded its end) or its Pod is gone.
func (s *server) endWhenStopped(ctx context.Context, cancel context.CancelFunc, t target) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pod, err := s.pods.lister.Pods(t.namespace).Get(t.pod)
		if apierrors.IsNotFound(err) {
			log.Printf("attach %s: the pod is gone: session ended", t)
			cancel()
			return
		}
		if err != nil || pod.DeletionTimestamp == nil {
			continue
		}
		if st := containerStatus(pod, t.container); st != nil && st.State.Terminated != nil {
			log.Printf("attach %s: the container was killed with the pod: session ended", t)
			cancel()
			return
		}
	}
}

// criError answers as the kubelet does when the runtime refuses a stream
// request (streaming.WriteError: 500 and the error's text).
func criError(w http.ResponseWriter, message string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprint(w, message)
}

// containerSpec is the common part of an init, app or ephemeral container.
func containerSpec(pod *v1.Pod, name string) v1.Container {
	for _, c := range pod.Spec.InitContainers {
		if c.Name == name {
			return c
		}
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return c
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if c.Name == name {
			return v1.Container(c.EphemeralContainerCommon)
		}
	}
	return v1.Container{}
}

func isEphemeral(pod *v1.Pod, name string) bool {
	for _, c := range pod.Spec.EphemeralContainers {
		if c.Name == name {
			return true
		}
	}
	return false
}

// exec serves /exec/... the same way: a shell command gets the interactive
// fake shell, any other command is run as a single fake shell line.
func (s *server) exec(w http.ResponseWriter, r *http.Request) {
	t, opts, _, ok := s.streamTarget(w, r)
	if !ok {
		return
	}
	cmd := r.URL.Query()["command"]
	if len(cmd) == 0 {
		http.Error(w, "missing command", http.StatusBadRequest)
		return
	}
	log.Printf("exec %s: %q started (tty=%t stdin=%t)", t, cmd, opts.TTY, opts.Stdin)
	remotecommand.ServeExec(w, r, fakeRuntime{}, t.namespace+"/"+t.pod, "", t.container, cmd, opts,
		streamIdleTimeout, remotecommand.DefaultStreamCreationTimeout, remotecommand.SupportedStreamingProtocols)
	log.Printf("exec %s: ended", t)
}

func (s *server) streamTarget(w http.ResponseWriter, r *http.Request) (target, *remotecommand.Options, *v1.Pod, bool) {
	t, err := parseTarget(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return t, nil, nil, false
	}
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return t, nil, nil, false
	}
	pod, err := s.pods.get(r.Context(), t.namespace, t.pod)
	if apierrors.IsNotFound(err) {
		http.Error(w, fmt.Sprintf("pod %q does not exist", t.pod), http.StatusNotFound)
		return t, nil, nil, false
	} else if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return t, nil, nil, false
	}
	if !hasContainer(pod, t.container) {
		http.Error(w, fmt.Sprintf("container %q not found in pod %q", t.container, t.pod), http.StatusNotFound)
		return t, nil, nil, false
	}
	return t, opts, pod, true
}

// fakeRuntime implements remotecommand.Attacher and remotecommand.Executor;
// its "name" argument is namespace/pod.
type fakeRuntime struct {
	// exited, when set, records that the container's process (the fake
	// shell) ended with a code: the container terminates.
	exited func(code int)
	// stdinOnce: the end of the attached input ends the process, as for a
	// container whose stdin closes after its first attach.
	stdinOnce bool
}

func (rt fakeRuntime) AttachContainer(ctx context.Context, name, _, container string, in io.Reader, out, _ io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	code, ended, err := runShellProcess(ctx, name, container, in, out, tty, resize, rt.stdinOnce)
	if err == nil && ended {
		log.Printf("attach %s/%s: shell exited with code %d", name, container, code)
		if rt.exited != nil {
			rt.exited(code)
		}
	}
	return err
}

func (fakeRuntime) ExecInContainer(ctx context.Context, name, _, container string, cmd []string, in io.Reader, out, _ io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	var code int
	var err error
	if isShell(cmd) {
		code, _, err = runShell(ctx, name, container, in, out, tty, resize)
	} else {
		go drainResize(resize)
		line := strings.Join(cmd, " ")
		if len(cmd) == 3 && cmd[1] == "-c" {
			line = cmd[2] // sh -c 'line'
		}
		// A single command: its result only, no prompt.
		result, exit := eval(name, line)
		if exit < 0 {
			fmt.Fprint(orDiscard(out), result+newline(tty))
		}
		code = max(exit, 0)
	}
	if err == nil && code != 0 {
		return utilexec.CodeExitError{Err: fmt.Errorf("command terminated with exit code %d", code), Code: code}
	}
	return err
}

func isShell(cmd []string) bool {
	switch path.Base(cmd[0]) {
	case "sh", "bash", "ash", "zsh", "dash":
		return len(cmd) == 1 || (len(cmd) == 2 && (cmd[1] == "-i" || cmd[1] == "-l"))
	}
	return false
}

func newline(tty bool) string {
	if tty {
		return "\r\n" // The client's terminal is raw: no output processing adds \r.
	}
	return "\n"
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

func drainResize(resize <-chan remotecommand.TerminalSize) {
	if resize != nil {
		for range resize {
		}
	}
}

// runShellProcess runs the fake shell as an attached container's process. The
// end of the attached input does not end the process (its stdin stays open for
// the next attach) unless stdinOnce: the session then lasts until the client
// leaves. ended tells whether the process exited ("exit [N]").
func runShellProcess(ctx context.Context, name, container string, in io.Reader, out io.Writer, tty bool, resize <-chan remotecommand.TerminalSize, stdinOnce bool) (code int, ended bool, err error) {
	code, exited, err := runShell(ctx, name, container, in, out, tty, resize)
	if err != nil || ctx.Err() != nil {
		return code, false, err
	}
	if exited || stdinOnce {
		return code, true, nil
	}
	<-ctx.Done() // Input closed, process still running: the client decides when to leave.
	return 0, false, nil
}

// runShell is the fake shell: it greets, then for each input line echoes
// "<container>$ <line>" followed by the line's result, until "exit [N]",
// the end of input, or the end of the session. exited is true after "exit".
func runShell(ctx context.Context, name, container string, in io.Reader, out io.Writer, tty bool, resize <-chan remotecommand.TerminalSize) (code int, exited bool, err error) {
	go drainResize(resize)
	out, nl := orDiscard(out), newline(tty)
	if _, err := fmt.Fprintf(out, "fakelet: attached to %s/%s%s", name, container, nl); err != nil {
		return 0, false, err
	}
	if in == nil {
		<-ctx.Done() // Output only: nothing more will ever be written.
		return 0, false, nil
	}
	lines := make(chan string)
	done := make(chan struct{})
	defer close(done)
	go readLines(in, tty, lines, done)
	for {
		select {
		case <-ctx.Done():
			return 0, false, nil
		case line, ok := <-lines:
			if !ok {
				return 0, false, nil // End of input.
			}
			if code := runLine(out, container, name, line, nl); code >= 0 {
				return code, true, nil
			}
		}
	}
}

// runLine echoes "<container>$ <line>" and runs the line, returning the exit
// code for "exit [N]" and -1 otherwise.
func runLine(out io.Writer, container, name, line, nl string) int {
	fmt.Fprintf(out, "%s$ %s%s", container, line, nl)
	result, code := eval(name, line)
	if code < 0 && result != "" {
		fmt.Fprint(out, result+nl)
	}
	return code
}

// eval is the fake shell's interpreter. "exit [N]" gives exit code N (0 by
// default); otherwise the code is -1 and the result is: for "echo ARGS" ARGS,
// for "hostname" the pod name, for an empty line nothing, and for anything
// else "fakelet: <line>".
func eval(name, line string) (string, int) {
	fields := strings.Fields(line)
	switch {
	case len(fields) == 0:
		return "", -1
	case fields[0] == "exit":
		if len(fields) > 1 {
			if code, err := strconv.Atoi(fields[1]); err == nil {
				return "", code & 0xff
			}
		}
		return "", 0
	case fields[0] == "echo":
		return strings.Join(fields[1:], " "), -1
	case fields[0] == "hostname":
		return path.Base(name), -1
	default:
		return "fakelet: " + line, -1
	}
}

// readLines sends the input's lines (ended by \n, \r or \r\n) until EOF. On
// a terminal, backspace edits the line, ^C drops it and ^D on an empty line
// ends the input.
func readLines(in io.Reader, tty bool, lines chan<- string, done <-chan struct{}) {
	defer close(lines)
	send := func(line string) bool {
		select {
		case lines <- line:
			return true
		case <-done:
			return false
		}
	}
	r := bufio.NewReader(in)
	var line []byte
	var afterCR bool
	for {
		b, err := r.ReadByte()
		if err != nil {
			if !errors.Is(err, io.EOF) || len(line) == 0 {
				return
			}
			send(string(line))
			return
		}
		wasCR := afterCR
		afterCR = b == '\r'
		switch {
		case b == '\n' && wasCR:
			// Second half of \r\n.
		case b == '\n' || b == '\r':
			if !send(string(line)) {
				return
			}
			line = line[:0]
		case tty && (b == 0x7f || b == 0x08):
			if len(line) > 0 {
				line = line[:len(line)-1]
			}
		case tty && b == 0x03:
			line = line[:0]
		case tty && b == 0x04:
			if len(line) == 0 {
				return
			}
		default:
			line = append(line, b)
		}
	}
}

// statusLagAnnotation on a Pod delays the report of its ephemeral containers' exits by that
// duration (at most 10s), as a real kubelet reports them a moment after the process ended
// (its next relist); without it the exit is reported before the session ends.
const statusLagAnnotation = "fakelet.initdoctor.test/status-lag"

func statusLag(pod *v1.Pod) time.Duration {
	d, err := time.ParseDuration(pod.Annotations[statusLagAnnotation])
	if err != nil || d <= 0 {
		return 0
	}
	return min(d, 10*time.Second)
}


using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-initdoctor' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-initdoctor'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-initdoctor' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request (default: the context''s namespace)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Say which init container blocks each pod, and why')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Show init container logs in spec order, following the running one')
            [CompletionResult]::new('debug', 'debug', [CompletionResultType]::ParameterValue, 'Attach an ephemeral debug container to the blocked init container')
            [CompletionResult]::new('preflight', 'preflight', [CompletionResultType]::ParameterValue, 'Say which init containers will block, from manifests, before they are applied')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the version')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-initdoctor;explain' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Label selector to filter pods on (e.g. app=web,tier!=db)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Label selector to filter pods on (e.g. app=web,tier!=db)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for resolving the names init containers wait on')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request (default: the context''s namespace)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Look at pods in every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Look at pods in every namespace')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Re-render when a pod changes, until it is initialized or interrupted')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Re-render when a pod changes, until it is initialized or interrupted')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit 3 when any selected pod is blocked in initialization or not Ready (Completed pods are fine), 0 otherwise; with --init-only, 3 only for pods blocked in initialization')
            [CompletionResult]::new('--details', '--details', [CompletionResultType]::ParameterName, 'With several pods: after the table and the grouped findings, the full view of each pod')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'With several pods: print the table without its header line (as kubectl get)')
            [CompletionResult]::new('--init-only', '--init-only', [CompletionResultType]::ParameterName, 'Only what blocks initialization: without pod names, select only the pods whose initialization is not complete (not those that are initialized but not Ready); with --watch, end once they are initialized, Ready or not')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-initdoctor;logs' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Show the pods matching this label selector, each pod''s containers in order, pods interleaved by line')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Show the pods matching this label selector, each pod''s containers in order, pods interleaved by line')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Only this container (init, sidecar or app)')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Only this container (init, sidecar or app)')
            [CompletionResult]::new('--tail', '--tail', [CompletionResultType]::ParameterName, 'Lines of recent log to show per container (-1: all)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only lines newer than this duration (e.g. 5s, 2m, 3h)')
            [CompletionResult]::new('--since-time', '--since-time', [CompletionResultType]::ParameterName, 'Only lines after this time (RFC 3339, e.g. 2026-01-01T10:00:00Z)')
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'Prefix each line with its container ([init 2/3 wait-db]); default: on when stdout is not a terminal or several containers are shown (--prefix=false turns it off)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--max-log-requests', '--max-log-requests', [CompletionResultType]::ParameterName, 'The most log streams open at once (pods read or followed concurrently)')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request (default: the context''s namespace)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Follow the running init container, then the next as it starts, until initialization ends')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Follow the running init container, then the next as it starts, until initialization ends')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Show the previous attempt of each container')
            [CompletionResult]::new('--previous', '--previous', [CompletionResultType]::ParameterName, 'Show the previous attempt of each container')
            [CompletionResult]::new('--all-attempts', '--all-attempts', [CompletionResultType]::ParameterName, 'Show every attempt the API still has (the previous one, then the current one)')
            [CompletionResult]::new('--app', '--app', [CompletionResultType]::ParameterName, 'After the init containers, show (and with -f follow) the app containers')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'Prefix each line with its timestamp')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-initdoctor;debug' {
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'The container whose processes the debug container shares (default: the blocked init container)')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'The debug container''s image (its nslookup fails short names on search domains that lack them: --check resolves names fully qualified)')
            [CompletionResult]::new('--image-pull-policy', '--image-pull-policy', [CompletionResultType]::ParameterName, 'The image pull policy of the debug container (default: left to the server)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Environment variables to set in the debug container (repeatable)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Security profile of the debug container, as kubectl debug''s; auto: the most capable one the namespace''s Pod Security enforce label admits')
            [CompletionResult]::new('--custom', '--custom', [CompletionResultType]::ParameterName, 'A JSON or YAML file holding a partial container spec, merged into the debug container as kubectl''s --custom')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Name of the debug container (default: debugger-<5 random characters>)')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Name of the debug container (default: debugger-<5 random characters>)')
            [CompletionResult]::new('--attach', '--attach', [CompletionResultType]::ParameterName, 'Attach once the container runs (default: true when stdin is kept open); --attach=false only adds it')
            [CompletionResult]::new('--attach-to', '--attach-to', [CompletionResultType]::ParameterName, 'Attach to an ephemeral container already in the pod instead of adding one')
            [CompletionResult]::new('--reuse', '--reuse', [CompletionResultType]::ParameterName, 'Reuse a debug container of ours that still runs on the target (default: ask on a terminal, reuse otherwise); --reuse=false adds another')
            [CompletionResult]::new('--copy-to', '--copy-to', [CompletionResultType]::ParameterName, 'Create a copy of the pod with this name, its blocked init container''s command replaced by a wait')
            [CompletionResult]::new('--set-image', '--set-image', [CompletionResultType]::ParameterName, 'With --copy-to: NAME=IMAGE for any container, init containers included (* for all; repeatable)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be sent instead of sending it: client (nothing leaves), server (the API server checks it, nothing is stored)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: with --dry-run the object (yaml or json), with --check the comparison (json)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: with --dry-run the object (yaml or json), with --check the comparison (json)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the debug container (or the copy) to start, and for --check to finish')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request (default: the context''s namespace)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Keep stdin open on the debug container (the default, with -t, unless a command is given)')
            [CompletionResult]::new('--stdin', '--stdin', [CompletionResultType]::ParameterName, 'Keep stdin open on the debug container (the default, with -t, unless a command is given)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Allocate a TTY for the debug container (needs -i)')
            [CompletionResult]::new('--tty', '--tty', [CompletionResultType]::ParameterName, 'Allocate a TTY for the debug container (needs -i)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Add the debug container even when its target is not running (it cannot start until the target runs again, and an ephemeral container can never be removed); without it, a run without a terminal refuses (exit 8) and a terminal is offered --copy-to first')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Run the blocked init container''s checks from inside the pod and compare with what the API says (exit 0: it can proceed, 3: it cannot)')
            [CompletionResult]::new('--skip-done-init', '--skip-done-init', [CompletionResultType]::ParameterName, 'With --copy-to: leave out the init containers that already completed in the original')
            [CompletionResult]::new('--same-node', '--same-node', [CompletionResultType]::ParameterName, 'With --copy-to: keep the copy on the original''s node')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'With --copy-to: delete the original pod once the copy exists')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-initdoctor;preflight' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifests: a file, a directory (its .yaml, .yml and .json files), or - for stdin; repeat for several')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifests: a file, a directory (its .yaml, .yml and .json files), or - for stdin; repeat for several')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster-domain', '--cluster-domain', [CompletionResultType]::ParameterName, 'The cluster''s DNS domain, for resolving the names init containers wait on')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request (default: the context''s namespace)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'Read the directories given with -f and their subdirectories')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'Read the directories given with -f and their subdirectories')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Check against the manifests alone: read no cluster (the namespace is -n, else default)')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit 3 when an init container will block, 0 otherwise')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-initdoctor;completion' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request (default: the context''s namespace)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-initdoctor;version' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The name of the kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The name of the kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The name of the kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The namespace scope for this request (default: the context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace scope for this request (default: the context''s namespace)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-initdoctor;help' {
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Say which init container blocks each pod, and why')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Show init container logs in spec order, following the running one')
            [CompletionResult]::new('debug', 'debug', [CompletionResultType]::ParameterValue, 'Attach an ephemeral debug container to the blocked init container')
            [CompletionResult]::new('preflight', 'preflight', [CompletionResultType]::ParameterValue, 'Say which init containers will block, from manifests, before they are applied')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the version')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-initdoctor;help;explain' {
            break
        }
        'kubectl-initdoctor;help;logs' {
            break
        }
        'kubectl-initdoctor;help;debug' {
            break
        }
        'kubectl-initdoctor;help;preflight' {
            break
        }
        'kubectl-initdoctor;help;completion' {
            break
        }
        'kubectl-initdoctor;help;version' {
            break
        }
        'kubectl-initdoctor;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

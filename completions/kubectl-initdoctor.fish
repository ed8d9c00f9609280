# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_initdoctor_global_optspecs
    string join \n kubeconfig= context= cluster= user= n/namespace= request-timeout= color= h/help V/version
end

function __fish_kubectl_initdoctor_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_initdoctor_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_initdoctor_using_subcommand
    set -l cmd (__fish_kubectl_initdoctor_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -l kubeconfig -d 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -s n -l namespace -d 'The namespace scope for this request (default: the context\'s namespace)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -l request-timeout -d 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -l color -d 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -s h -l help -d 'Print help'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -f -a "explain" -d 'Say which init container blocks each pod, and why'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -f -a "logs" -d 'Show init container logs in spec order, following the running one'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -f -a "debug" -d 'Attach an ephemeral debug container to the blocked init container'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -f -a "preflight" -d 'Say which init containers will block, from manifests, before they are applied'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -f -a "completion" -d 'Print a shell completion script'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -f -a "version" -d 'Print the version'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -s l -l selector -d 'Label selector to filter pods on (e.g. app=web,tier!=db)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -s o -l output -d 'Output format' -r -f -a "table\t'Human tables'
wide\t'Human tables with more columns'
json\t'The stable JSON contract (see README)'"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -l cluster-domain -d 'The cluster\'s DNS domain, for resolving the names init containers wait on' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -l kubeconfig -d 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -s n -l namespace -d 'The namespace scope for this request (default: the context\'s namespace)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -l request-timeout -d 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -l color -d 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -s A -l all-namespaces -d 'Look at pods in every namespace'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -s w -l watch -d 'Re-render when a pod changes, until it is initialized or interrupted'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -l exit-code -d 'Exit 3 when any selected pod is blocked in initialization or not Ready (Completed pods are fine), 0 otherwise; with --init-only, 3 only for pods blocked in initialization'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -l details -d 'With several pods: after the table and the grouped findings, the full view of each pod'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -l no-headers -d 'With several pods: print the table without its header line (as kubectl get)'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -l init-only -d 'Only what blocks initialization: without pod names, select only the pods whose initialization is not complete (not those that are initialized but not Ready); with --watch, end once they are initialized, Ready or not'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand explain" -s V -l version -d 'Print version'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -s l -l selector -d 'Show the pods matching this label selector, each pod\'s containers in order, pods interleaved by line' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -s c -l container -d 'Only this container (init, sidecar or app)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -l tail -d 'Lines of recent log to show per container (-1: all)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -l since -d 'Only lines newer than this duration (e.g. 5s, 2m, 3h)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -l since-time -d 'Only lines after this time (RFC 3339, e.g. 2026-01-01T10:00:00Z)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -l prefix -d 'Prefix each line with its container ([init 2/3 wait-db]); default: on when stdout is not a terminal or several containers are shown (--prefix=false turns it off)' -r -f -a "true\t''
false\t''"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -s o -l output -d 'Output format' -r -f -a "text\t'The log lines as they are (with the prefix when it is on)'
json\t'One JSON object per line: namespace, pod, container, index, kind, attempt, time, line'"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -l max-log-requests -d 'The most log streams open at once (pods read or followed concurrently)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -l kubeconfig -d 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -s n -l namespace -d 'The namespace scope for this request (default: the context\'s namespace)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -l request-timeout -d 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -l color -d 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -s f -l follow -d 'Follow the running init container, then the next as it starts, until initialization ends'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -s p -l previous -d 'Show the previous attempt of each container'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -l all-attempts -d 'Show every attempt the API still has (the previous one, then the current one)'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -l app -d 'After the init containers, show (and with -f follow) the app containers'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -l timestamps -d 'Prefix each line with its timestamp'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand logs" -s V -l version -d 'Print version'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l target -d 'The container whose processes the debug container shares (default: the blocked init container)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l image -d 'The debug container\'s image (its nslookup fails short names on search domains that lack them: --check resolves names fully qualified)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l image-pull-policy -d 'The image pull policy of the debug container (default: left to the server)' -r -f -a "Always\t''
IfNotPresent\t''
Never\t''"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l env -d 'Environment variables to set in the debug container (repeatable)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l profile -d 'Security profile of the debug container, as kubectl debug\'s; auto: the most capable one the namespace\'s Pod Security enforce label admits' -r -f -a "auto\t'The most capable of general, baseline, restricted that the namespace\'s Pod Security admits'
general\t'Add SYS_PTRACE, to trace the target\'s processes (the default)'
baseline\t'No security context: what Pod Security "baseline" allows'
restricted\t'Non-root, all capabilities dropped, no privilege escalation, seccomp RuntimeDefault'
netadmin\t'Add NET_ADMIN and NET_RAW, for network tools'
sysadmin\t'Privileged'"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l custom -d 'A JSON or YAML file holding a partial container spec, merged into the debug container as kubectl\'s --custom' -r -F
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -s c -l container -d 'Name of the debug container (default: debugger-<5 random characters>)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l attach -d 'Attach once the container runs (default: true when stdin is kept open); --attach=false only adds it' -r -f -a "true\t''
false\t''"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l attach-to -d 'Attach to an ephemeral container already in the pod instead of adding one' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l reuse -d 'Reuse a debug container of ours that still runs on the target (default: ask on a terminal, reuse otherwise); --reuse=false adds another' -r -f -a "true\t''
false\t''"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l copy-to -d 'Create a copy of the pod with this name, its blocked init container\'s command replaced by a wait' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l set-image -d 'With --copy-to: NAME=IMAGE for any container, init containers included (* for all; repeatable)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l dry-run -d 'Print what would be sent instead of sending it: client (nothing leaves), server (the API server checks it, nothing is stored)' -r -f -a "none\t'Send everything (the same as no --dry-run)'
client\t''
server\t''"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -s o -l output -d 'Output format: with --dry-run the object (yaml or json), with --check the comparison (json)' -r -f -a "json\t''
yaml\t''"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l timeout -d 'How long to wait for the debug container (or the copy) to start, and for --check to finish' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l kubeconfig -d 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -s n -l namespace -d 'The namespace scope for this request (default: the context\'s namespace)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l request-timeout -d 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l color -d 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -s i -l stdin -d 'Keep stdin open on the debug container (the default, with -t, unless a command is given)'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -s t -l tty -d 'Allocate a TTY for the debug container (needs -i)'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l force -d 'Add the debug container even when its target is not running (it cannot start until the target runs again, and an ephemeral container can never be removed); without it, a run without a terminal refuses (exit 8) and a terminal is offered --copy-to first'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l check -d 'Run the blocked init container\'s checks from inside the pod and compare with what the API says (exit 0: it can proceed, 3: it cannot)'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l skip-done-init -d 'With --copy-to: leave out the init containers that already completed in the original'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l same-node -d 'With --copy-to: keep the copy on the original\'s node'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -l replace -d 'With --copy-to: delete the original pod once the copy exists'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand debug" -s V -l version -d 'Print version'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand preflight" -s f -l filename -d 'Manifests: a file, a directory (its .yaml, .yml and .json files), or - for stdin; repeat for several' -r -F
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand preflight" -s o -l output -d 'Output format' -r -f -a "table\t'The findings grouped by workload, with the fix'
json\t'The stable JSON contract (see docs/json.md)'"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand preflight" -l cluster-domain -d 'The cluster\'s DNS domain, for resolving the names init containers wait on' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand preflight" -l kubeconfig -d 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand preflight" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand preflight" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand preflight" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand preflight" -s n -l namespace -d 'The namespace scope for this request (default: the context\'s namespace)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand preflight" -l request-timeout -d 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand preflight" -l color -d 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand preflight" -s R -l recursive -d 'Read the directories given with -f and their subdirectories'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand preflight" -l offline -d 'Check against the manifests alone: read no cluster (the namespace is -n, else default)'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand preflight" -l exit-code -d 'Exit 3 when an init container will block, 0 otherwise'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand preflight" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand preflight" -s V -l version -d 'Print version'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand completion" -l kubeconfig -d 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand completion" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand completion" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand completion" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand completion" -s n -l namespace -d 'The namespace scope for this request (default: the context\'s namespace)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand completion" -l request-timeout -d 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand completion" -l color -d 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand completion" -s h -l help -d 'Print help'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand completion" -s V -l version -d 'Print version'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand version" -l kubeconfig -d 'Path to the kubeconfig file to use (default: $KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand version" -l context -d 'The name of the kubeconfig context to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand version" -l cluster -d 'The name of the kubeconfig cluster to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand version" -l user -d 'The name of the kubeconfig user to use' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand version" -s n -l namespace -d 'The namespace scope for this request (default: the context\'s namespace)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand version" -l request-timeout -d 'How long to wait for a single server request (e.g. 5s, 1m, 500ms; a bare number is seconds; 0 means no timeout, as kubectl)' -r
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand version" -l color -d 'When to colour the output: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand version" -s h -l help -d 'Print help'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand version" -s V -l version -d 'Print version'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand help; and not __fish_seen_subcommand_from explain logs debug preflight completion version help" -f -a "explain" -d 'Say which init container blocks each pod, and why'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand help; and not __fish_seen_subcommand_from explain logs debug preflight completion version help" -f -a "logs" -d 'Show init container logs in spec order, following the running one'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand help; and not __fish_seen_subcommand_from explain logs debug preflight completion version help" -f -a "debug" -d 'Attach an ephemeral debug container to the blocked init container'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand help; and not __fish_seen_subcommand_from explain logs debug preflight completion version help" -f -a "preflight" -d 'Say which init containers will block, from manifests, before they are applied'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand help; and not __fish_seen_subcommand_from explain logs debug preflight completion version help" -f -a "completion" -d 'Print a shell completion script'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand help; and not __fish_seen_subcommand_from explain logs debug preflight completion version help" -f -a "version" -d 'Print the version'
complete -c kubectl-initdoctor -n "__fish_kubectl_initdoctor_using_subcommand help; and not __fish_seen_subcommand_from explain logs debug preflight completion version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

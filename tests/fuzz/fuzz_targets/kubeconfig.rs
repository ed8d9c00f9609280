//! The kubeconfig reader: any text parses to a kubeconfig or an `error:` line without a
//! panic; a parsed one then goes through the checks every command makes before connecting
//! (context/cluster/user selection, the server URL). No network, no files.
#![no_main]

use std::time::Duration;

use initdoctor::cli::{ColorChoice, GlobalArgs};
use initdoctor::cluster::config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(mut kubeconfig) = config::parse_kubeconfig(text) else {
        return;
    };
    let global = GlobalArgs {
        kubeconfig: None,
        context: None,
        cluster: None,
        user: None,
        namespace: None,
        request_timeout: Duration::from_secs(30),
        color: ColorChoice::Never,
    };
    if config::check_selection(&kubeconfig, &global).is_ok() {
        let _ = config::normalise_server(&mut kubeconfig, &global);
    }
    // Every cluster's server, with and without TLS, as `server_url` is also called alone.
    for cluster in &kubeconfig.clusters {
        if let Some(server) = cluster.cluster.as_ref().and_then(|c| c.server.as_deref()) {
            let _ = config::server_url(server, true);
            let _ = config::server_url(server, false);
        }
    }
    let _ = config::options(&global);
});

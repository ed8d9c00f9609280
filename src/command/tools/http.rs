//! HTTP clients: every URL they are given (`curl`, `wget`).

use super::Call;
use crate::command::Target;
use crate::command::args::{Arg, opts, url_target};

pub(super) fn curl(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let o = opts(
        args,
        "XdHoumwAeEFTKrCxbcyYzQt",
        &[
            "--request",
            "--data",
            "--data-raw",
            "--data-binary",
            "--data-urlencode",
            "--header",
            "--output",
            "--user",
            "--max-time",
            "--connect-timeout",
            "--write-out",
            "--user-agent",
            "--referer",
            "--cert",
            "--cacert",
            "--key",
            "--form",
            "--upload-file",
            "--config",
            "--range",
            "--proxy",
            "--cookie",
            "--cookie-jar",
            "--retry",
            "--retry-delay",
            "--retry-max-time",
            "--resolve",
            "--connect-to",
            "--url",
            "--interface",
            "--unix-socket",
            "--json",
            "--speed-limit",
            "--speed-time",
            "--max-filesize",
            "--dns-servers",
            "--telnet-option",
        ],
    );
    let mut urls: Vec<&Arg> = o
        .valued
        .iter()
        .filter(|(k, _)| k == "--url")
        .map(|(_, v)| v)
        .collect();
    urls.extend(o.positional.iter());
    urls.into_iter()
        .filter_map(url_target)
        .map(Target::Host)
        .collect()
}

pub(super) fn wget(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let o = opts(
        args,
        "OoTtUPYeAR",
        &[
            "--header",
            "--output-document",
            "--timeout",
            "--tries",
            "--user-agent",
            "--post-data",
            "--method",
            "--body-data",
            "--user",
            "--password",
        ],
    );
    o.positional
        .iter()
        .filter_map(url_target)
        .map(Target::Host)
        .collect()
}

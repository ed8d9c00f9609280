//! `preflight`: which init containers will block, read from manifests before they are applied.
//!
//! Complete (the namespace: `-n`, else the kubeconfig's, else `default` with `--offline`),
//! validate (no I/O), run: read the manifests (`-f` files, directories, `-R`, `-` for stdin),
//! read the live namespaces the bundle goes to (unless `--offline`; read-only, as `explain`),
//! check with the pure core ([`crate::preflight`]), render.

use std::io::Read;
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::cli::{GlobalArgs, PreflightArgs, PreflightFormat};
use crate::cluster::Cluster;
use crate::error::{Error, Result};
use crate::exit::ExitCode;
use crate::preflight::{self, Live, Options, load};
use crate::render::{self, Palette};

/// The largest manifest file read, in bytes (a chart's rendering is a few hundred KiB).
pub const MAX_FILE_BYTES: u64 = 32 << 20;
/// How deep `-R` goes into directories.
const MAX_DEPTH: usize = 32;
/// How many namespaces of the bundle are read from the cluster.
const MAX_NAMESPACES: usize = 16;

/// Check flag combinations before any I/O.
pub fn validate(args: &PreflightArgs) -> Result<()> {
    let stdin = args
        .filenames
        .iter()
        .filter(|f| f.as_os_str() == "-")
        .count();
    if stdin > 1 {
        return Err(Error::Usage(
            "-f - (stdin) can be given once: read it once, or save it to a file".into(),
        ));
    }
    Ok(())
}

pub async fn run(args: &PreflightArgs, global: &GlobalArgs, palette: Palette) -> Result<ExitCode> {
    validate(args)?;
    if let Some(namespace) = &global.namespace {
        crate::validate::namespace(namespace)?;
    }
    let mut loaded = Vec::new();
    for (name, text) in read_sources(&args.filenames, args.recursive)? {
        loaded.extend(load::parse(&name, &text).map_err(Error::Manifest)?);
        if loaded.len() > load::MAX_OBJECTS {
            return Err(Error::Manifest(format!(
                "more than {} objects: split the bundle",
                load::MAX_OBJECTS
            )));
        }
    }
    let cluster = if args.offline {
        None
    } else {
        Some(
            Cluster::connect(global)
                .await?
                .with_cluster_domain(&args.cluster_domain),
        )
    };
    let namespace = match &cluster {
        Some(c) => c.namespace().to_string(),
        None => global
            .namespace
            .clone()
            .unwrap_or_else(|| "default".to_string()),
    };
    let bundle = preflight::bundle::bundle(&loaded, &namespace);
    if bundle.workloads.len() > preflight::MAX_WORKLOADS {
        return Err(Error::Manifest(format!(
            "more than {} workloads: split the bundle",
            preflight::MAX_WORKLOADS
        )));
    }
    let live = match &cluster {
        Some(c) => live_of(c, &bundle, &namespace).await?,
        None => Live::default(),
    };
    let options = Options {
        namespace,
        domain: args.cluster_domain.trim_matches('.').to_string(),
        live: cluster.is_some(),
    };
    let report = preflight::run(&bundle, &live, &options, Timestamp::now());
    let text = match args.output {
        PreflightFormat::Json => render::preflight::json(&report),
        PreflightFormat::Table => render::preflight::text(&report, palette),
    };
    super::print(&text)?;
    Ok(if args.exit_code && report.will_block() {
        ExitCode::Blocked
    } else {
        ExitCode::Ok
    })
}

/// The live objects of the target namespace and of the other namespaces the bundle's objects
/// name (at most [`MAX_NAMESPACES`]).
async fn live_of(cluster: &Cluster, bundle: &preflight::Bundle, namespace: &str) -> Result<Live> {
    let mut namespaces = vec![namespace.to_string()];
    let named = bundle.workloads.iter().map(|w| w.namespace.clone()).chain(
        bundle
            .services
            .iter()
            .filter_map(|s| s.metadata.namespace.clone()),
    );
    for ns in named {
        if !namespaces.contains(&ns) && namespaces.len() < MAX_NAMESPACES {
            namespaces.push(ns);
        }
    }
    let mut live = Live::default();
    for ns in namespaces {
        let part = cluster.live_namespace(&ns).await?;
        live.services.extend(part.services);
        live.slices.extend(part.slices);
        live.pods.extend(part.pods);
        live.config_maps.extend(part.config_maps);
        live.secrets.extend(part.secrets);
        live.jobs.extend(part.jobs);
        live.problems.extend(part.problems);
        live.unread.extend(part.unread);
    }
    for name in preflight::world::service_names(bundle) {
        if let Some((services, slices)) = cluster.services_named(&name).await? {
            live.services_named.extend(services);
            live.slices_named.extend(slices);
        }
    }
    Ok(live)
}

/// The manifests named by `-f`, as (name, text), in the order given (a directory's files by
/// name), as kubectl reads them: in a directory only `.yaml`, `.yml` and `.json` files, and its
/// subdirectories only with `-R`.
pub fn read_sources(paths: &[PathBuf], recursive: bool) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin()
                .lock()
                .take(MAX_FILE_BYTES + 1)
                .read_to_string(&mut text)
                .map_err(|e| Error::io("reading the manifests from stdin", e))?;
            check_size("stdin", text.len())?;
            out.push(("-".to_string(), text));
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|_| {
            Error::Usage(format!(
                "the path {:?} does not exist: pass a manifest file, a directory or - for stdin",
                path.display().to_string()
            ))
        })?;
        if meta.is_dir() {
            directory(path, recursive, 0, &mut out)?;
        } else {
            out.push(read_file(path)?);
        }
    }
    Ok(out)
}

fn directory(
    dir: &Path,
    recursive: bool,
    depth: usize,
    out: &mut Vec<(String, String)>,
) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::Manifest(format!(
            "{}: directories nested more than {MAX_DEPTH} deep",
            dir.display()
        )));
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("reading directory {}", dir.display()), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            if recursive {
                directory(&entry, recursive, depth + 1, out)?;
            }
        } else if entry
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        {
            out.push(read_file(&entry)?);
        }
    }
    Ok(())
}

fn read_file(path: &Path) -> Result<(String, String)> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| Error::io(format!("reading {name}"), e))?;
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| Error::io(format!("reading {name}"), e))?;
    check_size(&name, text.len())?;
    Ok((name, text))
}

fn check_size(name: &str, len: usize) -> Result<()> {
    if u64::try_from(len).unwrap_or(u64::MAX) > MAX_FILE_BYTES {
        return Err(Error::Manifest(format!(
            "{name}: larger than {} MiB: split it",
            MAX_FILE_BYTES >> 20
        )));
    }
    Ok(())
}

//! The extraction of a container, remembered: one `explain` asks for it several times (what
//! its waits need, each round of lookups, its findings), and a script of a megabyte costs its
//! reading once, not once per ask. Keyed by a hash of everything the reading depends on — the
//! container, the pod fields its variables may come from, the ConfigMaps given — so a changed
//! object (`--watch`) is read again.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod};

use super::Extraction;

/// How many extractions are remembered; past it the memory starts again.
const ENTRIES: usize = 512;

fn cache() -> &'static Mutex<HashMap<u64, Arc<Extraction>>> {
    static CACHE: OnceLock<Mutex<HashMap<u64, Arc<Extraction>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The remembered extraction for these inputs, or `read`'s, remembered.
pub(super) fn remembered(
    pod: &Pod,
    container: &Container,
    config_maps: Option<&[ConfigMap]>,
    steps: u64,
    read: impl FnOnce() -> Extraction,
) -> Extraction {
    let key = key(pod, container, config_maps, steps);
    if let Some(found) = cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
        return (*found).clone();
    }
    let out = read();
    if let Ok(mut c) = cache().lock() {
        if c.len() >= ENTRIES {
            c.clear();
        }
        c.insert(key, Arc::new(out.clone()));
    }
    out
}

/// Feeds serialized JSON into a hasher without building the text.
struct HashWriter<'a>(&'a mut DefaultHasher);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn key(pod: &Pod, container: &Container, config_maps: Option<&[ConfigMap]>, steps: u64) -> u64 {
    let mut h = DefaultHasher::new();
    steps.hash(&mut h);
    // A pod from the API server: its uid and resourceVersion name its spec exactly (any change
    // makes a new version), so the container is its name; otherwise, all of it.
    match (&pod.metadata.uid, &pod.metadata.resource_version) {
        (Some(uid), Some(version)) => (uid, version, &container.name).hash(&mut h),
        _ => {
            let _ = serde_json::to_writer(HashWriter(&mut h), container);
        }
    }
    // What `$(VAR)` may read from the pod (fieldRef, enableServiceLinks, the namespace).
    let _ = serde_json::to_writer(HashWriter(&mut h), &pod.metadata.name);
    let _ = serde_json::to_writer(HashWriter(&mut h), &pod.metadata.namespace);
    let _ = serde_json::to_writer(HashWriter(&mut h), &pod.metadata.uid);
    let _ = serde_json::to_writer(HashWriter(&mut h), &pod.metadata.labels);
    let _ = serde_json::to_writer(HashWriter(&mut h), &pod.metadata.annotations);
    if let Some(spec) = &pod.spec {
        let _ = serde_json::to_writer(HashWriter(&mut h), &spec.node_name);
        let _ = serde_json::to_writer(HashWriter(&mut h), &spec.service_account_name);
        let _ = serde_json::to_writer(HashWriter(&mut h), &spec.enable_service_links);
    }
    if let Some(status) = &pod.status {
        let _ = serde_json::to_writer(HashWriter(&mut h), &status.pod_ip);
        let _ = serde_json::to_writer(HashWriter(&mut h), &status.host_ip);
    }
    // ConfigMaps matter only to a container that reads one.
    match config_maps.filter(|_| reads_config_maps(container)) {
        None => 0u8.hash(&mut h),
        Some(cms) => {
            1u8.hash(&mut h);
            for cm in cms {
                let m = &cm.metadata;
                (&m.name, &m.namespace).hash(&mut h);
                match (&m.uid, &m.resource_version) {
                    (Some(uid), Some(version)) => (uid, version).hash(&mut h),
                    _ => {
                        let _ = serde_json::to_writer(HashWriter(&mut h), &cm.data);
                    }
                }
            }
        }
    }
    h.finish()
}

/// `envFrom` a ConfigMap, or a `configMapKeyRef`.
fn reads_config_maps(container: &Container) -> bool {
    container
        .env_from
        .iter()
        .flatten()
        .any(|s| s.config_map_ref.is_some())
        || container.env.iter().flatten().any(|e| {
            e.value_from
                .as_ref()
                .is_some_and(|v| v.config_map_key_ref.is_some())
        })
}

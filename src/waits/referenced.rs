//! The pods an EndpointSlice names, looked up by name as far as the findings use them: a
//! Service whose slices name thousands of pods costs a few lookups, not thousands.

use std::collections::BTreeSet;
use std::sync::Arc;

use k8s_openapi::api::discovery::v1::EndpointSlice;

use super::findings::MAX_PODS_SHOWN;
use super::resolve;

/// How many not-ready pods a Service's EndpointSlices name are looked up by name: as many as
/// the findings show (the first of its slices, in their order).
pub const NOT_READY_LOOKED_UP: usize = MAX_PODS_SHOWN;
/// How many ready pods a Service's EndpointSlices name are looked up by name.
pub const READY_LOOKED_UP: usize = 32;

/// The pods the endpoints of `slices` (those of namespace `home`) name that `listed` does not
/// hold, as far as the findings use them: across the Service's slices, in their order, the
/// first [`NOT_READY_LOOKED_UP`] not ready (the findings show that many) and the first
/// [`READY_LOOKED_UP`] ready (whose declared ports are compared). EndpointSlices naming
/// thousands of pods cost that many lookups, not thousands.
pub(super) fn named_by_slices(
    slices: &[Arc<EndpointSlice>],
    home: &str,
    listed: &BTreeSet<&str>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let (mut ready, mut not_ready) = (0, 0);
    for slice in slices
        .iter()
        .filter(|s| s.metadata.namespace.as_deref() == Some(home))
    {
        for ep in slice.endpoints.iter().flatten() {
            if ready >= READY_LOOKED_UP && not_ready >= NOT_READY_LOOKED_UP {
                return out;
            }
            let Some(name) = ep
                .target_ref
                .as_ref()
                .filter(|r| r.kind.as_deref() == Some("Pod"))
                .and_then(|r| r.name.as_deref())
            else {
                continue;
            };
            let (count, cap) = if resolve::endpoint_ready(ep) {
                (&mut ready, READY_LOOKED_UP)
            } else {
                (&mut not_ready, NOT_READY_LOOKED_UP)
            };
            if *count >= cap || !seen.insert(name) {
                continue;
            }
            *count += 1;
            if !listed.contains(name) {
                out.push(name.to_string());
            }
        }
    }
    out
}

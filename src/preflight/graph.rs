//! Which workloads wait on which: an edge from a workload to each workload behind what one of
//! its init containers waits on (the pods a Service selects, the Job it waits for). A wait
//! whose target leads back to the waiting workload is a loop: none of them ever starts.

use std::collections::{BTreeSet, VecDeque};

/// The shortest path of workloads from `from` to `to` along `edges` (both ends included), if
/// there is one. Breadth-first, each workload visited once: bounded by the graph's size.
pub fn path(edges: &[BTreeSet<usize>], from: usize, to: usize) -> Option<Vec<usize>> {
    let mut previous: Vec<Option<usize>> = vec![None; edges.len()];
    let mut seen = vec![false; edges.len()];
    let mut queue = VecDeque::from([from]);
    *seen.get_mut(from)? = true;
    while let Some(at) = queue.pop_front() {
        if at == to {
            let mut out = vec![to];
            let mut cursor = to;
            while let Some(p) = previous[cursor] {
                out.push(p);
                cursor = p;
            }
            out.reverse();
            return Some(out);
        }
        for &next in edges.get(at).into_iter().flatten() {
            if next < seen.len() && !seen[next] {
                seen[next] = true;
                previous[next] = Some(at);
                queue.push_back(next);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_edges_and_find_loops() {
        let edges: Vec<BTreeSet<usize>> = vec![[1].into(), [2].into(), [0].into(), [].into()];
        assert_eq!(path(&edges, 1, 0), Some(vec![1, 2, 0]));
        assert_eq!(path(&edges, 0, 0), Some(vec![0]));
        assert_eq!(path(&edges, 3, 0), None);
        assert_eq!(path(&edges, 0, 3), None);
        assert_eq!(path(&edges, 9, 0), None);
    }
}

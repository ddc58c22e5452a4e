//! `peaqos_node` (in progress).
fn main() {}

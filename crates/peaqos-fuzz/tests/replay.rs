//! Every committed regression input (`regressions/<target>/*.bin`) and every seed of every
//! target passes its target: a crash found once stays fixed.

use std::path::PathBuf;

#[test]
fn regressions_and_seeds_pass() {
    let mut failures = Vec::new();
    let mut runs = 0;
    for target in peaqos_fuzz::all_targets() {
        (target.prepare)().unwrap_or_else(|e| panic!("{}: setup failed: {e}", target.name));
        let mut inputs: Vec<(String, Vec<u8>)> = (target.seeds)()
            .into_iter()
            .enumerate()
            .map(|(i, s)| (format!("seed {i}"), s))
            .collect();
        assert!(!inputs.is_empty(), "{}: no seeds", target.name);
        let dir = peaqos_fuzz::regressions_dir().join(target.name);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for f in files
            .into_iter()
            .filter(|f| f.extension().is_some_and(|x| x == "bin"))
        {
            let bytes = std::fs::read(&f).expect("regression input");
            inputs.push((f.display().to_string(), bytes));
        }
        for (what, input) in inputs {
            runs += 1;
            if let Err(e) = peaqos_fuzz::execute(&target, &input) {
                failures.push(format!("{} {what}: {e}", target.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} inputs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_target_is_listed_once() {
    let names: Vec<_> = peaqos_fuzz::all_targets().iter().map(|t| t.name).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), names.len());
    assert_eq!(names.len(), 10);
}

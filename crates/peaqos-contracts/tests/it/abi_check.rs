//! Our compiled contracts expose the deployed peaqOS ABI: every function, event and error of
//! `shared/reference/abi/<Name>.json` must exist in our artifact with the same selector (or
//! topic0), the same outputs and state mutability (functions) and the same `indexed` flags
//! (events). Extra entries of ours are allowed and counted.
//!
//! Run with `--nocapture` to see one report line per contract.

use std::{collections::BTreeSet, path::PathBuf};

use alloy_json_abi::{JsonAbi, Param};
use peaqos_contracts::{
    Artifact, ContractName,
    bindings::{BatchPrecompile, DIDPrecompile},
};

const CHECKED: [ContractName; 8] = [
    ContractName::IdentityRegistry,
    ContractName::IdentityStaking,
    ContractName::EventRegistry,
    ContractName::MachineNFT,
    ContractName::MachineAccountFactory,
    ContractName::MachineSmartAccount,
    ContractName::MachineNFTAdapter,
    ContractName::MachineNFTBase,
];

fn reference_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/abi"
    ))
}

/// The reference ABI, and the number of function/event/error entries in its raw JSON (counted
/// independently of `JsonAbi`, so that a parser that drops entries cannot hide them).
fn load_reference(name: &str) -> (JsonAbi, usize) {
    let path = reference_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (the shared/ reference directory must sit beside the repository)",
            path.display()
        )
    });
    let raw: serde_json::Value = serde_json::from_str(&text).expect("reference ABI is JSON");
    let entries = raw.as_array().expect("reference ABI is a JSON array");
    let count = entries
        .iter()
        .filter(|e| matches!(e["type"].as_str(), Some("function" | "event" | "error")))
        .count();
    let abi: JsonAbi = serde_json::from_str(&text).expect("reference ABI parses");
    (abi, count)
}

fn types(params: &[Param]) -> Vec<String> {
    params
        .iter()
        .map(|p| p.selector_type().into_owned())
        .collect()
}

/// Differences that are documented, not failures.
#[derive(Default)]
struct Exceptions {
    /// Events whose `indexed` flags differ on purpose: (name, why).
    event_indexing: Vec<(&'static str, &'static str)>,
    /// Reference entries ours lack on purpose: (signature, why).
    absent: Vec<(&'static str, &'static str)>,
}

#[derive(Default)]
struct Report {
    checked: usize,
    missing: Vec<String>,
    mismatched: Vec<String>,
    known: Vec<String>,
    extra: Vec<String>,
}

impl Report {
    fn line(&self, label: &str) -> String {
        let known = if self.known.is_empty() {
            String::new()
        } else {
            format!(", {} known exceptions", self.known.len())
        };
        format!(
            "{label}: {} entries checked, {} missing, {} mismatched{known} ({} extra)",
            self.checked,
            self.missing.len(),
            self.mismatched.len(),
            self.extra.len()
        )
    }

    fn problems(&self, label: &str) -> Vec<String> {
        let missing = self.missing.iter().map(|m| format!("{label}: missing {m}"));
        let mismatched = self
            .mismatched
            .iter()
            .map(|m| format!("{label}: mismatched {m}"));
        missing.chain(mismatched).collect()
    }
}

fn compare(reference: &JsonAbi, ours: &JsonAbi, exceptions: &Exceptions) -> Report {
    let mut r = Report::default();
    let mut seen = BTreeSet::new();
    let absent = |sig: &str| {
        exceptions
            .absent
            .iter()
            .find(|(s, _)| *s == sig)
            .map(|(_, why)| *why)
    };

    for f in reference.functions() {
        r.checked += 1;
        let sig = f.signature();
        seen.insert(f.selector().to_vec());
        let Some(o) = ours.functions().find(|o| o.selector() == f.selector()) else {
            match absent(&sig) {
                Some(why) => r.known.push(format!("function {sig}: {why}")),
                None => r.missing.push(format!("function {sig}")),
            }
            continue;
        };
        if types(&f.outputs) != types(&o.outputs) {
            r.mismatched.push(format!(
                "function {sig}: outputs {:?} != ours {:?}",
                types(&f.outputs),
                types(&o.outputs)
            ));
        }
        if f.state_mutability != o.state_mutability {
            r.mismatched.push(format!(
                "function {sig}: stateMutability {:?} != ours {:?}",
                f.state_mutability, o.state_mutability
            ));
        }
    }

    for e in reference.events() {
        r.checked += 1;
        let sig = e.signature();
        seen.insert(e.selector().to_vec());
        let Some(o) = ours.events().find(|o| o.selector() == e.selector()) else {
            match absent(&sig) {
                Some(why) => r.known.push(format!("event {sig}: {why}")),
                None => r.missing.push(format!("event {sig}")),
            }
            continue;
        };
        let flags =
            |ev: &alloy_json_abi::Event| ev.inputs.iter().map(|i| i.indexed).collect::<Vec<_>>();
        if flags(e) != flags(o) || e.anonymous != o.anonymous {
            let detail = format!(
                "event {sig}: indexed {:?} (anonymous {}) != ours {:?} (anonymous {})",
                flags(e),
                e.anonymous,
                flags(o),
                o.anonymous
            );
            match exceptions.event_indexing.iter().find(|(n, _)| *n == e.name) {
                Some((_, why)) => r.known.push(format!("{detail}: {why}")),
                None => r.mismatched.push(detail),
            }
        }
    }

    for e in reference.errors() {
        r.checked += 1;
        let sig = e.signature();
        seen.insert(e.selector().to_vec());
        if !ours.errors().any(|o| o.selector() == e.selector()) {
            match absent(&sig) {
                Some(why) => r.known.push(format!("error {sig}: {why}")),
                None => r.missing.push(format!("error {sig}")),
            }
        }
    }

    let extra_fns = ours
        .functions()
        .filter(|o| !seen.contains(o.selector().as_slice()));
    r.extra
        .extend(extra_fns.map(|o| format!("function {}", o.signature())));
    let extra_events = ours
        .events()
        .filter(|o| !seen.contains(o.selector().as_slice()));
    r.extra
        .extend(extra_events.map(|o| format!("event {}", o.signature())));
    let extra_errors = ours
        .errors()
        .filter(|o| !seen.contains(o.selector().as_slice()));
    r.extra
        .extend(extra_errors.map(|o| format!("error {}", o.signature())));
    r
}

#[test]
fn deployed_abis_are_implemented_by_our_artifacts() {
    let mut problems = Vec::new();
    for name in CHECKED {
        let (reference, raw_count) = load_reference(name.as_str());
        let report = compare(&reference, &Artifact::get(name).abi, &Exceptions::default());
        eprintln!("{}", report.line(name.as_str()));
        for extra in &report.extra {
            eprintln!("    extra {extra}");
        }
        assert!(
            report.checked > 0,
            "{name}: the reference ABI has no entries"
        );
        assert_eq!(
            report.checked, raw_count,
            "{name}: every reference entry must be checked"
        );
        problems.extend(report.problems(name.as_str()));
    }
    assert!(
        problems.is_empty(),
        "ABI differences:\n{}",
        problems.join("\n")
    );
}

const DID_EVENT_INDEXING: &str = "the reference ABI marks fields indexed, the chain's precompile emits log1 with every field in data";
const DID_ENTRY_NOT_FOUND: &str =
    "declared by the reference ABI only; the chain reverts with Error(\"Cannot find the item\")";

fn did_exceptions() -> Exceptions {
    Exceptions {
        event_indexing: vec![
            ("AddAttribute", DID_EVENT_INDEXING),
            ("UpdateAttribute", DID_EVENT_INDEXING),
            ("RemoveAttribute", DID_EVENT_INDEXING),
        ],
        absent: vec![("EntryNotFound(address,bytes)", DID_ENTRY_NOT_FOUND)],
    }
}

#[test]
fn did_precompile_reference_matches_standin_and_interface() {
    let (reference, raw_count) = load_reference("DIDPrecompile");
    let mut problems = Vec::new();
    let ours = [
        (
            "DIDPrecompile vs DIDStandin",
            Artifact::get(ContractName::DIDStandin).abi.clone(),
        ),
        (
            "DIDPrecompile vs bindings::DIDPrecompile",
            DIDPrecompile::abi::contract(),
        ),
    ];
    for (label, abi) in ours {
        let report = compare(&reference, &abi, &did_exceptions());
        eprintln!("{}", report.line(label));
        for known in &report.known {
            eprintln!("    known exception: {known}");
        }
        assert_eq!(
            report.checked, raw_count,
            "{label}: every reference entry must be checked"
        );
        assert!(report.checked > 0);
        // The exceptions must still apply: if they stop being needed, update this test.
        assert_eq!(
            report.known.len(),
            4,
            "{label}: 3 event indexings + EntryNotFound"
        );
        problems.extend(report.problems(label));
    }
    assert!(
        problems.is_empty(),
        "ABI differences:\n{}",
        problems.join("\n")
    );
}

#[test]
fn did_interface_and_standin_agree() {
    // Our hand-written interface (chain semantics) and the stand-in must be the same surface,
    // events included (both unindexed).
    let standin = &Artifact::get(ContractName::DIDStandin).abi;
    let report = compare(
        &DIDPrecompile::abi::contract(),
        standin,
        &Exceptions::default(),
    );
    eprintln!("{}", report.line("bindings::DIDPrecompile vs DIDStandin"));
    assert!(report.checked >= 11, "8 functions + 3 events");
    assert!(
        report.problems("DID").is_empty(),
        "{:?}",
        report.problems("DID")
    );
    assert!(report.extra.is_empty(), "{:?}", report.extra);
}

#[test]
fn batch_precompile_reference_matches_interface() {
    let (reference, raw_count) = load_reference("BatchPrecompile");
    let report = compare(
        &reference,
        &BatchPrecompile::abi::contract(),
        &Exceptions::default(),
    );
    eprintln!(
        "{}",
        report.line("BatchPrecompile vs bindings::BatchPrecompile")
    );
    assert_eq!(report.checked, raw_count);
    assert!(report.checked > 0);
    let problems = report.problems("BatchPrecompile");
    assert!(
        problems.is_empty(),
        "ABI differences:\n{}",
        problems.join("\n")
    );
}

#[test]
fn checker_is_not_vacuous() {
    // Removing an entry from our ABI must be reported as missing, and changing an output as a
    // mismatch.
    let (reference, _) = load_reference("IdentityRegistry");
    let mut ours = Artifact::get(ContractName::IdentityRegistry).abi.clone();
    ours.functions.remove("register").expect("register exists");
    ours.errors
        .remove("IncorrectBondAmount")
        .expect("IncorrectBondAmount exists");
    let events = ours
        .events
        .get_mut("Registered")
        .expect("Registered exists");
    events[0].inputs[0].indexed = false;
    let outputs = &mut ours.functions.get_mut("minBond").expect("minBond exists")[0].outputs;
    outputs[0].ty = "uint128".into();
    let report = compare(&reference, &ours, &Exceptions::default());
    assert_eq!(
        report.missing,
        ["function register()", "error IncorrectBondAmount()"]
    );
    assert_eq!(report.mismatched.len(), 2, "{:?}", report.mismatched);
}

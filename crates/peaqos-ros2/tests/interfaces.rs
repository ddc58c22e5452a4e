//! The Rust service types against `ros2/peaq_ros2_interfaces/srv/*.srv`: names, field names,
//! field types and order must be identical, so the two cannot drift.

use std::{collections::BTreeMap, path::PathBuf};

use peaqos_ros2::interfaces::{EMPTY_STRUCT_MEMBER, ENDPOINTS, service_fields};

type Fields = Vec<(String, String)>;

fn srv_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ros2/peaq_ros2_interfaces/srv")
}

/// Parses a `.srv` file: `type name` lines (comments and blank lines skipped), `---` between
/// request and response.
fn parse_srv(text: &str) -> (Fields, Fields) {
    let mut parts = vec![Vec::new()];
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if line == "---" {
            parts.push(Vec::new());
            continue;
        }
        let mut words = line.split_whitespace();
        let ty = words.next().unwrap_or_default().to_owned();
        let name = words.next().unwrap_or_default().to_owned();
        assert!(words.next().is_none(), "a default or constant in `{line}`");
        parts.last_mut().expect("a part").push((name, ty));
    }
    assert_eq!(parts.len(), 2, "one `---` separator");
    let response = parts.pop().expect("response");
    let request = parts.pop().expect("request");
    (request, response)
}

fn owned(fields: &[(&str, &str)]) -> Fields {
    fields
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect()
}

#[test]
fn rust_types_match_the_srv_files() {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(srv_dir()).expect("srv dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "srv") {
            let name = path
                .file_stem()
                .expect("stem")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("read srv");
            files.insert(name, parse_srv(&text));
        }
    }
    let types = service_fields();
    assert_eq!(types.len(), 25, "25 service types");
    assert_eq!(files.len(), 25, "25 .srv files");
    for (name, request, response) in types {
        let (srv_request, srv_response) =
            files.get(name).unwrap_or_else(|| panic!("no {name}.srv"));
        // rosidl gives an empty struct one uint8 member; the .srv has none.
        let request = if request == [(EMPTY_STRUCT_MEMBER, "uint8")] {
            Vec::new()
        } else {
            owned(request)
        };
        assert_eq!(&request, srv_request, "{name} request");
        assert_eq!(&owned(response), srv_response, "{name} response");
    }
}

#[test]
fn endpoints_are_the_26_of_the_official_node() {
    assert_eq!(ENDPOINTS.len(), 26);
    let mut names: Vec<_> = ENDPOINTS.iter().map(|e| e.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 26, "unique names");
    let mut types: Vec<_> = ENDPOINTS.iter().map(|e| e.type_name).collect();
    types.sort_unstable();
    types.dedup();
    assert_eq!(types.len(), 25, "PeaqosRegisterFor serves two endpoints");
    let cmake = std::fs::read_to_string(srv_dir().join("../CMakeLists.txt")).expect("CMakeLists");
    for t in types {
        assert!(
            cmake.contains(&format!("\"srv/{t}.srv\"")),
            "{t} in CMakeLists.txt"
        );
    }
}

#[test]
fn a_changed_srv_file_is_caught() {
    let (request, _) = parse_srv("string signer_address\nuint64 machine_id\n---\nstring tx_hash\n");
    assert_ne!(
        request,
        vec![
            ("machine_id".to_owned(), "uint64".to_owned()),
            ("signer_address".to_owned(), "string".to_owned())
        ],
        "order matters"
    );
}

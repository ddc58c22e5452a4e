//! `./peaqos.log`: the activation journal, JSON Lines with sorted keys and a UTC `ts`, in the
//! official CLI's format (Python `json.dumps(sort_keys=True)` separators), mode 0600.

use std::{
    collections::BTreeMap,
    io::Write as _,
    path::{Path, PathBuf},
};

use peaqos_sdk::activation::FundResume;
use serde_json::Value;
use uuid::Uuid;

use crate::{
    env::open_private,
    error::{CliError, CliResult},
};

/// The journal file name, in the current directory.
pub(crate) const JOURNAL_FILE: &str = "peaqos.log";

/// Keys never written (removed recursively), as the official CLI does.
const SCRUBBED: [&str; 5] = [
    "totp",
    "TOTP",
    "private_key",
    "privateKey",
    "PEAQOS_PRIVATE_KEY",
];

/// An open journal.
pub(crate) struct Journal {
    path: PathBuf,
    file: std::fs::File,
    /// The entries present when it was opened (what resume decisions read).
    pub(crate) prior: Vec<BTreeMap<String, Value>>,
}

impl Journal {
    /// Opens (creating it 0600) `path` for appending and reads its existing entries; unparsable
    /// lines are ignored.
    pub(crate) fn open(path: &Path) -> CliResult<Self> {
        let prior = std::fs::read_to_string(path)
            .map(|text| {
                text.lines()
                    .filter_map(|l| serde_json::from_str::<BTreeMap<String, Value>>(l).ok())
                    .collect()
            })
            .unwrap_or_default();
        let file = open_private(path, true)
            .map_err(|e| CliError::io(&format!("cannot open {}", path.display()), &e))?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
            prior,
        })
    }

    /// Appends one entry: `step`, `status`, `fields`, and `ts`.
    pub(crate) fn write(
        &mut self,
        step: &str,
        status: &str,
        fields: &[(&str, Value)],
    ) -> CliResult {
        let mut entry: BTreeMap<String, Value> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), scrub(v.clone())))
            .collect();
        for key in SCRUBBED {
            entry.remove(key);
        }
        entry.insert("step".into(), step.into());
        entry.insert("status".into(), status.into());
        entry.insert(
            "ts".into(),
            chrono::Utc::now()
                .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
                .to_string()
                .into(),
        );
        let mut line = python_json(&Value::Object(entry.into_iter().collect()));
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .map_err(|e| CliError::io(&format!("cannot write {}", self.path.display()), &e))
    }

    /// The funding decision for `address` on `chain_id` from the prior entries (newest first):
    /// `pending` → retry with the same request id, `confirmed` → it was funded before (`Some`
    /// prior id), `failed` or nothing → a fresh id.
    pub(crate) fn fund_resume(&self, address: &str, chain_id: &str) -> FundResume {
        for entry in self.prior.iter().rev() {
            let field = |k: &str| entry.get(k).and_then(Value::as_str);
            if field("step") != Some("fund") || field("address") != Some(address) {
                continue;
            }
            if field("chain_id").is_some_and(|c| c != chain_id) {
                continue;
            }
            let id = field("request_id").and_then(|s| s.parse::<Uuid>().ok());
            match (field("status"), id) {
                (Some("pending"), Some(id)) => return FundResume::Retry(id),
                (Some("confirmed"), Some(id)) => return FundResume::Confirmed(id),
                (Some("failed"), _) => return FundResume::Fresh,
                _ => {}
            }
        }
        FundResume::Fresh
    }
}

fn scrub(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !SCRUBBED.contains(&k.as_str()))
                .map(|(k, v)| (k, scrub(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(scrub).collect()),
        other => other,
    }
}

/// JSON as Python's `json.dumps(sort_keys=True)` prints it: `", "` and `": "` separators,
/// sorted keys, non-ASCII escaped.
pub(crate) fn python_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, &Value> = map.iter().collect();
            out.push('{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(out, k);
                out.push_str(": ");
                write_value(out, v);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, v);
            }
            out.push(']');
        }
        Value::String(s) => write_string(out, s),
        other => out.push_str(&other.to_string()),
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn python_format() {
        let v = json!({"b": 1, "a": [1, "x"], "c": null, "d": "é", "private_key": "k"});
        assert_eq!(
            python_json(&scrub(v)),
            r#"{"a": [1, "x"], "b": 1, "c": null, "d": "\u00e9"}"#
        );
    }

    #[test]
    fn resume_rules() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join(JOURNAL_FILE);
        let id = Uuid::new_v4();
        {
            let mut j = Journal::open(&path).expect("open");
            j.write(
                "fund",
                "pending",
                &[
                    ("address", "0xA".into()),
                    ("chain_id", "peaq".into()),
                    ("request_id", id.to_string().into()),
                ],
            )
            .expect("write");
        }
        let j = Journal::open(&path).expect("reopen");
        assert_eq!(j.fund_resume("0xA", "peaq"), FundResume::Retry(id));
        assert_eq!(j.fund_resume("0xA", "agung"), FundResume::Fresh);
        assert_eq!(j.fund_resume("0xB", "peaq"), FundResume::Fresh);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}

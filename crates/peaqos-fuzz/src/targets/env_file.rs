//! `.env` files (`peaqos_service::EnvFile`): render → parse keeps every variable and every
//! invalid line, and `set` then `get` gives the value back.

use peaqos_service::EnvFile;

use super::{Target, no_setup, text, violated};
use crate::engine::ExecResult;

/// EnvFile.
pub(super) const TARGET: Target = Target {
    name: "env-file",
    about: "EnvFile::parse: render → parse keeps the variables and the invalid lines; \
            set(name, v) then get(name) on the re-read file is v (v from the input's last line)",
    prepare: no_setup,
    seeds,
    dictionary: &[
        "export ",
        "=",
        "#",
        " #",
        "\"",
        "'",
        "\n",
        "\r\n",
        "PEAQOS_OWS_WALLET",
        "PEAQOS_RPC_URL",
        "PEAQOS_PRIVATE_KEY",
        "team #1",
        "\\n",
        "${X}",
    ],
    json_aware: false,
    run,
};

fn seeds() -> Vec<Vec<u8>> {
    [
        "# peaqOS devnet\n\nPEAQOS_PRIVATE_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d\nPEAQOS_RPC_URL=http://127.0.0.1:8545\nPEAQOS_MCR_API_URL=http://127.0.0.1:8000\n\n# Contract Addresses (local)\nIDENTITY_REGISTRY_ADDRESS=0x5FbDB2315678afecb367f032d93F642f64180aa3\n",
        "export PEAQOS_OWS_WALLET=\"team wallet\"\nPEAQOS_NETWORK='testnet' # a comment\nBROKEN LINE\n",
        "A=1\r\nB = two words # note\r\nC=3\r\n",
        "PEAQOS_OWS_WALLET=x\nteam #1\n",
    ]
    .into_iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

fn run(input: &[u8]) -> ExecResult {
    let t = text(input);
    let file = EnvFile::parse(&t);
    let again = EnvFile::parse(&file.render());
    if again.to_map() != file.to_map() {
        return violated("render → parse changed the variables");
    }
    if again.invalid_lines().collect::<Vec<_>>() != file.invalid_lines().collect::<Vec<_>>() {
        return violated("render → parse changed which lines are invalid");
    }
    // A value as `peaqos wallet use` / `peaqos init` would write it: one line, no surrounding
    // blanks (the reader trims those by design).
    let value = t.lines().last().unwrap_or_default().trim();
    if value.contains(['\n', '\r']) || value.is_empty() {
        return Ok(format!("vars {}", file.to_map().len().min(8)));
    }
    let name = "PEAQOS_OWS_WALLET";
    let mut edited = file.clone();
    if edited.set(name, value).is_err() {
        // Refused on purpose (`${` or a control character python-dotenv cannot read back):
        // nothing was written.
        if edited.render() != file.render() {
            return violated("a refused set changed the file");
        }
        return Ok("set refused".to_owned());
    }
    let read = EnvFile::parse(&edited.render()).get(name);
    if read.as_deref() != Some(value) {
        return violated(format!(
            "set then get gives another value: set({name}, {value:?}), get = {read:?}"
        ));
    }
    Ok(format!("vars {} set", file.to_map().len().min(8)))
}

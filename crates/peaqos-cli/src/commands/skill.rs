//! `peaqos skill install|print|generate`: the `peaqos` agent skill (`skills/peaqos/` in the
//! repository, compiled into the binary) placed where Claude Code, Cursor or Windsurf look for
//! skills, printed for hosted assistants, and its generated files rewritten.
//!
//! Two knowledge files are generated, never edited: `knowledge/cli-reference.md` from the clap
//! definitions (every command, flag, env var, exit code) and `knowledge/troubleshooting.md` from
//! the catalogue ([`crate::catalogue`]). `generate` also writes `llms.txt` and `llms-full.txt`
//! from `docs/`. The `generated_files_are_fresh` test fails when a committed copy is stale
//! (`PEAQOS_REGENERATE=1` rewrites them, as `peaqos skill generate` does).

use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, Command as ClapCommand};
use serde::Serialize;

use crate::{
    catalogue::{self, ErrorCode},
    env::Env,
    error::{CliError, CliResult},
    output::print_json,
    ui::Ui,
};

/// The skill's name: its directory, its `SKILL.md` `name`, the `/peaqos` trigger.
pub(crate) const SKILL_NAME: &str = "peaqos";

/// The generated knowledge files (relative to the skill directory).
pub(crate) const CLI_REFERENCE: &str = "knowledge/cli-reference.md";
pub(crate) const TROUBLESHOOTING: &str = "knowledge/troubleshooting.md";

/// Largest docs file `generate` inlines into `llms-full.txt` (a bound on outside input).
const MAX_DOC_BYTES: u64 = 1 << 20;

/// The skill's files, compiled in (path relative to `skills/peaqos/`, contents).
pub(crate) const FILES: [(&str, &str); 13] = [
    (
        "SKILL.md",
        include_str!("../../../../skills/peaqos/SKILL.md"),
    ),
    (
        "AGENT-PROMPT.md",
        include_str!("../../../../skills/peaqos/AGENT-PROMPT.md"),
    ),
    (
        "GUIDE.md",
        include_str!("../../../../skills/peaqos/GUIDE.md"),
    ),
    (
        "README.md",
        include_str!("../../../../skills/peaqos/README.md"),
    ),
    (
        "manifest.json",
        include_str!("../../../../skills/peaqos/manifest.json"),
    ),
    (
        "knowledge/concepts.md",
        include_str!("../../../../skills/peaqos/knowledge/concepts.md"),
    ),
    (
        "knowledge/decision-tree.md",
        include_str!("../../../../skills/peaqos/knowledge/decision-tree.md"),
    ),
    (
        CLI_REFERENCE,
        include_str!("../../../../skills/peaqos/knowledge/cli-reference.md"),
    ),
    (
        TROUBLESHOOTING,
        include_str!("../../../../skills/peaqos/knowledge/troubleshooting.md"),
    ),
    (
        "examples/.env.example",
        include_str!("../../../../skills/peaqos/examples/.env.example"),
    ),
    (
        "adapters/claude-code/SKILL.md",
        include_str!("../../../../skills/peaqos/adapters/claude-code/SKILL.md"),
    ),
    (
        "adapters/cursor/SKILL.md",
        include_str!("../../../../skills/peaqos/adapters/cursor/SKILL.md"),
    ),
    (
        "adapters/windsurf/SKILL.md",
        include_str!("../../../../skills/peaqos/adapters/windsurf/SKILL.md"),
    ),
];

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Install the skill where a coding agent looks for it (idempotent).
    Install(InstallArgs),
    /// Print the agent prompt and the knowledge files as one document (for hosted assistants
    /// without a shell: paste it as the system prompt).
    Print,
    /// Rewrite the generated files (knowledge/cli-reference.md, knowledge/troubleshooting.md,
    /// llms.txt, llms-full.txt) in a peaqOS source tree.
    Generate(GenerateArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct InstallArgs {
    /// The agent: claude-code (~/.claude/skills), cursor (~/.cursor/skills), windsurf
    /// (~/.codeium/windsurf/skills). Default: every agent whose directory exists in HOME, else
    /// claude-code.
    #[arg(long, value_parser = Agent::NAMES)]
    agent: Option<String>,
    /// Install into DIR/peaqos instead of the agent's skills directory.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Show what would be written; write nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct GenerateArgs {
    /// The source tree's root (holding skills/ and docs/).
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Write nothing; fail (exit 1) when a generated file is stale.
    #[arg(long)]
    check: bool,
}

/// The coding agents the installer knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Agent {
    ClaudeCode,
    Cursor,
    Windsurf,
}

impl Agent {
    const NAMES: [&'static str; 3] = ["claude-code", "cursor", "windsurf"];
    const ALL: [Self; 3] = [Self::ClaudeCode, Self::Cursor, Self::Windsurf];

    const fn name(self) -> &'static str {
        match self {
            Self::ClaudeCode => "claude-code",
            Self::Cursor => "cursor",
            Self::Windsurf => "windsurf",
        }
    }

    /// The agent's own directory in HOME (its presence means the agent is installed).
    fn home_dir(self, home: &Path) -> PathBuf {
        match self {
            Self::ClaudeCode => home.join(".claude"),
            Self::Cursor => home.join(".cursor"),
            Self::Windsurf => home.join(".codeium"),
        }
    }

    /// Where the agent reads skills from.
    fn skills_dir(self, home: &Path) -> PathBuf {
        match self {
            Self::ClaudeCode | Self::Cursor => self.home_dir(home).join("skills"),
            Self::Windsurf => self.home_dir(home).join("windsurf").join("skills"),
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// What install did (or would do) to one file.
#[derive(Debug, Serialize)]
struct Written {
    path: String,
    action: &'static str,
}

/// One install target's result.
#[derive(Debug, Serialize)]
struct Installed {
    agent: &'static str,
    dir: String,
    files: Vec<Written>,
}

pub(crate) async fn run(ui: &Ui, _env: &Env, cmd: Command) -> CliResult {
    match cmd {
        Command::Install(args) => install(ui, &args),
        Command::Print => {
            if ui.json {
                let files: serde_json::Map<String, serde_json::Value> = files()
                    .into_iter()
                    .map(|(p, c)| (p.to_owned(), c.into()))
                    .collect();
                return print_json(&serde_json::json!({ "files": files }));
            }
            ui.out(print_document());
            Ok(())
        }
        Command::Generate(args) => generate(ui, &args),
    }
}

/// The skill's files with the generated ones rendered from this binary (always current).
pub(crate) fn files() -> Vec<(&'static str, String)> {
    FILES
        .iter()
        .map(|(path, text)| {
            let text = match *path {
                CLI_REFERENCE => cli_reference(),
                TROUBLESHOOTING => catalogue::markdown(),
                _ => (*text).to_owned(),
            };
            (*path, text)
        })
        .collect()
}

/// `skill print`: the prompt, the guide and the knowledge files, each under a file marker.
fn print_document() -> String {
    let order = [
        "AGENT-PROMPT.md",
        "GUIDE.md",
        "knowledge/concepts.md",
        "knowledge/decision-tree.md",
        CLI_REFERENCE,
        TROUBLESHOOTING,
    ];
    let all = files();
    let mut out = String::new();
    for name in order {
        if let Some((_, text)) = all.iter().find(|(p, _)| *p == name) {
            out.push_str(&format!("<!-- file: {name} -->\n{text}\n"));
        }
    }
    out
}

fn install(ui: &Ui, args: &InstallArgs) -> CliResult {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|h| !h.as_os_str().is_empty());
    let targets: Vec<(Agent, PathBuf)> = match (&args.dir, &args.agent) {
        (Some(dir), agent) => {
            let agent = agent
                .as_deref()
                .and_then(Agent::parse)
                .unwrap_or(Agent::ClaudeCode);
            vec![(agent, dir.join(SKILL_NAME))]
        }
        (None, agent) => {
            let home = home.ok_or_else(|| {
                CliError::new(
                    ErrorCode::InputRequired,
                    "HOME is not set: pass --dir DIR to choose where the skill goes.",
                )
                .with_field("--dir")
            })?;
            let agents = match agent.as_deref().and_then(Agent::parse) {
                Some(a) => vec![a],
                None => {
                    let found: Vec<Agent> = Agent::ALL
                        .into_iter()
                        .filter(|a| a.home_dir(&home).is_dir())
                        .collect();
                    if found.is_empty() {
                        vec![Agent::ClaudeCode]
                    } else {
                        found
                    }
                }
            };
            agents
                .into_iter()
                .map(|a| (a, a.skills_dir(&home).join(SKILL_NAME)))
                .collect()
        }
    };
    let files = files();
    let mut report = Vec::new();
    for (agent, dir) in targets {
        let mut written = Vec::new();
        for (rel, text) in &files {
            let path = dir.join(rel);
            let action = match std::fs::read(&path) {
                Ok(old) if old == text.as_bytes() => "unchanged",
                Ok(_) => "updated",
                Err(_) => "created",
            };
            if action != "unchanged" && !args.dry_run {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        CliError::io(&format!("cannot create {}", parent.display()), &e)
                    })?;
                }
                std::fs::write(&path, text)
                    .map_err(|e| CliError::io(&format!("cannot write {}", path.display()), &e))?;
            }
            written.push(Written {
                path: path.display().to_string(),
                action,
            });
        }
        report.push(Installed {
            agent: agent.name(),
            dir: dir.display().to_string(),
            files: written,
        });
    }
    if ui.json {
        return print_json(&serde_json::json!({ "dry_run": args.dry_run, "installed": report }));
    }
    for target in &report {
        let changed = target
            .files
            .iter()
            .filter(|f| f.action != "unchanged")
            .count();
        let verb = if args.dry_run { "would write" } else { "wrote" };
        ui.out(format!(
            "{}: {} ({verb} {changed} of {} files)",
            target.agent,
            target.dir,
            target.files.len()
        ));
        for f in target.files.iter().filter(|f| f.action != "unchanged") {
            ui.out(format!("  {:<9} {}", f.action, f.path));
        }
    }
    if !args.dry_run {
        ui.info("Start it with /peaqos (Claude Code), or ask the agent to \"onboard my machine to peaqOS\".");
    }
    Ok(())
}

// ------------------------------------------------------------------ generated files

/// The generated files of a source tree at `root`: (path relative to root, contents).
pub(crate) fn generated(root: &Path) -> CliResult<Vec<(PathBuf, String)>> {
    let skill = Path::new("skills").join(SKILL_NAME);
    Ok(vec![
        (skill.join(CLI_REFERENCE), cli_reference()),
        (skill.join(TROUBLESHOOTING), catalogue::markdown()),
        (PathBuf::from("llms.txt"), crate::llms::index(root)?),
        (
            PathBuf::from("llms-full.txt"),
            crate::llms::full(root, MAX_DOC_BYTES)?,
        ),
    ])
}

fn generate(ui: &Ui, args: &GenerateArgs) -> CliResult {
    if !args.root.join("docs").is_dir() || !args.root.join("skills").is_dir() {
        return Err(CliError::user(format!(
            "{} is not a peaqOS source tree (no docs/ and skills/).",
            args.root.display()
        ))
        .with_field("--root"));
    }
    let mut stale = Vec::new();
    for (rel, text) in generated(&args.root)? {
        let path = args.root.join(&rel);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        stale.push(rel.display().to_string());
        if !args.check {
            std::fs::write(&path, &text)
                .map_err(|e| CliError::io(&format!("cannot write {}", path.display()), &e))?;
        }
    }
    if ui.json {
        print_json(&serde_json::json!({ "check": args.check, "stale": stale }))?;
    } else if stale.is_empty() {
        ui.out("Generated files are up to date.");
    } else {
        let verb = if args.check { "stale" } else { "rewritten" };
        for s in &stale {
            ui.out(format!("  {verb}: {s}"));
        }
    }
    if args.check && !stale.is_empty() {
        return Err(CliError::user(format!(
            "{} generated file(s) are stale; run 'peaqos skill generate'.",
            stale.len()
        ))
        .reported());
    }
    Ok(())
}

/// The env vars the CLI reads, with what they do.
pub(crate) const ENV_VARS: [(&str, &str); 16] = [
    (
        "PEAQOS_PRIVATE_KEY",
        "The signing key: 0x + 64 hex. Never printed by any command.",
    ),
    (
        "PEAQOS_OWS_WALLET",
        "Sign with this OWS vault wallet instead of PEAQOS_PRIVATE_KEY.",
    ),
    (
        "OWS_PASSPHRASE",
        "The vault passphrase (else a hidden prompt in a terminal; required without one).",
    ),
    (
        "OWS_VAULT_PATH",
        "The OWS vault directory (default ~/.ows).",
    ),
    (
        "PEAQOS_NETWORK",
        "mainnet, testnet (agung) or local; picks the Gas Station chain and doctor's chain-id check.",
    ),
    ("PEAQOS_RPC_URL", "The JSON-RPC endpoint."),
    (
        "PEAQOS_MCR_API_URL",
        "The MCR API (default http://127.0.0.1:8000).",
    ),
    (
        "PEAQOS_GAS_STATION_URL",
        "The Gas Station that funds 'peaqos activate' (optional).",
    ),
    (
        "IDENTITY_REGISTRY_ADDRESS",
        "Contract address (required with PEAQOS_RPC_URL).",
    ),
    ("IDENTITY_STAKING_ADDRESS", "Contract address (required)."),
    ("EVENT_REGISTRY_ADDRESS", "Contract address (required)."),
    ("MACHINE_NFT_ADDRESS", "Contract address (required)."),
    (
        "DID_REGISTRY_ADDRESS",
        "The DID precompile address (required).",
    ),
    (
        "BATCH_PRECOMPILE_ADDRESS",
        "The Batch precompile address (required).",
    ),
    ("PEAQOS_JSON", "1 = --json on every command."),
    (
        "PEAQOS_LOG",
        "Log filter (tracing EnvFilter syntax), e.g. peaqos_sdk=debug; NO_COLOR disables colour.",
    ),
];

/// `knowledge/cli-reference.md`: every command and flag from the clap definitions, the env
/// vars and the exit codes.
pub(crate) fn cli_reference() -> String {
    let root = crate::cli_command();
    let mut out = String::from(
        "<!-- Generated by `peaqos skill generate` from the clap definitions; do not edit. -->\n\
         # peaqos CLI reference\n\n\
         Every command of the `peaqos` binary this skill drives, with every flag. Global flags \
         work before or after the subcommand. Add `--json` to any command for one JSON document \
         on stdout; errors are then `{\"error\": {\"code\", \"message\", \"field\", \"exit_code\"}}` \
         on stdout (see troubleshooting.md for every code).\n\n## Global flags\n\n",
    );
    flags_table(&mut out, root.get_arguments().filter(|a| a.is_global_set()));
    out.push_str("\n## Commands\n");
    let mut stack: Vec<(String, &ClapCommand)> = root
        .get_subcommands()
        .map(|c| (format!("peaqos {}", c.get_name()), c))
        .collect();
    stack.reverse();
    while let Some((path, cmd)) = stack.pop() {
        if cmd.is_hide_set() {
            continue;
        }
        out.push_str(&format!("\n### `{path}`\n\n"));
        if let Some(about) = cmd.get_long_about().or_else(|| cmd.get_about()) {
            out.push_str(&format!("{}\n\n", about.to_string().trim()));
        }
        let subs: Vec<&ClapCommand> = cmd.get_subcommands().filter(|c| !c.is_hide_set()).collect();
        if subs.is_empty() {
            let positionals: Vec<String> = cmd
                .get_positionals()
                .map(|a| format!("<{}>", a.get_id().as_str().to_ascii_uppercase()))
                .collect();
            out.push_str(&format!(
                "Usage: `{path}{}{}`\n\n",
                if positionals.is_empty() { "" } else { " " },
                positionals.join(" ")
            ));
            flags_table(
                &mut out,
                cmd.get_arguments()
                    .filter(|a| !a.is_global_set() && a.get_id() != "help"),
            );
        } else {
            out.push_str(&format!(
                "Subcommands: {}\n",
                subs.iter()
                    .map(|c| format!("`{}`", c.get_name()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            for sub in subs.into_iter().rev() {
                stack.push((format!("{path} {}", sub.get_name()), sub));
            }
        }
    }
    out.push_str("\n## Environment variables\n\nRead from `./.env` and the process environment (the environment wins).\n\n| Variable | Meaning |\n|---|---|\n");
    for (name, what) in ENV_VARS {
        out.push_str(&format!("| `{name}` | {what} |\n"));
    }
    out.push_str("\n## Exit codes\n\n| Exit | Meaning | Codes |\n|---|---|---|\n");
    for (exit, meaning) in [
        (0u8, "success"),
        (
            1,
            "bad input: usage, validation, a needed answer missing, a declined confirmation, a limit",
        ),
        (
            2,
            "network, chain or API: RPC, transactions, the MCR API, the Gas Station",
        ),
        (
            3,
            "configuration: missing or invalid env vars, the wallet, the local stack",
        ),
    ] {
        let codes: Vec<String> = ErrorCode::ALL
            .iter()
            .filter(|c| c.entry().exit_code == exit)
            .map(|c| format!("`{}`", c.as_str()))
            .collect();
        out.push_str(&format!("| {exit} | {meaning} | {} |\n", codes.join(", ")));
    }
    out
}

fn flags_table<'a>(out: &mut String, args: impl Iterator<Item = &'a Arg>) {
    let mut rows = Vec::new();
    for a in args {
        if a.get_id() == "help" {
            continue;
        }
        let name = match (a.get_long(), a.get_short(), a.is_positional()) {
            (_, _, true) => format!("`<{}>`", a.get_id().as_str().to_ascii_uppercase()),
            (Some(l), Some(s), _) => format!("`-{s}`, `--{l}`"),
            (Some(l), None, _) => format!("`--{l}`"),
            (None, Some(s), _) => format!("`-{s}`"),
            (None, None, _) => continue,
        };
        let takes_value = !matches!(
            a.get_action(),
            ArgAction::SetTrue | ArgAction::SetFalse | ArgAction::Count | ArgAction::Help
        );
        let values: Vec<String> = a
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_owned())
            .collect();
        let value = if !takes_value {
            "flag".to_owned()
        } else if !values.is_empty() {
            values.join(" \\| ")
        } else {
            a.get_value_names().and_then(|v| v.first()).map_or_else(
                || a.get_id().as_str().to_ascii_uppercase(),
                ToString::to_string,
            )
        };
        let default: Vec<String> = a
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        let mut help = a
            .get_long_help()
            .or_else(|| a.get_help())
            .map(|h| h.to_string().replace('\n', " ").replace('|', "\\|"))
            .unwrap_or_default();
        if a.is_required_set() || a.is_positional() {
            help.push_str(" Required.");
        }
        rows.push(format!(
            "| {name} | {value} | {} | {} | {} |",
            if default.iter().all(String::is_empty) || !takes_value {
                String::new()
            } else {
                format!("`{}`", default.join(","))
            },
            a.get_env()
                .map(|e| format!("`{}`", e.to_string_lossy()))
                .unwrap_or_default(),
            help.trim()
        ));
    }
    if rows.is_empty() {
        out.push_str("No flags.\n");
        return;
    }
    out.push_str("| Flag | Value | Default | Env | Description |\n|---|---|---|---|---|\n");
    for r in rows {
        out.push_str(&r);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    /// The committed generated files equal what this code generates; `PEAQOS_REGENERATE=1`
    /// rewrites them.
    #[test]
    fn generated_files_are_fresh() {
        let root = repo_root();
        let rewrite = std::env::var("PEAQOS_REGENERATE").is_ok_and(|v| v == "1");
        let mut stale = Vec::new();
        for (rel, text) in generated(&root).expect("generate") {
            let path = root.join(&rel);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                if rewrite {
                    std::fs::write(&path, &text).expect("rewrite");
                } else {
                    stale.push(rel.display().to_string());
                }
            }
        }
        assert!(
            stale.is_empty(),
            "stale generated files {stale:?}: run `PEAQOS_REGENERATE=1 cargo nextest run -p \
             peaqos-cli -E 'test(generated_files_are_fresh)'` or `peaqos skill generate`"
        );
    }

    /// The embedded copies are the files on disk (the binary carries what is committed).
    #[test]
    fn embedded_files_are_the_skill_directory() {
        let dir = repo_root().join("skills").join(SKILL_NAME);
        for (rel, text) in FILES {
            let disk = std::fs::read_to_string(dir.join(rel)).expect(rel);
            assert_eq!(disk, text, "{rel}");
        }
    }

    /// `name: value` lines of a SKILL.md's YAML frontmatter (folded `>-` values joined).
    fn frontmatter(text: &str) -> Vec<(String, String)> {
        let body = text
            .strip_prefix("---\n")
            .and_then(|t| t.split_once("\n---\n"))
            .map(|(fm, _)| fm)
            .expect("frontmatter between --- lines");
        let mut out: Vec<(String, String)> = Vec::new();
        for line in body.lines() {
            if let Some(rest) = line.strip_prefix("  ") {
                let last = out.last_mut().expect("a continuation follows a key");
                if !last.1.is_empty() {
                    last.1.push(' ');
                }
                last.1.push_str(rest.trim());
            } else {
                let (k, v) = line.split_once(':').expect("key: value");
                let v = v.trim();
                out.push((
                    k.to_owned(),
                    if v == ">-" {
                        String::new()
                    } else {
                        v.to_owned()
                    },
                ));
            }
        }
        out
    }

    /// The Agent Skills rules: name ≤ 64 of [a-z0-9-] without edge hyphens and equal to the
    /// directory the skill is installed as; description 1..=1024; compatibility ≤ 500.
    #[test]
    fn skill_frontmatter_follows_the_spec() {
        for path in [
            "SKILL.md",
            "adapters/claude-code/SKILL.md",
            "adapters/cursor/SKILL.md",
            "adapters/windsurf/SKILL.md",
        ] {
            let text = FILES.iter().find(|(p, _)| *p == path).expect(path).1;
            let fm = frontmatter(text);
            let get = |k: &str| fm.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
            let name = get("name").expect("name");
            assert_eq!(name, SKILL_NAME, "{path}: name equals the skill directory");
            assert!(name.len() <= 64 && !name.starts_with('-') && !name.ends_with('-'));
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            );
            let description = get("description").expect("description");
            assert!(
                (1..=1024).contains(&description.chars().count()),
                "{path}: {description}"
            );
            assert!(get("compatibility").is_none_or(|c| c.chars().count() <= 500));
            for (k, _) in &fm {
                assert!(
                    [
                        "name",
                        "description",
                        "license",
                        "compatibility",
                        "metadata",
                        "allowed-tools"
                    ]
                    .contains(&k.as_str()),
                    "{path}: unknown frontmatter key {k}"
                );
            }
        }
    }

    /// Every file the manifest names exists in the skill (and is installed).
    #[test]
    fn every_manifest_file_exists() {
        let manifest: serde_json::Value = serde_json::from_str(
            FILES
                .iter()
                .find(|(p, _)| *p == "manifest.json")
                .expect("m")
                .1,
        )
        .expect("manifest.json is JSON");
        assert_eq!(manifest["name"], SKILL_NAME);
        let mut named = vec![
            manifest["entrypoint"]
                .as_str()
                .expect("entrypoint")
                .to_owned(),
        ];
        named.extend(
            manifest["knowledge_files"]
                .as_array()
                .expect("knowledge_files")
                .iter()
                .map(|v| v.as_str().expect("path").to_owned()),
        );
        for agent in Agent::NAMES {
            named.push(
                manifest["adapters"][agent]
                    .as_str()
                    .expect(agent)
                    .to_owned(),
            );
        }
        for path in named {
            assert!(
                FILES.iter().any(|(p, _)| *p == path),
                "{path} is a skill file"
            );
        }
    }

    /// Splits a shell line into words (double and single quotes; no expansions).
    fn words(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let mut quote: Option<char> = None;
        let mut any = false;
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => cur.push(c),
                (None, '"' | '\'') => {
                    quote = Some(c);
                    any = true;
                }
                (None, c) if c.is_whitespace() => {
                    if any || !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                    any = false;
                }
                (None, c) => cur.push(c),
            }
        }
        if any || !cur.is_empty() {
            out.push(cur);
        }
        out
    }

    /// Every `peaqos …` command the skill tells the agent to run (fenced blocks and inline
    /// code; `…` elisions and `<command>` templates excepted), placeholders filled.
    pub(crate) fn skill_commands() -> Vec<String> {
        let mut out = Vec::new();
        for (path, text) in FILES {
            if !path.ends_with(".md") || path.starts_with("knowledge/cli-reference") {
                continue;
            }
            let mut in_fence = false;
            for line in text.lines() {
                if line.trim_start().starts_with("```") {
                    in_fence = !in_fence;
                    continue;
                }
                if in_fence {
                    let l = line.trim().trim_end_matches('&').trim();
                    if l.starts_with("peaqos ") || l == "peaqos" {
                        out.push(l.to_owned());
                    }
                    continue;
                }
                for (i, part) in line.split('`').enumerate() {
                    if i % 2 == 1 && part.starts_with("peaqos ") {
                        out.push(part.trim_end_matches('&').trim().to_owned());
                    }
                }
            }
        }
        out.retain(|c| !c.contains('…') && !c.contains("<command>") && !c.contains("<NET>"));
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn every_command_the_skill_runs_parses() {
        let commands = skill_commands();
        assert!(commands.len() >= 20, "{commands:#?}");
        for cmd in &commands {
            let filled = cmd
                .replace("<MACHINE_ID>", "7")
                .replace(
                    "<DID>",
                    "did:peaq:0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                )
                .replace(
                    "<OPERATOR_DID>",
                    "did:peaq:0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                )
                .replace("<ADDRESS>", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
                .replace("<KEYFILE>", "m.key")
                .replace("<NAME>", "fleet");
            assert!(!filled.contains('<'), "an unknown placeholder in {cmd}");
            let result = crate::cli_command().try_get_matches_from(words(&filled));
            if let Err(e) = result {
                use clap::error::ErrorKind;
                assert!(
                    matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion),
                    "`{cmd}` does not parse: {e}"
                );
            }
        }
    }

    #[test]
    fn the_reference_names_every_command_and_env_var() {
        let text = cli_reference();
        for cmd in [
            "peaqos doctor",
            "peaqos skill install",
            "peaqos qualify event",
        ] {
            assert!(text.contains(&format!("### `{cmd}`")), "{cmd}");
        }
        for (name, _) in ENV_VARS {
            assert!(text.contains(name), "{name}");
        }
        for code in ErrorCode::ALL {
            assert!(text.contains(code.as_str()), "{code:?}");
        }
    }
}

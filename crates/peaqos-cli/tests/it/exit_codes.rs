//! Exit codes per error family: 0 success, 1 user/validation (argument errors included),
//! 2 network/chain/API, 3 configuration. Everything fails before any transaction.

use crate::common;

use common::{Cli, dead_env, snapshot};

const KEY: &str = common::DEAD_ENV_KEY;
const DID: &str = "did:peaq:0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

#[test]
fn success_and_help_exit_0() {
    let cli = Cli::new();
    let v = cli.run(&["--version"]);
    v.expect(0);
    assert!(v.stdout.starts_with("peaqos-cli "), "{}", v.stdout);
    assert!(v.stdout.contains("(peaqos-sdk "), "{}", v.stdout);
    let help = cli.run(&[]);
    help.expect(0);
    for cmd in [
        "init", "whoami", "activate", "qualify", "show", "wallet", "dev", "demo",
    ] {
        assert!(help.stdout.contains(cmd), "help lists {cmd}");
    }
    cli.run(&["-h"]).expect(0);
    cli.run(&["activate", "--help"]).expect(0);
    cli.run(&["show", "operator", "machines", "--help"])
        .expect(0);
}

#[test]
fn argument_errors_exit_1() {
    let cli = Cli::new();
    for args in [
        &["--no-such-flag"][..],
        &["no-such-command"],
        &["-v", "-q", "whoami"],
        &["qualify", "event", "--machine-id", "1"],
        &[
            "qualify",
            "event",
            "--machine-id",
            "1",
            "--type",
            "rent",
            "--value",
            "1",
            "--ts",
            "1",
        ],
        &["activate", "--visibility", "secret"],
        &["show", "operator", "machines", DID, "--limit", "21"],
        &["qualify", "mcr"],
    ] {
        let r = cli.run(args);
        r.expect(1);
        assert!(
            r.stderr.contains("error") || r.stderr.contains("Error"),
            "{args:?}: {}",
            r.stderr
        );
    }
}

#[test]
fn validation_errors_exit_1_and_name_the_field() {
    let cli = Cli::new();
    dead_env(&cli);
    let cases: &[(&[&str], &str)] = &[
        (&["qualify", "mcr", "did:peaq:0x123"], "Invalid DID"),
        (&["qualify", "mcr", ""], "DID must not be empty"),
        (
            &[
                "show",
                "machine",
                "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            ],
            "Invalid DID",
        ),
        (
            &[
                "qualify",
                "event",
                "--machine-id",
                "0",
                "--type",
                "revenue",
                "--value",
                "1",
                "--ts",
                "1",
            ],
            "--machine-id",
        ),
        (
            &[
                "qualify",
                "event",
                "--machine-id",
                "1",
                "--type",
                "revenue",
                "--value",
                "-5",
                "--ts",
                "1",
            ],
            "--value",
        ),
        (
            &[
                "qualify",
                "event",
                "--machine-id",
                "1",
                "--type",
                "revenue",
                "--value",
                "5",
                "--ts",
                "2026-01-01T00:00:00",
            ],
            "--ts",
        ),
        (
            &[
                "qualify",
                "event",
                "--machine-id",
                "1",
                "--type",
                "revenue",
                "--value",
                "5",
                "--ts",
                "1",
                "--trust",
                "onchain",
            ],
            "--source-tx",
        ),
        (
            &[
                "qualify",
                "event",
                "--machine-id",
                "1",
                "--type",
                "revenue",
                "--value",
                "5",
                "--ts",
                "1",
                "--currency",
                "usd",
            ],
            "--currency",
        ),
        (
            &[
                "qualify",
                "event",
                "--machine-id",
                "1",
                "--type",
                "activity",
                "--value",
                "0",
                "--ts",
                "1",
                "--currency",
                "USD",
            ],
            "--currency",
        ),
        (
            &[
                "qualify",
                "event",
                "--machine-id",
                "1",
                "--type",
                "revenue",
                "--value",
                "5",
                "--ts",
                "1",
                "--source-tx",
                "0x12",
            ],
            "--source-tx",
        ),
        (&["activate", "--for", "0x1234"], "--for and --machine-key"),
        (
            &["activate", "--for", "0x1234", "--machine-key", "nope.key"],
            "--for",
        ),
        (&["activate"], "--doc-url"),
        (
            &["activate", "--doc-url", "https://d", "--data-api", ""],
            "--data-api",
        ),
        (
            &[
                "activate",
                "--doc-url",
                "https://dé",
                "--data-api",
                "https://x",
            ],
            "--doc-url",
        ),
    ];
    for (args, needle) in cases {
        let r = cli.run(args);
        r.expect(1);
        assert!(
            r.stderr.contains(needle),
            "{args:?}: expected {needle:?} in {}",
            r.stderr
        );
    }
    // Validation happens before the journal is even opened.
    assert!(!cli.path().join("peaqos.log").exists());

    std::fs::write(cli.path().join("batch.json"), r#"[{"machine_id":1,"type":"revenue","value":5,"ts":1,"currency":"USD"},{"machine_id":1,"type":"revenue","value":5,"ts":1,"currency":"us"}]"#).expect("w");
    let r = cli.run(&["qualify", "event", "--batch", "batch.json"]);
    r.expect(1);
    assert!(r.stderr.contains("events[1].currency"), "{}", r.stderr);
    std::fs::write(cli.path().join("bad.json"), "{}").expect("w");
    cli.run(&["qualify", "event", "--batch", "bad.json"])
        .expect(1);
    cli.run(&["qualify", "event", "--batch", "missing.json"])
        .expect(1);
}

#[test]
fn configuration_errors_exit_3() {
    let cli = Cli::new();
    let r = cli.run(&["whoami"]);
    r.expect(3);
    snapshot("error_missing_env", &r.stderr);
    cli.write_env(&format!("PEAQOS_PRIVATE_KEY={KEY}\n"));
    let r = cli.run(&["whoami"]);
    r.expect(3);
    assert!(
        r.stderr
            .contains("Missing required env var: PEAQOS_RPC_URL"),
        "{}",
        r.stderr
    );
    dead_env(&cli);
    let mut bad = cli.read(".env").replace(KEY, "0x1234");
    bad.push('\n');
    cli.write_env(&bad);
    let r = cli.run(&["whoami"]);
    r.expect(3);
    assert!(r.stderr.contains("Invalid configuration"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("0x1234"),
        "the key is never echoed: {}",
        r.stderr
    );
    // The process environment wins over .env.
    let mut cli2 = Cli::new();
    dead_env(&cli2);
    cli2.set("PEAQOS_RPC_URL", "ftp://nowhere");
    cli2.run(&["whoami"]).expect(3);
}

#[test]
fn network_errors_exit_2() {
    let cli = Cli::new();
    dead_env(&cli);
    let r = cli.run(&["whoami"]);
    r.expect(2);
    let r = cli.run(&["qualify", "mcr", DID]);
    r.expect(2);
    assert!(r.stderr.contains("Could not connect"), "{}", r.stderr);
    cli.run(&["show", "machine", DID]).expect(2);
    cli.run(&["show", "operator", "machines", DID]).expect(2);
    cli.run(&[
        "activate",
        "--doc-url",
        "https://d",
        "--data-api",
        "https://a",
        "--skip-funding",
    ])
    .expect(2);
    cli.run(&[
        "qualify",
        "event",
        "--machine-id",
        "1",
        "--type",
        "revenue",
        "--value",
        "5",
        "--ts",
        "1",
    ])
    .expect(2);
}

#[test]
fn init_errors() {
    let cli = Cli::new();
    // Non-interactive without a key source and without PEAQOS_PRIVATE_KEY.
    let r = cli.run(&[
        "init",
        "--non-interactive",
        "--network",
        "local",
        "--no-verify",
    ]);
    r.expect(1);
    assert!(r.stderr.contains("PEAQOS_PRIVATE_KEY"), "{}", r.stderr);
    let r = cli.run_with_input(
        &[
            "init",
            "--network",
            "local",
            "--key-source",
            "paste",
            "--no-verify",
        ],
        "0xnotakey\n",
    );
    r.expect(1);
    assert!(r.stderr.contains("Invalid private key"), "{}", r.stderr);
    assert!(!r.stderr.contains("0xnotakey"), "never echoed");
    assert!(!cli.path().join(".env").exists());
}

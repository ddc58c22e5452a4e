//! Terminal I/O: results on stdout, progress on stderr, prompts, spinners, colour (only on a
//! TTY, never with `NO_COLOR`). No question is asked when stdin is not a terminal: a visible
//! prompt is then an `INPUT_REQUIRED` error naming the flag that answers it, and a hidden one
//! (a secret) reads one line from the pipe.

use std::{
    io::{BufRead as _, IsTerminal as _, Write as _},
    sync::mpsc,
    thread::JoinHandle,
    time::Duration,
};

use crate::error::{CliError, CliResult, ErrorCode};

/// Verbosity and colour for one run.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Ui {
    pub(crate) quiet: bool,
    pub(crate) verbose: bool,
    /// `--json`: results as one JSON document on stdout, errors as the JSON error object.
    pub(crate) json: bool,
    color_out: bool,
    color_err: bool,
    spin: bool,
}

/// ANSI styles used.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Style {
    Bold,
    Green,
    Red,
    Yellow,
}

impl Style {
    const fn code(self) -> &'static str {
        match self {
            Self::Bold => "1",
            Self::Green => "32",
            Self::Red => "31",
            Self::Yellow => "33",
        }
    }
}

fn color_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

impl Ui {
    /// Whether stderr may carry colour (a TTY, and no `NO_COLOR`); log lines follow it too.
    pub(crate) const fn color_err(&self) -> bool {
        self.color_err
    }

    pub(crate) fn new(quiet: bool, verbose: bool, json: bool) -> Self {
        let allowed = color_allowed();
        let err_tty = std::io::stderr().is_terminal();
        Self {
            quiet,
            verbose,
            json,
            color_out: allowed && std::io::stdout().is_terminal(),
            color_err: allowed && err_tty,
            spin: err_tty && !quiet,
        }
    }

    fn paint(enabled: bool, style: Style, text: &str) -> String {
        if enabled {
            format!("\x1b[{}m{text}\x1b[0m", style.code())
        } else {
            text.to_owned()
        }
    }

    /// `text` styled for stdout.
    pub(crate) fn out_style(&self, style: Style, text: &str) -> String {
        Self::paint(self.color_out, style, text)
    }

    /// `text` styled for stderr.
    pub(crate) fn err_style(&self, style: Style, text: &str) -> String {
        Self::paint(self.color_err, style, text)
    }

    /// A result line on stdout.
    pub(crate) fn out(&self, line: impl AsRef<str>) {
        println!("{}", line.as_ref());
    }

    /// A progress line on stderr (hidden by `--quiet`).
    pub(crate) fn info(&self, line: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", line.as_ref());
        }
    }

    /// `[n/total] label` on stderr (hidden by `--quiet`).
    pub(crate) fn step(&self, n: usize, total: usize, label: &str) {
        if !self.quiet {
            eprintln!(
                "{}",
                self.err_style(Style::Bold, &format!("[{n}/{total}] {label}"))
            );
        }
    }

    /// A warning on stderr (always shown).
    pub(crate) fn warn(&self, line: impl AsRef<str>) {
        eprintln!("{}", self.err_style(Style::Yellow, line.as_ref()));
    }

    /// The error line on stderr; with `--json` also the JSON error object on stdout.
    pub(crate) fn error(&self, err: &CliError) {
        if self.json && !err.reported {
            println!("{}", err.json());
        }
        eprintln!("{} {}", self.err_style(Style::Red, "Error:"), err.message);
    }

    /// A spinner on stderr while `label` runs (nothing unless stderr is a TTY).
    pub(crate) fn spinner(&self, label: &str) -> Spinner {
        Spinner::start(self.spin, label)
    }

    /// Asks for a line on stderr; empty input takes `default`. Not a terminal: `INPUT_REQUIRED`
    /// naming `flag`.
    pub(crate) fn prompt(
        &self,
        label: &str,
        default: Option<&str>,
        flag: &str,
    ) -> CliResult<String> {
        require_terminal(label, flag)?;
        match default {
            Some(d) if !d.is_empty() => eprint!("{label} [{d}]: "),
            _ => eprint!("{label}: "),
        }
        let line = read_line()?;
        let line = line.trim();
        Ok(if line.is_empty() {
            default.unwrap_or_default().to_owned()
        } else {
            line.to_owned()
        })
    }

    /// Asks for one of `choices` (case-insensitive).
    pub(crate) fn choose(
        &self,
        label: &str,
        choices: &[&str],
        default: &str,
        flag: &str,
    ) -> CliResult<String> {
        loop {
            let answer = self.prompt(
                &format!("{label} ({})", choices.join(", ")),
                Some(default),
                flag,
            )?;
            if let Some(c) = choices.iter().find(|c| c.eq_ignore_ascii_case(&answer)) {
                return Ok((*c).to_owned());
            }
            eprintln!("Error: '{answer}' is not one of {}.", choices.join(", "));
        }
    }

    /// Asks for a secret without echoing it (terminal echo off when stdin is a TTY). Not a
    /// terminal: reads one line from the pipe; none there is `INPUT_REQUIRED` naming `source`
    /// (the env var or flag that supplies it instead).
    pub(crate) fn prompt_hidden(&self, label: &str, source: &str) -> CliResult<String> {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return match read_line() {
                Ok(line) => Ok(line.trim().to_owned()),
                Err(_) => Err(CliError::new(
                    ErrorCode::InputRequired,
                    format!(
                        "{label}: stdin is not a terminal and holds no line. Pipe it on stdin \
                         or use {source}."
                    ),
                )
                .with_field(source)),
            };
        }
        eprint!("{label}: ");
        let saved = if stdin.is_terminal() {
            rustix::termios::tcgetattr(&stdin).ok()
        } else {
            None
        };
        if let Some(orig) = &saved {
            let mut quiet = orig.clone();
            quiet.local_modes.remove(rustix::termios::LocalModes::ECHO);
            let _ =
                rustix::termios::tcsetattr(&stdin, rustix::termios::OptionalActions::Now, &quiet);
        }
        let line = read_line();
        if let Some(orig) = &saved {
            let _ = rustix::termios::tcsetattr(&stdin, rustix::termios::OptionalActions::Now, orig);
            eprintln!();
        }
        Ok(line?.trim().to_owned())
    }

    /// Asks yes/no; `yes` (the value of `flag`) skips the question.
    pub(crate) fn confirm(&self, question: &str, yes: bool, flag: &str) -> CliResult<bool> {
        if yes {
            return Ok(true);
        }
        let answer = self.prompt(&format!("{question} [y/N]"), None, flag)?;
        Ok(matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes"))
    }
}

/// `INPUT_REQUIRED` naming `flag` unless stdin is a terminal.
fn require_terminal(label: &str, flag: &str) -> CliResult {
    if std::io::stdin().is_terminal() {
        return Ok(());
    }
    Err(CliError::new(
        ErrorCode::InputRequired,
        format!("{label}: stdin is not a terminal, so the CLI does not ask. Pass {flag}."),
    )
    .with_field(flag))
}

fn read_line() -> CliResult<String> {
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::io("cannot read from stdin", &e))?;
    if n == 0 {
        return Err(CliError::user("Aborted! (no input)"));
    }
    Ok(line)
}

/// A ticker on stderr; stops and clears its line when dropped (at once: the thread waits on a
/// channel, not a sleep).
pub(crate) struct Spinner {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Spinner {
    fn start(enabled: bool, label: &str) -> Self {
        if !enabled {
            return Self {
                stop: None,
                thread: None,
            };
        }
        let (tx, rx) = mpsc::channel::<()>();
        let label = label.to_owned();
        let thread = std::thread::spawn(move || {
            const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
            // A short grace period: fast operations show no spinner at all.
            let mut wait = Duration::from_millis(150);
            let mut i = 0;
            while let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(wait) {
                eprint!("\r{} {label}", FRAMES[i % FRAMES.len()]);
                let _ = std::io::stderr().flush();
                i += 1;
                wait = Duration::from_millis(80);
            }
            if i > 0 {
                eprint!("\r\x1b[2K");
                let _ = std::io::stderr().flush();
            }
        });
        Self {
            stop: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
